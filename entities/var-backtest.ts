import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One backtest of a portfolio's VaR/ES series by one method, level and horizon over a date range, in one PipelineRun. */
@Entity({ name: 'var_backtest' })
export class VaRBacktest {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @Column({ name: 'portfolio_id', type: 'varchar', length: 64 }) portfolioId: string;
  @Column({ type: 'varchar', length: 32 }) method: string;
  @Column({ name: 'confidence_level', type: 'double precision' }) confidenceLevel: number;
  @Column({ name: 'horizon_days', type: 'int' }) horizonDays: number;
  @Column({ name: 'from_date', type: 'date' }) fromDate: string;
  @Column({ name: 'to_date', type: 'date' }) toDate: string;
  @Column({ type: 'int' }) observations: number;
  @Column({ type: 'int' }) exceptions: number;
  @Column({ name: 'exception_dates', type: 'date', array: true }) exceptionDates: string[];
  @Column({ name: 'kupiec_lr', type: 'double precision' }) kupiecLr: number;
  @Column({ name: 'kupiec_p', type: 'double precision' }) kupiecP: number;
  @Column({ name: 'independence_lr', type: 'double precision' }) independenceLr: number;
  @Column({ name: 'independence_p', type: 'double precision' }) independenceP: number;
  @Column({ name: 'conditional_coverage_lr', type: 'double precision' }) conditionalCoverageLr: number;
  @Column({ name: 'conditional_coverage_p', type: 'double precision' }) conditionalCoverageP: number;
  /** Basel zone over the last 250 observations (fewer when the range is shorter: see traffic_light_observations). */
  @Column({ name: 'traffic_light', type: 'varchar', length: 8 }) trafficLight: 'green' | 'yellow' | 'red';
  @Column({ name: 'traffic_light_observations', type: 'int' }) trafficLightObservations: number;
  @Column({ name: 'traffic_light_exceptions', type: 'int' }) trafficLightExceptions: number;
  /** Acerbi–Székely Z2 and its verdict against the tabulated critical values. */
  @Column({ name: 'es_z2', type: 'double precision' }) esZ2: number;
  @Column({ name: 'es_verdict', type: 'varchar', length: 16 }) esVerdict: string;
  @Column({ type: 'jsonb' }) details: Record<string, unknown>;
  @Column({ name: 'computed_at', type: 'timestamptz' }) computedAt: Date;
}
