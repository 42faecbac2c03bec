import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One OHLCV bar per symbol, interval and timestamp. The primary key order serves time-range scans per symbol;
 * a BRIN index on ts (created in the migration; TypeORM cannot declare BRIN) serves cross-symbol date scans.
 */
@Entity({ name: 'price_data' })
export class PriceData {
  @PrimaryColumn({ type: 'varchar', length: 32 }) symbol: string;
  @PrimaryColumn({ type: 'varchar', length: 8 }) interval: string;
  @PrimaryColumn({ type: 'timestamptz' }) ts: Date;
  @Column({ type: 'double precision' }) open: number;
  @Column({ type: 'double precision' }) high: number;
  @Column({ type: 'double precision' }) low: number;
  @Column({ type: 'double precision' }) close: number;
  @Column({ name: 'adj_close', type: 'double precision', nullable: true }) adjClose: number | null;
  @Column({ type: 'double precision' }) volume: number;
  /** Where adj_close came from: 'vendor' (with the data) or 'computed' (from corporate_action); null if unknown. */
  @Column({ name: 'adj_source', type: 'varchar', length: 16, nullable: true }) adjSource: 'vendor' | 'computed' | null;
  @Column({ type: 'varchar', length: 64 }) source: string;
  /** PipelineRun that last wrote this bar (insert or revision). */
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  /** When a value (OHLC, adj_close, volume) was last written, by the importer or plain SQL (trigger). */
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt: Date;

  // Bar context (src/prices/bar-context.ts): neighbour facts kept with the bar so quality rules need no window functions.
  /** ts of the previous bar of this symbol and interval; null for the first bar. */
  @Column({ name: 'prev_ts', type: 'timestamptz', nullable: true }) prevTs: Date | null;
  /** close of that previous bar. */
  @Column({ name: 'prev_close', type: 'double precision', nullable: true }) prevClose: number | null;
  /** Consecutive bars ending here with exactly this close (1 = differs from the previous). Null = context not derived yet. */
  @Column({ name: 'close_run', type: 'integer', nullable: true }) closeRun: number | null;
  /** z-score of ln(1 + volume) against the previous 60 bars' (null below 20 finite volumes, sd 0, or a non-finite volume). */
  @Column({ name: 'volume_z', type: 'double precision', nullable: true }) volumeZ: number | null;
  /** Daily bars: XNYS sessions strictly between the previous bar's day and this one's. */
  @Column({ name: 'missing_sessions', type: 'smallint', nullable: true }) missingSessions: number | null;
  /** Daily bars: whether this bar's day is an XNYS session. */
  @Column({ name: 'trading_day', type: 'boolean', nullable: true }) tradingDay: boolean | null;
}
