// Owns all SQL on price_data and price_quarantine. Bulk path: COPY into a temp staging table, then one
// set-based upsert that skips unchanged rows, so a re-import rewrites nothing and revisions are counted.
import type { DataSource, EntityManager } from 'typeorm';
import { copyRows, type CopyValue } from '../db/copy';
import type { Bar } from '../providers/bar';

export interface QuarantinedRow {
  source: string;
  location: string;
  symbol: string | null;
  interval: string | null;
  reason: string;
  raw: unknown;
}

export interface UpsertCounts {
  staged: number;
  inserted: number;
  revised: number;
  unchanged: number;
}

const PRICE_COLUMNS = ['symbol', 'interval', 'ts', 'open', 'high', 'low', 'close', 'adj_close', 'volume', 'source', 'pipeline_run_id'];

export class PriceRepository {
  constructor(private readonly ds: DataSource) {}

  /** Creates the per-transaction staging table; it disappears at commit or rollback. */
  async createStaging(em: EntityManager): Promise<void> {
    await em.query(`CREATE TEMP TABLE price_staging (LIKE price_data INCLUDING DEFAULTS) ON COMMIT DROP`);
  }

  async stageBars(em: EntityManager, bars: AsyncIterable<Bar> | Iterable<Bar>, source: string, pipelineRunId: string | null): Promise<number> {
    async function* rows(): AsyncIterable<CopyValue[]> {
      for await (const b of bars as AsyncIterable<Bar>) {
        yield [b.symbol, b.interval, b.ts, b.open, b.high, b.low, b.close, b.adjClose, b.volume, source, pipelineRunId];
      }
    }
    return copyRows(em, 'price_staging', PRICE_COLUMNS, rows());
  }

  /** Moves staged bars into price_data. Unchanged bars are not rewritten (no new tuple, no WAL). */
  async mergeStaging(em: EntityManager): Promise<UpsertCounts> {
    const [staged] = await em.query(`SELECT count(*)::int AS n FROM price_staging`);
    const [merged] = await em.query(`
      WITH up AS (
        INSERT INTO price_data (${PRICE_COLUMNS.join(', ')}, updated_at)
        SELECT ${PRICE_COLUMNS.join(', ')}, now() FROM price_staging
        ON CONFLICT (symbol, interval, ts) DO UPDATE SET
          open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
          adj_close = EXCLUDED.adj_close, volume = EXCLUDED.volume, source = EXCLUDED.source,
          pipeline_run_id = EXCLUDED.pipeline_run_id, updated_at = now()
        WHERE (price_data.open, price_data.high, price_data.low, price_data.close, price_data.adj_close, price_data.volume)
          IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.adj_close, EXCLUDED.volume)
        RETURNING (xmax = 0) AS inserted
      )
      SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS revised FROM up`);
    return { staged: staged.n, inserted: merged.inserted, revised: merged.revised, unchanged: staged.n - merged.inserted - merged.revised };
  }

  async quarantine(em: EntityManager, rows: QuarantinedRow[], pipelineRunId: string | null): Promise<number> {
    if (rows.length === 0) return 0;
    return copyRows(
      em,
      'price_quarantine',
      ['pipeline_run_id', 'source', 'location', 'symbol', 'interval', 'reason', 'raw_row'],
      rows.map((r) => [pipelineRunId, r.source, r.location, r.symbol, r.interval, r.reason, JSON.stringify(r.raw)]),
    );
  }

  /** Bars for one symbol in [from, to], oldest first. */
  async bars(symbol: string, interval: string, from: Date, to: Date, em: EntityManager = this.ds.manager): Promise<Bar[]> {
    const rows: { ts: Date; open: number; high: number; low: number; close: number; adj_close: number | null; volume: number }[] =
      await em.query(
        `SELECT ts, open, high, low, close, adj_close, volume FROM price_data
         WHERE symbol = $1 AND interval = $2 AND ts >= $3 AND ts <= $4 ORDER BY ts`,
        [symbol, interval, from, to],
      );
    return rows.map((r) => ({ symbol, interval, ts: r.ts, open: r.open, high: r.high, low: r.low, close: r.close, adjClose: r.adj_close, volume: r.volume }));
  }

  /** The timestamp `n` bars before `ts` for a symbol (or the first bar), to re-read indicator warm-up. */
  async tsBarsBefore(symbol: string, interval: string, ts: Date, n: number): Promise<Date> {
    const rows: { ts: Date }[] = await this.ds.query(
      `SELECT ts FROM price_data WHERE symbol = $1 AND interval = $2 AND ts < $3 ORDER BY ts DESC OFFSET $4 LIMIT 1`,
      [symbol, interval, ts, Math.max(0, n - 1)],
    );
    if (rows.length > 0) return rows[0].ts;
    const first: { ts: Date | null }[] = await this.ds.query(`SELECT min(ts) AS ts FROM price_data WHERE symbol = $1 AND interval = $2`, [symbol, interval]);
    return first[0]?.ts && first[0].ts < ts ? first[0].ts : ts;
  }

  async countInRange(symbols: string[], interval: string, from: Date, to: Date): Promise<number> {
    const [r] = await this.ds.query(
      `SELECT count(*)::int AS n FROM price_data WHERE symbol = ANY($1) AND interval = $2 AND ts BETWEEN $3 AND $4`,
      [symbols, interval, from, to],
    );
    return r.n;
  }
}
