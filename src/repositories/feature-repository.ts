// Owns all SQL on feature_set and feature_data. Writes are idempotent per (version, symbol, range): a range with
// no stored rows (checked under an advisory lock) is COPYed straight in; otherwise rows are staged and upserted, and
// rows whose values did not change are not rewritten.
import type { DataSource, EntityManager } from 'typeorm';
import type { Pool } from 'pg';
import { copyBinary, readFloat8Array } from '../db/copy';
import type { BarColumns, CompiledFeatureSet } from '../features/compute';
import type { FeatureDefinition } from '../features/feature-set';
import { FUNDAMENTAL_METRICS, type FundamentalFact } from '../features/fundamentals';

export interface FeatureRow {
  symbol: string;
  interval: string;
  ts: Date;
  values: (number | null)[];
}

/** One registered version of a feature set, as the registry table stores it. */
export interface RegisteredVersion {
  version: string;
  name: string;
  definitions: FeatureDefinition[];
  featureNames: string[];
  warmupBars: number;
  createdAt: Date;
}

/** Where a symbol's rows go: straight into feature_data when its range is empty, else through staging + merge. */
export interface WritePlan {
  /** Set when an incremental run resumes after this stored vector (its later bars are then the range written). */
  resume: StoredVector | null;
  direct: boolean;
}

/** One symbol's computed columns (NaN = missing) over its bars (`ts` in epoch ms); rows from `first` on are written. */
export interface SymbolColumns {
  symbol: string;
  ts: Float64Array;
  columns: Float64Array[];
  first: number;
}

/** Bytes per bar in barColumns' packed answer: 7 fields of 8 bytes. */
const BAR_BYTES = 56;
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

const FEATURE_COLUMNS = ['feature_set_version', 'symbol', 'interval', 'ts', 'values', 'pipeline_run_id'];

export interface StoredVector {
  ts: Date;
  values: (number | null)[];
}

/** Per feature name: how the values of two versions compare on the bars both hold. */
export interface FeatureDiff {
  name: string;
  compared: number;
  /** Values that moved by more than DIFF_RELATIVE_TOLERANCE, or became present or missing. */
  changed: number;
  /** Largest |target − base| among values present in both; null when none is. */
  maxAbsChange: number | null;
  /** A value present in one version and missing (NULL) in the other counts as changed. */
  presenceChanged: number;
}

/**
 * A value counts as changed when it moved by more than this, relative to its size (at least 1): the same indicator
 * over a different start bar differs in the last bits (summation order), which is not a change anyone means.
 */
export const DIFF_RELATIVE_TOLERANCE = 1e-9;

export class FeatureRepository {
  constructor(private readonly ds: DataSource) {}

  /** Records a version in the registry; a version's definitions never change, so an existing row is kept. */
  async register(set: CompiledFeatureSet, em: EntityManager = this.ds.manager): Promise<void> {
    await em.query(
      `INSERT INTO feature_set (version, name, definitions, feature_names, warmup_bars, inputs) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (version) DO NOTHING`,
      [set.version, set.spec.name, JSON.stringify(set.spec.features), set.names, set.warmupBars, set.inputs],
    );
  }

  async registered(version: string, em: EntityManager = this.ds.manager): Promise<RegisteredVersion | null> {
    const rows = await this.versions({ version }, em);
    return rows[0] ?? null;
  }

  /** Registered versions, newest first; optionally of one set name or one version. */
  async versions(filter: { name?: string; version?: string } = {}, em: EntityManager = this.ds.manager): Promise<RegisteredVersion[]> {
    const rows: { version: string; name: string; definitions: FeatureDefinition[]; feature_names: string[]; warmup_bars: number; created_at: Date }[] =
      await em.query(
        `SELECT version, name, definitions, feature_names, warmup_bars, created_at FROM feature_set
         WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR version = $2) ORDER BY created_at DESC, version`,
        [filter.name ?? null, filter.version ?? null],
      );
    return rows.map((r) => ({
      version: r.version, name: r.name, definitions: r.definitions, featureNames: r.feature_names, warmupBars: r.warmup_bars, createdAt: r.created_at,
    }));
  }

