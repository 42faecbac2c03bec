import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One token window of one document version; `tsv` (generated, not mapped) serves full-text search. */
@Entity({ name: 'document_chunk' })
@Index('document_chunk_uq', ['documentId', 'chunkIndex'], { unique: true })
@Index('document_chunk_symbol_idx', ['symbol', 'publishedAt'])
export class DocumentChunk {
  /** The id every vector store keys its record by. */
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'document_id', type: 'bigint' }) documentId: string;
  @Column({ name: 'chunk_index', type: 'int' }) chunkIndex: number;
  @Column({ type: 'varchar', length: 32 }) symbol: string;
  @Column({ name: 'published_at', type: 'timestamptz' }) publishedAt: Date;
  @Column({ type: 'text' }) text: string;
  @Column({ type: 'int' }) tokens: number;
  @Column({ name: 'start_offset', type: 'int' }) startOffset: number;
  @Column({ name: 'end_offset', type: 'int' }) endOffset: number;
}
