import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One version of one document (a filing, a local file, a news item) of one symbol. Re-ingesting the same text
 * writes nothing; a changed text is version + 1 and the previous version gets `supersededAt`.
 */
@Entity({ name: 'document' })
@Index('document_version_uq', ['documentKey', 'version'], { unique: true })
@Index('document_symbol_idx', ['symbol', 'publishedAt'])
export class Document {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  /** Stable identity across versions: `sec-edgar:<accession>`, `folder:<file name>`, `news:<id>`. */
  @Column({ name: 'document_key', type: 'text' }) documentKey: string;
  @Column({ type: 'int' }) version: number;
  @Column({ type: 'varchar', length: 32 }) symbol: string;
  /** When it became public: for filings EDGAR's acceptance time. Point-in-time reads compare with this. */
  @Column({ name: 'published_at', type: 'timestamptz' }) publishedAt: Date;
  @Column({ type: 'varchar', length: 32 }) source: string;
  @Column({ name: 'form_type', type: 'varchar', length: 32, nullable: true }) formType: string | null;
  @Column({ type: 'text', nullable: true }) title: string | null;
  /** URL of the filing or news item, or the file's path. */
  @Column({ type: 'text' }) link: string;
  /** sha256 of the extracted text. */
  @Column({ name: 'content_hash', type: 'char', length: 64 }) contentHash: string;
  @Column({ type: 'varchar', length: 16 }) format: string;
  @Column({ type: 'text' }) text: string;
  @Column({ type: 'int' }) tokens: number;
  @Column({ name: 'superseded_at', type: 'timestamptz', nullable: true }) supersededAt: Date | null;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @Column({ name: 'ingested_at', type: 'timestamptz' }) ingestedAt: Date;
}