  /** The transaction's staging table, empty; a second write in the same transaction (revision, then increment) reuses it. */
  async createStaging(em: EntityManager): Promise<void> {
    await em.query(`CREATE TEMP TABLE IF NOT EXISTS feature_staging (LIKE feature_data INCLUDING DEFAULTS) ON COMMIT DROP`);
    await em.query(`TRUNCATE feature_staging`);
  }

  /**
   * The writers' lock per (version, symbol, interval), for the rest of the transaction, in sorted order so concurrent
   * writers cannot deadlock; re-taking one the transaction holds is free. A write that plans twice takes all first.
   */
  async lock(em: EntityManager, version: string, symbols: string[], interval: string): Promise<void> {
    await em.query(
      `SELECT pg_advisory_xact_lock(hashtext('tickflow.features:' || $2 || ':' || s || ':' || $3)) FROM unnest($1::text[]) WITH ORDINALITY AS u(s, n) ORDER BY n`,
      [[...new Set(symbols)].sort(), version, interval],
    );
  }

  /**
   * Locks (version, symbol, interval) for the rest of the transaction, in sorted order so concurrent writers cannot
   * deadlock, then reads in one query what is stored per symbol: the last vector at or before `to` and, for an
   * incremental run, whether every bar from `from` up to it has features. Under the lock the answer stays true until
   * commit, so an empty range can be COPYed straight into feature_data without a conflict check.
   */
  async lockAndPlan(em: EntityManager, version: string, symbols: string[], interval: string, from: Date, to: Date, incremental: boolean): Promise<Map<string, WritePlan>> {
    const sorted = [...new Set(symbols)].sort();
    await this.lock(em, version, sorted, interval);
    const rows: { symbol: string; ts: Date | null; values: (number | null)[] | null; complete: boolean | null }[] = await em.query(
      `SELECT u.symbol, l.ts, l.values,
              CASE WHEN $6 AND l.ts >= $4 THEN
                (SELECT count(*) FROM feature_data f WHERE f.feature_set_version = $1 AND f.symbol = u.symbol AND f.interval = $3 AND f.ts BETWEEN $4 AND l.ts)
                = (SELECT count(*) FROM price_data p WHERE p.symbol = u.symbol AND p.interval = $3 AND p.ts BETWEEN $4 AND l.ts)
              END AS complete
       FROM unnest($2::text[]) AS u(symbol)
       LEFT JOIN LATERAL (SELECT ts, values FROM feature_data d WHERE d.feature_set_version = $1 AND d.symbol = u.symbol AND d.interval = $3 AND d.ts <= $5
                          ORDER BY ts DESC LIMIT 1) l ON true`,
      [version, sorted, interval, from, to, incremental],
    );
    return new Map(rows.map((r): [string, WritePlan] => {
      const last = r.ts && r.values ? { ts: r.ts, values: r.values } : null;
      if (!last || last.ts < from) return [r.symbol, { resume: null, direct: true }];
      if (r.complete) return [r.symbol, { resume: last, direct: true }]; // nothing is stored after `last` up to `to`
      return [r.symbol, { resume: null, direct: false }];
    }));
  }

  /**
   * Streams symbols' computed columns (rows `first`.. of each batch) in COPY's binary format into feature_data (for
   * ranges lockAndPlan found empty) or into the staging table (then mergeStaging). Returns the rows written.
   */
  async writeColumns(
    em: EntityManager, into: 'feature_data' | 'feature_staging', version: string, interval: string, pipelineRunId: string | null,
    batches: AsyncIterable<SymbolColumns>,
  ): Promise<number> {
    const versionBytes = Buffer.from(version, 'utf8');
    const intervalBytes = Buffer.from(interval, 'utf8');
    let count = 0;
    await copyBinary(em, into, FEATURE_COLUMNS, async function* (out) {
      for await (const b of batches) {
        const symbolBytes = Buffer.from(b.symbol, 'utf8');
        const row = new Float64Array(b.columns.length);
        for (let i = b.first; i < b.ts.length; i++) {
          for (let k = 0; k < row.length; k++) row[k] = b.columns[k][i];
          out.row(FEATURE_COLUMNS.length);
          out.bytes(versionBytes);
          out.bytes(symbolBytes);
          out.bytes(intervalBytes);
          out.timestamptz(b.ts[i]);
          out.float8Array(row);
          out.uuid(pipelineRunId);
          count++;
        }
        yield;
      }
    });
    return count;
  }

