import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One performance figure (return, volatility, Sharpe, drawdown...) of a portfolio or model over a period. */
@Entity({ name: 'performance_metric' })
@Index('performance_metric_subject_uq', ['subjectType', 'subjectId', 'metric', 'periodStart', 'periodEnd'], { unique: true })
export class PerformanceMetric {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  /** portfolio | model | strategy */
  @Column({ name: 'subject_type', type: 'varchar', length: 16 }) subjectType: string;
  @Column({ name: 'subject_id', type: 'varchar', length: 64 }) subjectId: string;
  @Column({ type: 'varchar', length: 64 }) metric: string;
  @Column({ name: 'period_start', type: 'date' }) periodStart: string;
  @Column({ name: 'period_end', type: 'date' }) periodEnd: string;
  @Column({ type: 'double precision' }) value: number;
  @Column({ name: 'computed_at', type: 'timestamptz', default: () => 'now()' }) computedAt: Date;
}
