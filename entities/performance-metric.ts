import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One performance figure of a portfolio (or model) over a named period (inception, ytd, 1y, 3y, 5y, or a calendar
 * year such as 2019), with the conventions it was computed under: annualisation factor, ddof, the risk-free rate and
 * its source, how missing days were treated, the benchmark. NULL value: not defined for the period (too short).
 */
@Entity({ name: 'performance_metric' })
@Index('performance_metric_uq', ['subjectType', 'subjectId', 'period', 'metric'], { unique: true })
export class PerformanceMetric {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'subject_type', type: 'varchar', length: 16 }) subjectType: string;
  @Column({ name: 'subject_id', type: 'varchar', length: 64 }) subjectId: string;
  @Column({ type: 'varchar', length: 16 }) period: string;
  @Column({ name: 'period_start', type: 'date' }) periodStart: string;
  @Column({ name: 'period_end', type: 'date' }) periodEnd: string;
  @Column({ type: 'varchar', length: 64 }) metric: string;
  @Column({ type: 'double precision', nullable: true }) value: number | null;
  @Column({ type: 'jsonb' }) conventions: Record<string, unknown>;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @Column({ name: 'computed_at', type: 'timestamptz', default: () => 'now()' }) computedAt: Date;
}
