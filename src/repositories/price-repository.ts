// Owns all SQL on price_data, price_quarantine and corporate_action.
// Bulk path: bars for a symbol whose range is empty are COPYed straight into price_data; otherwise they are
// compared with what is stored, and only new or changed bars are COPYed into a staging table and merged with one
// set-based upsert. A re-import of unchanged data writes nothing; changed bars are counted as revisions.
import type { DataSource, EntityManager } from 'typeorm';
import { copyRows, rawClient, type CopyValue } from '../db/copy';
import type { Bar } from '../providers/bar';
import type { CorporateAction } from '../providers/provider';

export interface QuarantinedRow {
  source: string;
  location: string;
  symbol: string | null;
  interval: string | null;
  reason: string;
  raw: unknown;
}

export interface WriteCounts {
  inserted: number;
  revised: number;
  unchanged: number;
}

const PRICE_COLUMNS = ['symbol', 'interval', 'ts', 'open', 'high', 'low', 'close', 'adj_close', 'volume', 'source', 'pipeline_run_id', 'adj_source'];

function priceRow(b: Bar, source: string, pipelineRunId: string | null): CopyValue[] {
  return [b.symbol, b.interval, b.ts, b.open, b.high, b.low, b.close, b.adjClose, b.volume, source, pipelineRunId, b.adjClose === null ? null : 'vendor'];
}

type StoredValues = Pick<Bar, 'open' | 'high' | 'low' | 'close' | 'adjClose' | 'volume'>;

const sameStored = (b: Bar, s: StoredValues) =>
  b.open === s.open && b.high === s.high && b.low === s.low && b.close === s.close && b.volume === s.volume &&
  // A stored adjustment we computed is not a difference when the source sends none.
  (b.adjClose === null || b.adjClose === s.adjClose);

export class PriceRepository {
  private staged = 0;

  constructor(private readonly ds: DataSource) {}

  /** Creates the per-transaction staging table; it disappears at commit or rollback. */
  async createStaging(em: EntityManager): Promise<void> {
    await em.query(`CREATE TEMP TABLE price_staging (LIKE price_data INCLUDING DEFAULTS) ON COMMIT DROP`);
    this.staged = 0;
  }

  /**
   * Locks the symbols for this transaction (in sorted order, so two imports cannot deadlock) and returns those
   * with no stored bar in their range: their bars can be COPYed straight in without racing another import.
   */
  async lockAndFindEmpty(em: EntityManager, interval: string, ranges: { symbol: string; from: Date; to: Date }[]): Promise<Set<string>> {
    const sorted = [...ranges].sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
    await em.query(
      `SELECT pg_advisory_xact_lock(hashtext('tickflow.price:' || s || ':' || $2)) FROM unnest($1::text[]) WITH ORDINALITY AS u(s, n) ORDER BY n`,
      [sorted.map((r) => r.symbol), interval],
    );
    const rows: { symbol: string }[] = await em.query(
      `SELECT r.symbol FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS r(symbol, f, t)
       WHERE NOT EXISTS (SELECT 1 FROM price_data p WHERE p.symbol = r.symbol AND p.interval = $4 AND p.ts BETWEEN r.f AND r.t)`,
      [ranges.map((r) => r.symbol), ranges.map((r) => r.from), ranges.map((r) => r.to), interval],
    );
    return new Set(rows.map((r) => r.symbol));
  }

  /** One COPY into price_data for bars of symbols whose range was found empty under the lock. */
  async insertBars(em: EntityManager, bars: AsyncIterable<Bar>, source: string, pipelineRunId: string | null): Promise<number> {
    async function* rows(): AsyncIterable<CopyValue[]> {
      for await (const b of bars) yield priceRow(b, source, pipelineRunId);
    }
    return copyRows(em, 'price_data', PRICE_COLUMNS, rows());
  }

