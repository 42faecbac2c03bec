import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * What one portfolio held of one symbol at the close of one date, valued at that date's stored raw close (quantity
 * split-adjusted by the ledger replay). Cash is the row with symbol '$CASH'. Recomputed, never appended to:
 * a valuation rewrites every row of its (portfolio, date).
 */
@Entity({ name: 'portfolio_position' })
export class PortfolioPosition {
  @PrimaryColumn({ name: 'portfolio_id', type: 'varchar', length: 64 }) portfolioId: string;
  @PrimaryColumn({ name: 'as_of', type: 'date' }) asOf: string;
  @PrimaryColumn({ type: 'varchar', length: 32 }) symbol: string;
  @Column({ type: 'numeric' }) quantity: string;
  @Column({ name: 'cost_basis', type: 'numeric' }) costBasis: string;
  @Column({ type: 'double precision', nullable: true }) close: number | null;
  /** The date of the bar whose close valued it (earlier than as_of when the symbol did not trade that day). */
  @Column({ name: 'price_date', type: 'date', nullable: true }) priceDate: string | null;
  @Column({ name: 'market_value', type: 'numeric' }) marketValue: string;
  /** Since inception. */
  @Column({ name: 'realised_pnl', type: 'numeric' }) realisedPnl: string;
  @Column({ name: 'unrealised_pnl', type: 'numeric' }) unrealisedPnl: string;
  @Column({ type: 'numeric', default: 0 }) dividends: string;
  /** Market value over the portfolio's NAV. */
  @Column({ type: 'double precision', nullable: true }) weight: number | null;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @Column({ name: 'computed_at', type: 'timestamptz', default: () => 'now()' }) computedAt: Date;
}
