// Owns the bar context on price_data (src/prices/bar-context.ts): the neighbour facts each bar stores, derived inline on
// a fresh import (BarRepository.insertBars) and re-derived here for bars that are dirty (close_run IS NULL) after a
// revision, an insert inside history, plain SQL or a delete. Also the import's per-symbol locks, which both take.
import type { DataSource, EntityManager } from 'typeorm';
import { copyBinary, rawClient, type BinaryCopyWriter } from '../db/copy';
import { BarContextDeriver, SessionCalendar, VOLUME_BASELINE_BARS, sameContext, type BarContext, type SeedBar } from '../prices/bar-context';
import { CONTEXT_COLUMNS, writeContext, writeTimestampUs } from '../prices/context-copy';
import { NYSE } from '../calendar/nyse-calendar';
import { ensureNyseCalendar } from './calendar-repository';

/** A symbol's time range in one import. */
export interface SymbolRange {
  symbol: string;
  from: Date;
  to: Date;
}

/** The only interval whose bars get the calendar columns. */
export const DAILY = '1d';
/** Rows a context walk reads first (most repairs converge within about a volume window), and then per query. */
const WALK_FIRST_CHUNK = 256;
const WALK_NEXT_CHUNK = 16_384;
/** Derived contexts held in memory before they are COPYed on to the temp table. */
const CONTEXT_COPY_ROWS = 20_000;
/** A timestamptz parameter from epoch microseconds, exactly (a JS Date would round to milliseconds). */
const tsFromUs = (param: string) => `(to_timestamp(0) + ${param}::float8 * interval '1 microsecond')`;
const usOf = (column: string) => `(extract(epoch FROM ${column}) * 1000000)::float8`;
export const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** Stateless: one instance serves every concurrent caller; the transaction is passed in. */
export class BarContextRepository {
  constructor(private readonly ds: DataSource) {}

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
}

/**
 * The import's per-symbol transaction locks, taken in sorted order so two transactions cannot deadlock. `shared`: a
 * reader that must see no bar of these symbols change until it commits (a recompute that clears stale marks).
 */
export async function lockSymbols(em: EntityManager, symbols: string[], interval: string, { shared = false } = {}): Promise<void> {
  await em.query(
    `SELECT ${shared ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'}(hashtext('tickflow.price:' || s || ':' || $2))
     FROM unnest($1::text[]) WITH ORDINALITY AS u(s, n) ORDER BY n`,
    [[...symbols].sort(), interval],
  );
}

/** exchange_calendar's XNYS days. */
export async function loadCalendar(em: EntityManager): Promise<SessionCalendar> {
  await ensureNyseCalendar(em);
  const res = await rawClient(em).query<[string, boolean, number]>({
    text: `SELECT day::text, trading, ordinal FROM exchange_calendar WHERE exchange = $1 ORDER BY day`, values: [NYSE], rowMode: 'array',
  });
  return SessionCalendar.fromDays(res.rows.map(([day, trading, ordinal]) => ({ day, trading, ordinal })));
}

/** Each symbol's up to VOLUME_BASELINE_BARS stored bars before a time, oldest first, in one query. */
export async function seedsBefore(em: EntityManager, interval: string, points: { symbol: string; beforeUs: number }[]): Promise<Map<string, SeedBar[]>> {
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
export async function markFirstAfterDirty(em: EntityManager, interval: string, ranges: SymbolRange[]): Promise<void> {
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

