import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One executed fill. Append-only: corrections are new rows referencing the corrected trade, never updates. */
@Entity({ name: 'trade' })
@Index('trade_portfolio_time_idx', ['portfolioId', 'executedAt'])
@Index('trade_symbol_time_idx', ['symbol', 'executedAt'])
export class Trade {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'portfolio_id', type: 'varchar', length: 64 }) portfolioId: string;
  @Column({ type: 'varchar', length: 32 }) symbol: string;
  @Column({ type: 'varchar', length: 4 }) side: 'buy' | 'sell';
  @Column({ type: 'double precision' }) quantity: number;
  @Column({ type: 'double precision' }) price: number;
  @Column({ type: 'double precision', default: 0 }) fees: number;
  @Column({ name: 'executed_at', type: 'timestamptz' }) executedAt: Date;
  /** The trade this row corrects, if it is a correction. */
  @Column({ name: 'corrects_trade_id', type: 'bigint', nullable: true }) correctsTradeId: string | null;
  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' }) recordedAt: Date;
}