  /**
   * Compares one symbol's checked bars (sorted, unique by ts) with what is stored and stages the new and changed
   * ones for mergeStaging. Call lockAndFindEmpty first: the lock keeps the comparison true until commit.
   */
  async stageChangedBars(em: EntityManager, symbol: string, interval: string, bars: Bar[], source: string, pipelineRunId: string | null): Promise<WriteCounts> {
    if (bars.length === 0) return { inserted: 0, revised: 0, unchanged: 0 };
    const stored = await this.storedValues(em, symbol, interval, bars[0].ts, bars[bars.length - 1].ts);
    const changed = bars.filter((b) => {
      const s = stored.get(b.ts.getTime());
      return !s || !sameStored(b, s);
    });
    if (changed.length > 0) {
      this.staged += await copyRows(em, 'price_staging', PRICE_COLUMNS, changed.map((b) => priceRow(b, source, pipelineRunId)));
    }
    return { inserted: 0, revised: 0, unchanged: bars.length - changed.length };
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

  /** Merges the staged new/changed bars; returns how many were inserted and how many revised. */
  async mergeStaging(em: EntityManager): Promise<{ inserted: number; revised: number }> {
    if (this.staged === 0) return { inserted: 0, revised: 0 };
    const [merged] = await em.query(`
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
        RETURNING (xmax = 0) AS inserted
      )
      SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS revised FROM up`);
    this.staged = 0;
    return merged;
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

  /** Stores splits and dividends; a re-reported action with the same values is not rewritten. Returns rows changed. */
  async saveCorporateActions(em: EntityManager, actions: CorporateAction[], source: string, pipelineRunId: string | null): Promise<number> {
    if (actions.length === 0) return 0;
    const [r] = await em.query(
      `WITH a AS (
         SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::float8[], $5::float8[]) AS t(symbol, ex_date, kind, ratio, amount)
       ), up AS (
         INSERT INTO corporate_action (symbol, ex_date, kind, ratio, amount, source, pipeline_run_id)
         SELECT symbol, ex_date, kind, ratio, amount, $6, $7 FROM a
         ON CONFLICT (symbol, ex_date, kind) DO UPDATE SET ratio = EXCLUDED.ratio, amount = EXCLUDED.amount, source = EXCLUDED.source,
           pipeline_run_id = EXCLUDED.pipeline_run_id
         WHERE (corporate_action.ratio, corporate_action.amount) IS DISTINCT FROM (EXCLUDED.ratio, EXCLUDED.amount)
         RETURNING 1
       ) SELECT count(*)::int AS n FROM up`,
      [actions.map((a) => a.symbol), actions.map((a) => a.exDate), actions.map((a) => a.kind), actions.map((a) => a.ratio ?? null),
        actions.map((a) => a.amount ?? null), source, pipelineRunId],
    );
    return r.n;
  }

  /**
   * Derives adj_close for bars that came without one, from the stored splits and dividends (backward adjustment:
   * a bar is scaled by every action after it; a dividend by 1 − amount / the last close before its ex-date).
   * Bars whose adj_close came from the vendor are never touched: their prices are already adjusted, and adjusting
   * them again is the classic double-adjustment bug. Returns the number of bars updated.
   */
  async applyAdjustments(em: EntityManager, symbol: string, interval: string): Promise<number> {
    const [r] = await em.query(
      `WITH acts AS (
         SELECT a.ex_date,
           CASE WHEN a.kind = 'split' THEN 1.0 / a.ratio
                ELSE 1 - a.amount / (SELECT p.close FROM price_data p WHERE p.symbol = a.symbol AND p.interval = $2
                                     AND p.ts < a.ex_date ORDER BY p.ts DESC LIMIT 1) END AS f
         FROM corporate_action a WHERE a.symbol = $1
       ), factors AS (
         SELECT p.ts, p.close * exp(coalesce(sum(ln(acts.f)) FILTER (WHERE acts.f > 0), 0)) AS adj
         FROM price_data p LEFT JOIN acts ON acts.ex_date > (p.ts AT TIME ZONE 'UTC')::date
         WHERE p.symbol = $1 AND p.interval = $2 AND p.adj_source IS DISTINCT FROM 'vendor'
         GROUP BY p.ts, p.close
       ), up AS (
         UPDATE price_data p SET adj_close = f.adj, adj_source = 'computed'
         FROM factors f WHERE p.symbol = $1 AND p.interval = $2 AND p.ts = f.ts
           AND (p.adj_close IS DISTINCT FROM f.adj OR p.adj_source IS DISTINCT FROM 'computed')
         RETURNING 1
       ) SELECT count(*)::int AS n FROM up`,
      [symbol, interval],
    );
    return r.n;
  }

  /** The newest stored bar's timestamp per symbol (absent when a symbol has none): where `sinceLast` resumes. */
  async lastBarTimes(symbols: string[], interval: string): Promise<Map<string, Date>> {
    const rows: { symbol: string; ts: Date }[] = await this.ds.query(
      `SELECT s.symbol, (SELECT max(ts) FROM price_data p WHERE p.symbol = s.symbol AND p.interval = $2) AS ts
       FROM unnest($1::text[]) AS s(symbol)`,
      [symbols, interval],
    );
    return new Map(rows.filter((r) => r.ts).map((r) => [r.symbol, r.ts]));
  }
}
