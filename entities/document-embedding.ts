import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One embedded chunk of a text document (filing, news item, transcript) linked to a symbol and publication time. */
@Entity({ name: 'document_embedding' })
@Index('document_embedding_symbol_idx', ['symbol', 'publishedAt'])
@Index('document_embedding_chunk_uq', ['documentId', 'chunkIndex', 'model'], { unique: true })
export class DocumentEmbedding {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'document_id', type: 'varchar', length: 255 }) documentId: string;
  @Column({ name: 'chunk_index', type: 'int' }) chunkIndex: number;
  @Column({ type: 'varchar', length: 32, nullable: true }) symbol: string | null;
  @Column({ name: 'published_at', type: 'timestamptz' }) publishedAt: Date;
  @Column({ type: 'text' }) content: string;
  @Column({ type: 'varchar', length: 128 }) model: string;
  /** Stored as a float array; pgvector is not assumed to be installed. */
  @Column({ type: 'real', array: true }) embedding: number[];
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
