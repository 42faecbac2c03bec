import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type TradeKind = 'buy' | 'sell' | 'short' | 'cover' | 'deposit' | 'withdrawal' | 'fee' | 'reversal';

/**
 * One booked ledger entry of a portfolio: a fill, a cash movement, or the reversal of an earlier entry.
 * Append-only (a trigger refuses UPDATE and DELETE): a correction is a reversal row plus a new row.
 * Money and quantities are exact numerics, read as strings and handled with decimal.js.
 */
@Entity({ name: 'trade' })
@Index('trade_portfolio_date_idx', ['portfolioId', 'tradeDate', 'executedAt', 'id'])
export class Trade {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'portfolio_id', type: 'varchar', length: 64 }) portfolioId: string;
  /** The source's own id of the entry, unique per portfolio: a re-imported file books nothing twice. */
  @Column({ name: 'trade_ref', type: 'varchar', length: 64 }) tradeRef: string;
  @Column({ type: 'varchar', length: 12 }) kind: TradeKind;
  @Column({ type: 'varchar', length: 32, nullable: true }) symbol: string | null;
  @Column({ type: 'numeric', nullable: true }) quantity: string | null;
  @Column({ type: 'numeric', nullable: true }) price: string | null;
  @Column({ type: 'numeric', default: 0 }) fees: string;
  /** Cash movements: the positive amount (the kind gives the sign). */
  @Column({ type: 'numeric', nullable: true }) amount: string | null;
  @Column({ type: 'char', length: 3 }) currency: string;
  @Column({ name: 'executed_at', type: 'timestamptz' }) executedAt: Date;
  @Column({ name: 'trade_date', type: 'date' }) tradeDate: string;
  @Column({ name: 'settle_date', type: 'date' }) settleDate: string;
  /** Specific-lot relief: [{ lot: <trade_ref of the opening trade>, quantity }]. */
  @Column({ type: 'jsonb', nullable: true }) lots: { lot: string; quantity: string }[] | null;
  @Column({ name: 'reverses_trade_id', type: 'bigint', nullable: true }) reversesTradeId: string | null;
  /** Where the row came from: a file path and line, "optimizer:<run>", "cli". */
  @Column({ type: 'varchar', length: 128 }) source: string;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @Column({ name: 'recorded_at', type: 'timestamptz', default: () => 'now()' }) recordedAt: Date;
}
