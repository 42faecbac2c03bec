import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One value-at-risk and expected-shortfall estimate of a portfolio at the close of a date, by one method, confidence
 * level and horizon, with the parameters that produced it. A row without a number (status insufficient_history) says
 * why in `reason`; 'fallback' means the method's assumptions failed and `reason` names the figure reported instead.
 */
@Entity({ name: 'var_calculation' })
export class VaRCalculation {
  @PrimaryColumn({ name: 'portfolio_id', type: 'varchar', length: 64 }) portfolioId: string;
  @PrimaryColumn({ name: 'as_of', type: 'date' }) asOf: string;
  /** historical | age_weighted_historical | filtered_historical | parametric_normal | parametric_t | cornish_fisher | monte_carlo */
  @PrimaryColumn({ type: 'varchar', length: 32 }) method: string;
  @PrimaryColumn({ name: 'confidence_level', type: 'double precision' }) confidenceLevel: number;
  @PrimaryColumn({ name: 'horizon_days', type: 'int' }) horizonDays: number;
  @Column({ type: 'varchar', length: 24 }) status: 'ok' | 'fallback' | 'insufficient_history';
  @Column({ type: 'text', nullable: true }) reason: string | null;
  /** A positive loss in the portfolio's currency. */
  @Column({ name: 'value_at_risk', type: 'double precision', nullable: true }) valueAtRisk: number | null;
  @Column({ name: 'expected_shortfall', type: 'double precision', nullable: true }) expectedShortfall: number | null;
  /** none | sqrt_time | overlapping: how the horizon was reached. */
  @Column({ name: 'horizon_scaling', type: 'varchar', length: 16 }) horizonScaling: string;
  /** Window, decay factors, fitted dof, seed and paths, warnings: everything needed to reproduce the number. */
  @Column({ type: 'jsonb' }) parameters: Record<string, unknown>;
  /** Euler allocation per symbol (parametric methods): exposure, marginal and component VaR. */
  @Column({ type: 'jsonb', nullable: true }) contributions: { symbol: string; exposure: number; marginal: number; component: number }[] | null;
  /** Market value of the risky positions at the close of as_of. */
  @Column({ name: 'portfolio_value', type: 'numeric', nullable: true }) portfolioValue: string | null;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @Column({ name: 'computed_at', type: 'timestamptz' }) computedAt: Date;
}
