import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** One chunk's vector under one embedding model version (unit length; PostgreSQL real[], pgvector not assumed). */
@Entity({ name: 'document_embedding' })
@Index('document_embedding_chunk_idx', ['chunkId'])
export class DocumentEmbedding {
  @PrimaryColumn({ type: 'varchar', length: 128 }) model: string;
  @PrimaryColumn({ name: 'model_version', type: 'varchar', length: 128 }) modelVersion: string;
  @PrimaryColumn({ name: 'chunk_id', type: 'bigint' }) chunkId: string;
  @Column({ type: 'real', array: true }) vector: number[];
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
