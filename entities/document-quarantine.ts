import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One document that could not be ingested (unreadable, empty, no symbol or date), with where it was and why. */
@Entity({ name: 'document_quarantine' })
export class DocumentQuarantine {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @Column({ type: 'varchar', length: 32 }) source: string;
  @Column({ type: 'text' }) location: string;
  @Column({ type: 'varchar', length: 32, nullable: true }) symbol: string | null;
  @Column({ type: 'text' }) reason: string;
  /** The first characters of what was read, if anything. */
  @Column({ type: 'text', nullable: true }) excerpt: string | null;
  @Column({ name: 'quarantined_at', type: 'timestamptz' }) quarantinedAt: Date;
}