  /**
   * Upserts the staged rows; rows whose values did not change are not rewritten, except that their computed_at moves
   * to now when a bar of the symbol was written after it: they were just recomputed from the current bars, so they
   * must stop counting as stale (feature.older_than_bars). Returns rows staged and rows whose values changed.
   */
  async mergeStaging(em: EntityManager): Promise<{ staged: number; written: number }> {
    const [staged] = await em.query(`SELECT count(*)::int AS n FROM feature_staging`);
    const [merged] = await em.query(`
      WITH up AS (
        INSERT INTO feature_data (feature_set_version, symbol, interval, ts, values, pipeline_run_id, computed_at)
        SELECT feature_set_version, symbol, interval, ts, values, pipeline_run_id, now() FROM feature_staging
        ON CONFLICT (feature_set_version, symbol, interval, ts) DO UPDATE
          SET values = EXCLUDED.values, pipeline_run_id = EXCLUDED.pipeline_run_id, computed_at = EXCLUDED.computed_at
          WHERE feature_data.values IS DISTINCT FROM EXCLUDED.values
        RETURNING 1
      ) SELECT count(*)::int AS n FROM up`);
    // MATERIALIZED: the newest bar write is looked up once per symbol. Inlined, the planner evaluated it once per
    // staged row (a 25-symbol batch: 65 k × 2,586 index rows, 79 s; materialized 0.8 s).
    await em.query(`
      WITH written AS MATERIALIZED (
        SELECT s.symbol, s.interval, (SELECT max(p.updated_at) FROM price_data p WHERE p.symbol = s.symbol AND p.interval = s.interval) AS at
        FROM (SELECT DISTINCT symbol, interval FROM feature_staging) s
      )
      UPDATE feature_data f SET computed_at = now()
      FROM feature_staging st JOIN written w ON w.symbol = st.symbol AND w.interval = st.interval
      WHERE (f.feature_set_version, f.symbol, f.interval, f.ts) = (st.feature_set_version, st.symbol, st.interval, st.ts) AND f.computed_at < w.at`);
    return { staged: staged.n, written: merged.n };
  }

  /**
   * For recomputing from changed bars on: locks (version, symbol, interval) like lockAndPlan, and per symbol that holds
   * rows of the version at or after its instant, plans a staged write resuming after its last row before that instant
   * (running totals continue from it; indicators re-read the look-back before it). No row before: from its first bar.
   */
  async lockAndPlanFrom(em: EntityManager, version: string, from: Map<string, Date>, interval: string): Promise<Map<string, WritePlan>> {
    const symbols = [...from.keys()].sort();
    await this.lock(em, version, symbols, interval);
    const rows: { symbol: string; ts: Date | null; values: (number | null)[] | null }[] = await em.query(
      `SELECT u.symbol, l.ts, l.values FROM unnest($2::text[], $4::timestamptz[]) AS u(symbol, from_ts)
       LEFT JOIN LATERAL (SELECT ts, values FROM feature_data d WHERE d.feature_set_version = $1 AND d.symbol = u.symbol AND d.interval = $3
                          AND d.ts < u.from_ts ORDER BY ts DESC LIMIT 1) l ON true
       WHERE EXISTS (SELECT 1 FROM feature_data d WHERE d.feature_set_version = $1 AND d.symbol = u.symbol AND d.interval = $3 AND d.ts >= u.from_ts)`,
      [version, symbols, interval, symbols.map((s) => from.get(s))],
    );
    return new Map(rows.map((r): [string, WritePlan] => [r.symbol, { resume: r.ts && r.values ? { ts: r.ts, values: r.values } : null, direct: false }]));
  }

  /**
   * Stored vectors for one symbol in [from, to], oldest first: a primary-key range scan, sent as a named prepared
   * statement straight through the pool (no TypeORM query runner), with each array in PostgreSQL's binary form (hex
   * of array_send) and ts as epoch ms, so the client decodes bytes instead of parsing ~7,000 decimal numbers a year.
   */
  async range(version: string, symbol: string, interval: string, from: Date, to: Date): Promise<StoredVector[]> {
    const result = await this.pool().query<[number, string]>({
      name: 'tickflow.feature_window',
      text: `SELECT (extract(epoch FROM ts) * 1000)::float8, encode(array_send(values), 'hex') FROM feature_data
             WHERE feature_set_version = $1 AND symbol = $2 AND interval = $3 AND ts >= $4 AND ts <= $5 ORDER BY ts`,
      values: [version, symbol, interval, from, to],
      rowMode: 'array',
    });
    return result.rows.map(([ms, hex]) => ({ ts: new Date(ms), values: readFloat8Array(Buffer.from(hex, 'hex')) }));
  }

