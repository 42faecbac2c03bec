// Owns all SQL on price_data, price_quarantine and corporate_action.
// Bulk path: bars for a symbol whose range is empty are COPYed straight into price_data, with their bar context;
// otherwise they are compared with what is stored, and only new or changed bars are COPYed into a staging table and
// merged with one set-based upsert, arriving without context (dirty) for deriveContext. A re-import of unchanged data
// writes nothing; changed bars are counted as revisions.
import type { DataSource, EntityManager } from 'typeorm';
import { copyBinary, copyRows, rawClient, type BinaryCopyWriter, type CopyValue } from '../db/copy';
import { BarContextDeriver, SessionCalendar, VOLUME_BASELINE_BARS, sameContext, type BarContext, type SeedBar } from '../prices/bar-context';
import { CONTEXT_COLUMNS, writeContext, writeTimestampUs } from '../prices/context-copy';
import type { Bar } from '../providers/bar';
import type { CorporateAction } from '../providers/provider';
import { NYSE } from '../calendar/nyse-calendar';
import { ensureNyseCalendar } from './calendar-repository';

export interface QuarantinedRow {
  source: string;
  location: string;
  symbol: string | null;
  interval: string | null;
  reason: string;
  raw: unknown;
}

export interface SymbolRange {
  symbol: string;
  from: Date;
  to: Date;
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

/** The only interval whose bars get the calendar columns. */
const DAILY = '1d';
/** Rows a context walk reads first (most repairs converge within about a volume window), and then per query. */
const WALK_FIRST_CHUNK = 256;
const WALK_NEXT_CHUNK = 16_384;
/** Derived contexts held in memory before they are COPYed on to the temp table. */
const CONTEXT_COPY_ROWS = 20_000;
/** A timestamptz parameter from epoch microseconds, exactly (a JS Date would round to milliseconds). */
const tsFromUs = (param: string) => `(to_timestamp(0) + ${param}::float8 * interval '1 microsecond')`;
const usOf = (column: string) => `(extract(epoch FROM ${column}) * 1000000)::float8`;
const utf8 = (s: string) => Buffer.from(s, 'utf8');

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
   * sorted by ts. A stored bar after a range is marked dirty: its previous bar changed.
   */
  async insertBars(
    em: EntityManager, interval: string, ranges: SymbolRange[], symbolBars: AsyncIterable<Bar[]>, source: string, pipelineRunId: string | null,
  ): Promise<number> {
    // Everything read before the COPY starts: the connection can run nothing else until it ends.
    const calendar = interval === DAILY ? await loadCalendar(em) : null;
    const seeds = await seedsBefore(em, interval, ranges.map((r) => ({ symbol: r.symbol, beforeUs: r.from.getTime() * 1000 })));
    const [intervalBytes, sourceBytes] = [utf8(interval), utf8(source)];
    const rangeOf = new Map(ranges.map((r) => [r.symbol, r]));
    const written: SymbolRange[] = [];
    let count = 0;
    await copyBinary(em, 'price_data', [...PRICE_COLUMNS, ...CONTEXT_COLUMNS], async function* (w: BinaryCopyWriter) {
      for await (const bars of symbolBars) {
        if (bars.length === 0) continue;
        const symbol = bars[0].symbol;
        const range = rangeOf.get(symbol);
        if (!range) throw new Error(`insertBars: bars for ${symbol}, which has no range`);
        written.push(range);
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
    return count;
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

  /**
   * Derives the context of every dirty bar (close_run IS NULL) of these symbols, and of the bars after each until the
   * stored context agrees again; returns the bars whose context was written. Runs in the caller's transaction (READ
   * COMMITTED) under the import's per-symbol locks. With nothing dirty it is one probe of the pending index.
   */
  async deriveContext(em: EntityManager, symbols: string[], interval: string): Promise<number> {
    if (symbols.length === 0) return 0;
    // The common case, nothing dirty anywhere: one probe of the (then empty) partial index, not one per symbol.
    const [{ pending }] = await em.query(
      `SELECT EXISTS (SELECT 1 FROM price_data WHERE close_run IS NULL AND interval = $2 AND symbol = ANY($1::text[])) AS pending`, [symbols, interval]);
    if (!pending) return 0;
    const dirty = await firstDirtyBars(em, [...new Set(symbols)], interval);
    if (dirty.size === 0) return 0;
    await lockSymbols(em, [...dirty.keys()], interval);
    // Probed again under the lock: another transaction may have derived them while we waited.
    const starts = await firstDirtyBars(em, [...dirty.keys()], interval);
    if (starts.size === 0) return 0;
    const calendar = interval === DAILY ? await loadCalendar(em) : null;
    const seeds = await seedsBefore(em, interval, [...starts].map(([symbol, beforeUs]) => ({ symbol, beforeUs })));
    const writes = new ContextWrites(em, interval);
    for (const [symbol, startUs] of starts) await walkContext(em, symbol, interval, startUs, seeds.get(symbol) ?? [], calendar, writes);
    return writes.apply();
  }

  /** Every (interval, symbols) with at least one bar whose context is not derived, from the partial index. */
  async seriesWithoutContext(): Promise<{ interval: string; symbols: string[] }[]> {
    return this.ds.query(`SELECT interval, array_agg(DISTINCT symbol ORDER BY symbol) AS symbols FROM price_data
      WHERE close_run IS NULL GROUP BY interval ORDER BY interval`);
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

/** The import's per-symbol transaction locks, taken in sorted order so two transactions cannot deadlock. */
async function lockSymbols(em: EntityManager, symbols: string[], interval: string): Promise<void> {
  await em.query(
    `SELECT pg_advisory_xact_lock(hashtext('tickflow.price:' || s || ':' || $2)) FROM unnest($1::text[]) WITH ORDINALITY AS u(s, n) ORDER BY n`,
    [[...symbols].sort(), interval],
  );
}

/** exchange_calendar's XNYS days. */
async function loadCalendar(em: EntityManager): Promise<SessionCalendar> {
  await ensureNyseCalendar(em);
  const res = await rawClient(em).query<[string, boolean, number]>({
    text: `SELECT day::text, trading, ordinal FROM exchange_calendar WHERE exchange = $1 ORDER BY day`, values: [NYSE], rowMode: 'array',
  });
  return SessionCalendar.fromDays(res.rows.map(([day, trading, ordinal]) => ({ day, trading, ordinal })));
}

/** Each symbol's up to VOLUME_BASELINE_BARS stored bars before a time, oldest first, in one query. */
async function seedsBefore(em: EntityManager, interval: string, points: { symbol: string; beforeUs: number }[]): Promise<Map<string, SeedBar[]>> {
  const seeds = new Map<string, SeedBar[]>();
  if (points.length === 0) return seeds;
  const res = await rawClient(em).query<[string, number, number, number, number | null]>({
    text: `SELECT u.symbol, s.* FROM unnest($1::text[], $2::float8[]) AS u(symbol, before_us)
      CROSS JOIN LATERAL (SELECT ${usOf('p.ts')}, p.close, p.volume, p.close_run FROM price_data p
        WHERE p.symbol = u.symbol AND p.interval = $3 AND p.ts < ${tsFromUs('u.before_us')} ORDER BY p.ts DESC LIMIT $4) s`,
    values: [points.map((p) => p.symbol), points.map((p) => p.beforeUs), interval, VOLUME_BASELINE_BARS],
    rowMode: 'array',
  });
  for (const [symbol, ts, close, volume, closeRun] of res.rows) {
    const seed = seeds.get(symbol) ?? [];
    seed.push({ ts, close, volume, closeRun });
    seeds.set(symbol, seed);
  }
  for (const seed of seeds.values()) seed.reverse();
  return seeds;
}

/** The first dirty bar's ts (epoch µs) per symbol that has one, after `afterUs` if given: one pending-index probe each. */
async function firstDirtyBars(em: EntityManager, symbols: string[], interval: string, afterUs?: number): Promise<Map<string, number>> {
  const res = await rawClient(em).query<[string, number]>({
    text: `SELECT u.symbol, ${usOf('d.ts')} FROM unnest($1::text[]) AS u(symbol)
      CROSS JOIN LATERAL (SELECT p.ts FROM price_data p WHERE p.symbol = u.symbol AND p.interval = $2 AND p.close_run IS NULL
        ${afterUs === undefined ? '' : `AND p.ts > ${tsFromUs('$3')}`} ORDER BY p.ts LIMIT 1) d ORDER BY u.symbol`,
    values: afterUs === undefined ? [symbols, interval] : [symbols, interval, afterUs],
    rowMode: 'array',
  });
  return new Map(res.rows);
}

/** Marks dirty the first stored bar after each range: bars were inserted before it. */
async function markFirstAfterDirty(em: EntityManager, interval: string, ranges: SymbolRange[]): Promise<void> {
  if (ranges.length === 0) return;
  await em.query(
    `UPDATE price_data p SET close_run = NULL
     FROM unnest($1::text[], $2::timestamptz[]) AS u(symbol, after)
     CROSS JOIN LATERAL (SELECT n.ts FROM price_data n WHERE n.symbol = u.symbol AND n.interval = $3 AND n.ts > u.after ORDER BY n.ts LIMIT 1) n
     WHERE p.symbol = u.symbol AND p.interval = $3 AND p.ts = n.ts AND p.close_run IS NOT NULL`,
    [ranges.map((r) => r.symbol), ranges.map((r) => r.to), interval],
  );
}

type StoredBar = [ts: number, close: number, volume: number, prevTs: number | null, prevClose: number | null, closeRun: number | null,
  volumeZ: number | null, missingSessions: number | null, tradingDay: boolean | null];

/**
 * Re-derives one symbol from its first dirty bar on. After the last dirty bar seen, it goes on until it has passed
 * more than a volume window of bars (each later bar's window is then untouched) and a bar's stored context equals the
 * derived one: every later bar then agrees too, up to the next dirty bar, where it resumes with a fresh seed.
 */
async function walkContext(
  em: EntityManager, symbol: string, interval: string, startUs: number, seed: SeedBar[], calendar: SessionCalendar | null, writes: ContextWrites,
): Promise<void> {
  let deriver = new BarContextDeriver(seed, calendar);
  let fromUs = startUs;
  let chunk = WALK_FIRST_CHUNK;
  let sinceDirty = 0;
  for (;;) {
    const res = await rawClient(em).query<StoredBar>({
      text: `SELECT ${usOf('ts')}, close, volume, ${usOf('prev_ts')}, prev_close, close_run, volume_z, missing_sessions, trading_day
        FROM price_data WHERE symbol = $1 AND interval = $2 AND ts >= ${tsFromUs('$3')} ORDER BY ts LIMIT $4`,
      values: [symbol, interval, fromUs, chunk],
      rowMode: 'array',
    });
    let resumeUs: number | null = null;
    for (const [ts, close, volume, prevTs, prevClose, closeRun, volumeZ, missingSessions, tradingDay] of res.rows) {
      const derived = deriver.next({ ts, close, volume });
      sinceDirty = closeRun === null ? 0 : sinceDirty + 1;
      const agrees = closeRun !== null && sameContext(derived, { prevTs, prevClose, closeRun, volumeZ, missingSessions, tradingDay });
      if (!agrees) {
        writes.add(symbol, ts, derived);
        if (writes.full) await writes.copyQueued();
      } else if (sinceDirty > VOLUME_BASELINE_BARS) {
        resumeUs = (await firstDirtyBars(em, [symbol], interval, ts)).get(symbol) ?? Infinity;
        break;
      }
    }
    if (resumeUs === Infinity) return;
    if (resumeUs !== null) {
      // Bars from here to the next dirty one agree and none are waiting in `writes`: the stored seed is exact.
      deriver = new BarContextDeriver((await seedsBefore(em, interval, [{ symbol, beforeUs: resumeUs }])).get(symbol) ?? [], calendar);
      fromUs = resumeUs;
      chunk = WALK_FIRST_CHUNK;
      sinceDirty = 0;
      continue;
    }
    if (res.rows.length < chunk) return;
    fromUs = res.rows[res.rows.length - 1][0] + 1;
    chunk = WALK_NEXT_CHUNK;
  }
}

/**
 * Derived contexts on their way to price_data: COPYed into a temp table in batches as the walks go, then applied with
 * one UPDATE. One UPDATE joins the table once; an UPDATE per batch would hash-join the whole table every batch.
 * Deferring is safe: a walk only reads bars after the ones it has queued.
 */
class ContextWrites {
  private symbols: string[] = [];
  private ts: number[] = [];
  private contexts: BarContext[] = [];
  private copied = 0;

  constructor(private readonly em: EntityManager, private readonly interval: string) {}

  get full(): boolean {
    return this.ts.length >= CONTEXT_COPY_ROWS;
  }

  add(symbol: string, ts: number, context: BarContext): void {
    this.symbols.push(symbol);
    this.ts.push(ts);
    this.contexts.push(context);
  }

  async copyQueued(): Promise<void> {
    if (this.ts.length === 0) return;
    if (this.copied === 0) {
      await this.em.query(`CREATE TEMP TABLE IF NOT EXISTS price_context_update (symbol varchar(32), interval varchar(8), ts timestamptz,
        prev_ts timestamptz, prev_close float8, close_run integer, volume_z float8, missing_sessions smallint, trading_day boolean) ON COMMIT DROP`);
    }
    const { symbols, ts, contexts } = this;
    const intervalBytes = utf8(this.interval);
    await copyBinary(this.em, 'price_context_update', ['symbol', 'interval', 'ts', ...CONTEXT_COLUMNS], function* (w: BinaryCopyWriter) {
      for (let i = 0; i < ts.length; i++) {
        w.row(3 + CONTEXT_COLUMNS.length);
        w.text(symbols[i]);
        w.bytes(intervalBytes);
        writeTimestampUs(w, ts[i]);
        writeContext(w, contexts[i]);
        if (i % 4096 === 4095) yield;
      }
    });
    this.copied += ts.length;
    [this.symbols, this.ts, this.contexts] = [[], [], []];
  }

  /** Applies everything queued; returns the bars written. */
  async apply(): Promise<number> {
    await this.copyQueued();
    if (this.copied === 0) return 0;
    const res = await rawClient(this.em).query(
      `UPDATE price_data p SET prev_ts = c.prev_ts, prev_close = c.prev_close, close_run = c.close_run, volume_z = c.volume_z,
         missing_sessions = c.missing_sessions, trading_day = c.trading_day
       FROM price_context_update c WHERE p.symbol = c.symbol AND p.interval = c.interval AND p.ts = c.ts`,
    );
    await this.em.query(`TRUNCATE price_context_update`);
    this.copied = 0;
    return res.rowCount ?? 0;
  }
}
