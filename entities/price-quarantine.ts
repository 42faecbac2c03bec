import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One rejected input row, kept verbatim with the reason it was refused, so nothing received is lost. */
@Entity({ name: 'price_quarantine' })
@Index('price_quarantine_run_idx', ['pipelineRunId'])
@Index('price_quarantine_symbol_idx', ['symbol', 'interval'])
export class PriceQuarantine {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @Column({ type: 'varchar', length: 64 }) source: string;
  /** Where in the source the row was: file and line, or URL and index. */
  @Column({ type: 'text' }) location: string;
  @Column({ type: 'varchar', length: 32, nullable: true }) symbol: string | null;
  @Column({ type: 'varchar', length: 8, nullable: true }) interval: string | null;
  @Column({ type: 'text' }) reason: string;
  @Column({ name: 'raw_row', type: 'jsonb' }) rawRow: unknown;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
