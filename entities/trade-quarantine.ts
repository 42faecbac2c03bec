import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A trade row that was not booked, with the raw row, where it came from and why. */
@Entity({ name: 'trade_quarantine' })
export class TradeQuarantine {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'portfolio_id', type: 'varchar', length: 64 }) portfolioId: string;
  @Column({ type: 'varchar', length: 128 }) source: string;
  /** file:line */
  @Column({ type: 'text' }) location: string;
  @Column({ name: 'trade_ref', type: 'varchar', length: 64, nullable: true }) tradeRef: string | null;
  @Column({ type: 'text' }) reason: string;
  @Column({ type: 'jsonb' }) raw: unknown;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
