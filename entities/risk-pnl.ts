import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The hypothetical P&L of a portfolio's positions at the close of `as_of`, held unchanged over the next `horizon_days`
 * sessions (to `end_date`): what a VaR of that date and horizon is backtested against (Basel's "hypothetical" outcome).
 */
@Entity({ name: 'risk_pnl' })
export class RiskPnl {
  @PrimaryColumn({ name: 'portfolio_id', type: 'varchar', length: 64 }) portfolioId: string;
  @PrimaryColumn({ name: 'as_of', type: 'date' }) asOf: string;
  @PrimaryColumn({ name: 'horizon_days', type: 'int' }) horizonDays: number;
  @Column({ name: 'end_date', type: 'date' }) endDate: string;
  @Column({ type: 'double precision' }) pnl: number;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @Column({ name: 'computed_at', type: 'timestamptz' }) computedAt: Date;
}
