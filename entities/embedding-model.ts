import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One embedding model version ever used; its vectors are document_embedding rows and one collection per store. */
@Entity({ name: 'embedding_model' })
export class EmbeddingModel {
  @PrimaryColumn({ type: 'varchar', length: 128 }) model: string;
  @PrimaryColumn({ type: 'varchar', length: 128 }) version: string;
  @Column({ type: 'int' }) dimension: number;
  @Column({ name: 'first_used_at', type: 'timestamptz' }) firstUsedAt: Date;
}
