import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One portfolio's value at the close of one date: NAV, cash, the day's external flow and its time-weighted return. */
@Entity({ name: 'portfolio_valuation' })
export class PortfolioValuation {
  @PrimaryColumn({ name: 'portfolio_id', type: 'varchar', length: 64 }) portfolioId: string;
  @PrimaryColumn({ name: 'as_of', type: 'date' }) asOf: string;
  @Column({ name: 'market_value', type: 'numeric' }) marketValue: string;
  @Column({ type: 'numeric' }) cash: string;
  /** Dividends past their ex-date, not yet paid. */
  @Column({ type: 'numeric' }) accrued: string;
  /** market value + cash + accrued */
  @Column({ type: 'numeric' }) nav: string;
  /** Deposits minus withdrawals booked that date. */
  @Column({ name: 'external_flow', type: 'numeric' }) externalFlow: string;
  @Column({ name: 'realised_pnl', type: 'numeric' }) realisedPnl: string;
  @Column({ name: 'unrealised_pnl', type: 'numeric' }) unrealisedPnl: string;
  /** NAV / (previous NAV + external flow) − 1; null on the first date or when nothing was invested. */
  @Column({ name: 'daily_return', type: 'double precision', nullable: true }) dailyReturn: number | null;
  /** Gross value bought (buys and covers) and sold (sells and short sales) that date, for turnover. */
  @Column({ type: 'numeric' }) purchases: string;
  @Column({ type: 'numeric' }) sales: string;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @Column({ name: 'computed_at', type: 'timestamptz', default: () => 'now()' }) computedAt: Date;
}
