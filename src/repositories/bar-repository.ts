// Owns the bar writes on price_data. Bulk path: bars for a symbol whose range is empty are COPYed straight into
// price_data, with their bar context; otherwise they are compared with what is stored, and only new or changed bars
// are COPYed into a staging table and merged with one set-based upsert, arriving without context (dirty) for
// BarContextRepository.deriveContext. A re-import of unchanged data writes nothing; changed bars are counted as revisions.
import type { DataSource, EntityManager } from 'typeorm';
import { copyBinary, copyRows, rawClient, type BinaryCopyWriter, type CopyValue } from '../db/copy';
import { BarContextDeriver } from '../prices/bar-context';
import { CONTEXT_COLUMNS, writeContext } from '../prices/context-copy';
import type { Bar } from '../providers/bar';
import { DAILY, loadCalendar, lockSymbols, markFirstAfterDirty, seedsBefore, utf8, type SymbolRange } from './bar-context-repository';

export type { SymbolRange } from './bar-context-repository';

/** What stageChangedBars did with one symbol's bars: the caller sums `staged` and merges when it is not 0. */
export interface StageCounts {
  staged: number;
  unchanged: number;
}

/** What a write did per symbol: the earliest bar it wrote (inserted or changed), the start of what it may invalidate. */
export type FirstWritten = Map<string, Date>;

const PRICE_COLUMNS = ['symbol', 'interval', 'ts', 'open', 'high', 'low', 'close', 'adj_close', 'volume', 'source', 'pipeline_run_id', 'adj_source'];

function priceRow(b: Bar, source: string, pipelineRunId: string | null): CopyValue[] {
  return [b.symbol, b.interval, b.ts, b.open, b.high, b.low, b.close, b.adjClose, b.volume, source, pipelineRunId, b.adjClose === null ? null : 'vendor'];
}

type StoredValues = Pick<Bar, 'open' | 'high' | 'low' | 'close' | 'adjClose' | 'volume'>;

const sameStored = (b: Bar, s: StoredValues) =>
  b.open === s.open && b.high === s.high && b.low === s.low && b.close === s.close && b.volume === s.volume &&
  // A stored adjustment we computed is not a difference when the source sends none.
  (b.adjClose === null || b.adjClose === s.adjClose);

/**
 * Stateless: one instance serves every concurrent import of a worker. What a call stages lives in its transaction's
 * temp table and in the counts it returns, never on the instance.
 */
export class BarRepository {
  constructor(private readonly ds: DataSource) {}

  /** Creates the per-transaction staging table; it disappears at commit or rollback. */
  async createStaging(em: EntityManager): Promise<void> {
    await em.query(`CREATE TEMP TABLE price_staging (LIKE price_data INCLUDING DEFAULTS) ON COMMIT DROP`);
  }

  /**
   * Locks the symbols for this transaction (in sorted order, so two imports cannot deadlock) and returns those
   * with no stored bar in their range: their bars can be COPYed straight in without racing another import.
   */
  async lockAndFindEmpty(em: EntityManager, interval: string, ranges: SymbolRange[]): Promise<Set<string>> {
    await lockSymbols(em, ranges.map((r) => r.symbol), interval);
    const rows: { symbol: string }[] = await em.query(
      `SELECT r.symbol FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS r(symbol, f, t)
       WHERE NOT EXISTS (SELECT 1 FROM price_data p WHERE p.symbol = r.symbol AND p.interval = $4 AND p.ts BETWEEN r.f AND r.t)`,
      [ranges.map((r) => r.symbol), ranges.map((r) => r.from), ranges.map((r) => r.to), interval],
    );
    return new Set(rows.map((r) => r.symbol));
  }

  /**
   * One COPY into price_data for symbols whose range lockAndFindEmpty found empty, each bar with its context derived
   * inline (seeded by the symbol's stored bars before the range). `symbolBars` yields one symbol's bars at a time,
   * sorted by ts. A stored bar after a range is marked dirty: its previous bar changed. Returns the bars inserted and
   * each symbol's first.
   */
  async insertBars(
    em: EntityManager, interval: string, ranges: SymbolRange[], symbolBars: AsyncIterable<Bar[]>, source: string, pipelineRunId: string | null,
  ): Promise<{ inserted: number; firstWritten: FirstWritten }> {
    // Everything read before the COPY starts: the connection can run nothing else until it ends.
    const calendar = interval === DAILY ? await loadCalendar(em) : null;
    const seeds = await seedsBefore(em, interval, ranges.map((r) => ({ symbol: r.symbol, beforeUs: r.from.getTime() * 1000 })));
    const [intervalBytes, sourceBytes] = [utf8(interval), utf8(source)];
    const rangeOf = new Map(ranges.map((r) => [r.symbol, r]));
    const written: SymbolRange[] = [];
    const firstWritten: FirstWritten = new Map();
    let count = 0;
    await copyBinary(em, 'price_data', [...PRICE_COLUMNS, ...CONTEXT_COLUMNS], async function* (w: BinaryCopyWriter) {
      for await (const bars of symbolBars) {
        if (bars.length === 0) continue;
        const symbol = bars[0].symbol;
        const range = rangeOf.get(symbol);
        if (!range) throw new Error(`insertBars: bars for ${symbol}, which has no range`);
        written.push(range);
        firstWritten.set(symbol, bars[0].ts);
        const symbolBytes = utf8(symbol);
        const deriver = new BarContextDeriver(seeds.get(symbol) ?? [], calendar);
        for (const b of bars) {
          w.row(PRICE_COLUMNS.length + CONTEXT_COLUMNS.length);
          w.bytes(symbolBytes);
          w.bytes(intervalBytes);
          w.timestamptz(b.ts.getTime());
          w.float8(b.open);
          w.float8(b.high);
          w.float8(b.low);
          w.float8(b.close);
          w.float8(b.adjClose);
          w.float8(b.volume);
          w.bytes(sourceBytes);
          w.uuid(pipelineRunId);
          w.text(b.adjClose === null ? null : 'vendor');
          writeContext(w, deriver.next({ ts: b.ts.getTime() * 1000, close: b.close, volume: b.volume }));
          if (++count % 4096 === 0) yield;
        }
        yield;
      }
    });
    await markFirstAfterDirty(em, interval, written);
    return { inserted: count, firstWritten };
  }

