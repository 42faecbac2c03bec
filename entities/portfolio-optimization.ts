import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One optimizer run: what it was asked (universe, as-of, return and risk models, constraints, solver and its version,
 * tolerances: `inputs`) and what it found (weights, expected return, volatility, Sharpe, status, diagnostics; the
 * rest — frontier, μ, risk contributions, allocation and proposed trades — in `outputs`).
 */
@Entity({ name: 'portfolio_optimization' })
@Index('portfolio_optimization_created_idx', ['createdAt'])
@Index('portfolio_optimization_run_idx', ['pipelineRunId'])
export class PortfolioOptimization {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @Column({ name: 'as_of', type: 'date' }) asOf: string;
  @Column({ type: 'text', array: true }) symbols: string[];
  /** max_sharpe | min_volatility | efficient_return | efficient_risk | max_quadratic_utility | risk_parity | hrp | min_cvar */
  @Column({ type: 'varchar', length: 32 }) objective: string;
  @Column({ type: 'varchar', length: 16 }) status: 'optimal' | 'infeasible' | 'error';
  @Column({ type: 'jsonb' }) inputs: Record<string, unknown>;
  /** symbol → target weight */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) weights: Record<string, number>;
  @Column({ name: 'expected_return', type: 'double precision', nullable: true }) expectedReturn: number | null;
  @Column({ type: 'double precision', nullable: true }) volatility: number | null;
  @Column({ type: 'double precision', nullable: true }) sharpe: number | null;
  /** Why it is infeasible: [{ constraint, message, amount }]. */
  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" }) diagnostics: unknown[];
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) outputs: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