  /**
   * One symbol's bars as columns, from `lookback` bars before `first` (or from its first bar, when it has fewer) to
   * `to`: what a computation reads. Reads price_data, never writes it. One round trip and one row: every bar packed
   * as 7 big-endian 8-byte fields (ts as timestamptz_send's int64 µs since 2000, then open, high, low, close,
   * adj_close (NaN when NULL), volume as float8send), so neither side formats or parses decimal text.
   */
  async barColumns(symbol: string, interval: string, first: Date, lookback: number, to: Date): Promise<BarColumns> {
    const result = await this.pool().query<[string | null]>({
      name: 'tickflow.feature_bars',
      text: `SELECT encode(string_agg(timestamptz_send(p.ts) || float8send(p.open) || float8send(p.high) || float8send(p.low) || float8send(p.close)
                                     || float8send(coalesce(p.adj_close, 'NaN')) || float8send(p.volume), ''::bytea ORDER BY p.ts), 'hex')
             FROM price_data p
             WHERE p.symbol = $1 AND p.interval = $2 AND p.ts <= $5 AND p.ts >= coalesce(
               (SELECT b.ts FROM price_data b WHERE b.symbol = $1 AND b.interval = $2 AND b.ts < $3 ORDER BY b.ts DESC OFFSET $4 LIMIT 1), '-infinity')`,
      values: [symbol, interval, first, Math.max(0, lookback - 1), to],
      rowMode: 'array',
    });
    const packed = Buffer.from(result.rows[0][0] ?? '', 'hex');
    const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
    const n = packed.length / BAR_BYTES;
    const c: BarColumns = {
      ts: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n),
      close: new Float64Array(n), adjClose: new Float64Array(n), volume: new Float64Array(n),
    };
    for (let i = 0, at = 0; i < n; i++, at += BAR_BYTES) {
      const micros = view.getInt32(at) * 2 ** 32 + view.getUint32(at + 4);
      c.ts[i] = PG_EPOCH_MS + Math.floor(micros / 1000);
      c.open[i] = view.getFloat64(at + 8);
      c.high[i] = view.getFloat64(at + 16);
      c.low[i] = view.getFloat64(at + 24);
      c.close[i] = view.getFloat64(at + 32);
      c.adjClose[i] = view.getFloat64(at + 40);
      c.volume[i] = view.getFloat64(at + 48);
    }
    return c;
  }

  /** The pg pool under the DataSource, for the hot reads that skip TypeORM's query runner. */
  private pool(): Pool {
    return (this.ds.driver as unknown as { master: Pool }).master;
  }

  /** Annual figures of the metrics the ratios read, published by `until`, oldest publication first. */
  async fundamentalFacts(symbol: string, until: Date, em: EntityManager = this.ds.manager): Promise<FundamentalFact[]> {
    const rows: { metric: string; fiscal_year: number; value: number; published_at: Date }[] = await em.query(
      `SELECT metric, fiscal_year, value, published_at FROM company_fundamental
       WHERE symbol = $1 AND fiscal_period = 'FY' AND metric = ANY($2) AND published_at <= $3 ORDER BY published_at, id`,
      [symbol, [...FUNDAMENTAL_METRICS], until],
    );
    return rows.map((r) => ({ metric: r.metric, fiscalYear: r.fiscal_year, value: r.value, publishedAt: r.published_at }));
  }

  /** Symbols that have bars (the scope of a full-history recompute). Reads price_data, never writes it. */
  async symbolsWithBars(interval: string): Promise<string[]> {
    const rows: { symbol: string }[] = await this.ds.query(`SELECT DISTINCT symbol FROM price_data WHERE interval = $1 ORDER BY symbol`, [interval]);
    return rows.map((r) => r.symbol);
  }

  /** Per feature name present in both versions: bars compared, values changed and the largest change. */
  async diff(base: string, target: string, symbols: string[] | null): Promise<FeatureDiff[]> {
    const rows: { name: string; compared: number; changed: number; max_abs_change: number | null; presence_changed: number }[] = await this.ds.query(
      `WITH a AS (
         SELECT d.symbol, d.interval, d.ts, n.name, d.values[n.ord] AS v FROM feature_data d
         JOIN feature_set s ON s.version = d.feature_set_version CROSS JOIN LATERAL unnest(s.feature_names) WITH ORDINALITY n(name, ord)
         WHERE d.feature_set_version = $1 AND ($3::text[] IS NULL OR d.symbol = ANY($3))
       ), b AS (
         SELECT d.symbol, d.interval, d.ts, n.name, d.values[n.ord] AS v FROM feature_data d
         JOIN feature_set s ON s.version = d.feature_set_version CROSS JOIN LATERAL unnest(s.feature_names) WITH ORDINALITY n(name, ord)
         WHERE d.feature_set_version = $2 AND ($3::text[] IS NULL OR d.symbol = ANY($3))
       )
       SELECT name, count(*)::int AS compared,
              count(*) FILTER (WHERE (a.v IS NULL) <> (b.v IS NULL) OR abs(b.v - a.v) > $4 * greatest(1, abs(a.v), abs(b.v)))::int AS changed,
              max(abs(b.v - a.v)) AS max_abs_change, count(*) FILTER (WHERE (a.v IS NULL) <> (b.v IS NULL))::int AS presence_changed
       FROM a JOIN b USING (symbol, interval, ts, name) GROUP BY name ORDER BY name`,
      [base, target, symbols, DIFF_RELATIVE_TOLERANCE],
    );
    return rows.map((r) => ({ name: r.name, compared: r.compared, changed: r.changed, maxAbsChange: r.max_abs_change, presenceChanged: r.presence_changed }));
  }

  /** The stored vector at or before `at`, by name: what a model would have seen at that instant. */
  async asOf(version: string, symbol: string, interval: string, at: Date | 'infinity'): Promise<{ ts: Date; values: Record<string, number | null> } | null> {
    const rows: { ts: Date; values: (number | null)[]; names: string[] }[] = await this.ds.query(
      `SELECT d.ts, d.values, s.feature_names AS names FROM feature_data d JOIN feature_set s ON s.version = d.feature_set_version
       WHERE d.feature_set_version = $1 AND d.symbol = $2 AND d.interval = $3 AND d.ts <= $4 ORDER BY d.ts DESC LIMIT 1`,
      [version, symbol, interval, at],
    );
    if (rows.length === 0) return null;
    return { ts: rows[0].ts, values: Object.fromEntries(rows[0].names.map((n, i) => [n, rows[0].values[i]])) };
  }

  /**
   * Symbols that hold rows of a version in an interval (what the Features page offers): a skip scan of the primary
   * key, one probe per symbol, where DISTINCT would read every row of the version.
   */
  async symbolsOf(version: string, interval: string): Promise<string[]> {
    const rows: { symbol: string }[] = await this.ds.query(
      `WITH RECURSIVE s AS (
         SELECT (SELECT min(symbol) FROM feature_data WHERE feature_set_version = $1 AND interval = $2) AS symbol
         UNION ALL
         SELECT (SELECT min(f.symbol) FROM feature_data f WHERE f.feature_set_version = $1 AND f.interval = $2 AND f.symbol > s.symbol) FROM s WHERE s.symbol IS NOT NULL
       ) SELECT symbol FROM s WHERE symbol IS NOT NULL`, [version, interval]);
    return rows.map((r) => r.symbol);
  }

  /** The first and last bar a version holds for a symbol, or null when it holds none. */
  async span(version: string, symbol: string, interval: string): Promise<{ first: Date; last: Date; rows: number } | null> {
    const [row]: { first: Date | null; last: Date | null; rows: number }[] = await this.ds.query(
      `SELECT min(ts) AS first, max(ts) AS last, count(*)::int AS rows FROM feature_data WHERE feature_set_version = $1 AND symbol = $2 AND interval = $3`,
      [version, symbol, interval]);
    return row?.first && row.last ? { first: row.first, last: row.last, rows: row.rows } : null;
  }

  /** The latest stored vector per symbol, by name. */
  async latest(version: string, symbol: string, interval: string): Promise<{ ts: Date; values: Record<string, number | null> } | null> {
    return this.asOf(version, symbol, interval, 'infinity');
  }
}