  /**
   * Compares one symbol's checked bars (sorted, unique by ts) with what is stored and stages the new and changed
   * ones for mergeStaging. Call lockAndFindEmpty first: the lock keeps the comparison true until commit.
   */
  async stageChangedBars(em: EntityManager, symbol: string, interval: string, bars: Bar[], source: string, pipelineRunId: string | null): Promise<StageCounts> {
    if (bars.length === 0) return { staged: 0, unchanged: 0 };
    const stored = await this.storedValues(em, symbol, interval, bars[0].ts, bars[bars.length - 1].ts);
    const changed = bars.filter((b) => {
      const s = stored.get(b.ts.getTime());
      return !s || !sameStored(b, s);
    });
    const staged = changed.length > 0 ? await copyRows(em, 'price_staging', PRICE_COLUMNS, changed.map((b) => priceRow(b, source, pipelineRunId))) : 0;
    return { staged, unchanged: bars.length - changed.length };
  }

  /** Stored values by epoch ms, read as plain arrays: the comparison is the hot path of a re-import. */
  private async storedValues(em: EntityManager, symbol: string, interval: string, from: Date, to: Date): Promise<Map<number, StoredValues>> {
    const res = await rawClient(em).query<[number, number, number, number, number, number | null, number]>({
      text: `SELECT (extract(epoch FROM ts) * 1000)::float8, open, high, low, close, adj_close, volume FROM price_data
             WHERE symbol = $1 AND interval = $2 AND ts >= $3 AND ts <= $4`,
      values: [symbol, interval, from, to],
      rowMode: 'array',
    });
    return new Map(res.rows.map((r) => [r[0], { open: r[1], high: r[2], low: r[3], close: r[4], adjClose: r[5], volume: r[6] }]));
  }

  /**
   * Merges the staged new/changed bars (call it when stageChangedBars staged any); returns how many were inserted and
   * how many revised, and per symbol the earliest bar written.
   */
  async mergeStaging(em: EntityManager): Promise<{ inserted: number; revised: number; firstWritten: FirstWritten }> {
    const rows: { symbol: string; inserted: number; revised: number; first: Date }[] = await em.query(`
      WITH up AS (
        INSERT INTO price_data (${PRICE_COLUMNS.join(', ')}, updated_at)
        SELECT ${PRICE_COLUMNS.join(', ')}, now() FROM price_staging
        ON CONFLICT (symbol, interval, ts) DO UPDATE SET
          open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
          adj_close = coalesce(EXCLUDED.adj_close, CASE WHEN price_data.close = EXCLUDED.close THEN price_data.adj_close END),
          adj_source = coalesce(EXCLUDED.adj_source, CASE WHEN price_data.close = EXCLUDED.close THEN price_data.adj_source END),
          volume = EXCLUDED.volume, source = EXCLUDED.source, pipeline_run_id = EXCLUDED.pipeline_run_id, updated_at = now()
        WHERE (price_data.open, price_data.high, price_data.low, price_data.close, price_data.volume)
          IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.volume)
          OR (EXCLUDED.adj_close IS NOT NULL AND price_data.adj_close IS DISTINCT FROM EXCLUDED.adj_close)
        RETURNING price_data.symbol, price_data.ts, (xmax = 0) AS inserted
      )
      SELECT symbol, count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS revised, min(ts) AS first
      FROM up GROUP BY symbol`);
    return {
      inserted: rows.reduce((n, r) => n + r.inserted, 0),
      revised: rows.reduce((n, r) => n + r.revised, 0),
      firstWritten: new Map(rows.map((r) => [r.symbol, r.first])),
    };
  }

  /** The newest stored bar's timestamp per symbol (absent when a symbol has none): where `sinceLast` resumes. */
  async lastBarTimes(symbols: string[], interval: string, em: EntityManager = this.ds.manager): Promise<Map<string, Date>> {
    const rows: { symbol: string; ts: Date }[] = await em.query(
      `SELECT s.symbol, (SELECT max(ts) FROM price_data p WHERE p.symbol = s.symbol AND p.interval = $2) AS ts
       FROM unnest($1::text[]) AS s(symbol)`,
      [symbols, interval],
    );
    return new Map(rows.filter((r) => r.ts).map((r) => [r.symbol, r.ts]));
  }
}
