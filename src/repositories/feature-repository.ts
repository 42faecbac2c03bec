// Owns all SQL on feature_set and feature_data. Writes are idempotent per (version, symbol, range):
// staged rows are upserted and rows whose values did not change are not rewritten.
import type { DataSource, EntityManager } from 'typeorm';
import { copyRows, type CopyValue } from '../db/copy';
import type { CompiledFeatureSet } from '../features/compute';
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
      `INSERT INTO feature_set (version, name, definitions, feature_names, warmup_bars) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (version) DO NOTHING`,
      [set.version, set.spec.name, JSON.stringify(set.spec.features), set.names, set.warmupBars],
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

  async createStaging(em: EntityManager): Promise<void> {
    await em.query(`CREATE TEMP TABLE feature_staging (LIKE feature_data) ON COMMIT DROP`);
  }

  /**
   * Streams rows into the staging table, or straight into feature_data when the caller checked (anyInRange, in the
   * same transaction) that none of them exists yet: a first computation then costs one COPY and no merge.
   */
  async stage(
    em: EntityManager, version: string, rows: Iterable<FeatureRow> | AsyncIterable<FeatureRow>, pipelineRunId: string | null,
    into: 'feature_staging' | 'feature_data' = 'feature_staging',
  ): Promise<number> {
    async function* encoded(): AsyncIterable<CopyValue[]> {
      for await (const r of rows) yield [version, r.symbol, r.interval, r.ts, r.values, pipelineRunId];
    }
    return copyRows(em, into, ['feature_set_version', 'symbol', 'interval', 'ts', 'values', 'pipeline_run_id'], encoded());
  }

  /** Whether any row of the version exists for these symbols in [from, to]. */
  async anyInRange(em: EntityManager, version: string, symbols: string[], interval: string, from: Date, to: Date): Promise<boolean> {
    const rows = await em.query(
      `SELECT 1 FROM feature_data WHERE feature_set_version = $1 AND symbol = ANY($2) AND interval = $3 AND ts >= $4 AND ts <= $5 LIMIT 1`,
      [version, symbols, interval, from, to],
    );
    return rows.length > 0;
  }

  async mergeStaging(em: EntityManager): Promise<{ staged: number; written: number }> {
    const [staged] = await em.query(`SELECT count(*)::int AS n FROM feature_staging`);
    const [merged] = await em.query(`
      WITH up AS (
        INSERT INTO feature_data (feature_set_version, symbol, interval, ts, values, pipeline_run_id)
        SELECT feature_set_version, symbol, interval, ts, values, pipeline_run_id FROM feature_staging
        ON CONFLICT (feature_set_version, symbol, interval, ts) DO UPDATE
          SET values = EXCLUDED.values, pipeline_run_id = EXCLUDED.pipeline_run_id
          WHERE feature_data.values IS DISTINCT FROM EXCLUDED.values
        RETURNING 1
      ) SELECT count(*)::int AS n FROM up`);
    return { staged: staged.n, written: merged.n };
  }

  async countInRange(version: string, symbols: string[], interval: string, from: Date, to: Date): Promise<number> {
    const [r] = await this.ds.query(
      `SELECT count(*)::int AS n FROM feature_data
       WHERE feature_set_version = $1 AND symbol = ANY($2) AND interval = $3 AND ts BETWEEN $4 AND $5`,
      [version, symbols, interval, from, to],
    );
    return r.n;
  }

  /** The last stored vector at or before `until`: where an incremental run resumes. */
  async lastComputed(version: string, symbol: string, interval: string, until: Date, em: EntityManager = this.ds.manager): Promise<StoredVector | null> {
    const rows: StoredVector[] = await em.query(
      `SELECT ts, values FROM feature_data WHERE feature_set_version = $1 AND symbol = $2 AND interval = $3 AND ts <= $4
       ORDER BY ts DESC LIMIT 1`,
      [version, symbol, interval, until],
    );
    return rows[0] ?? null;
  }

  /** Stored vectors for one symbol in [from, to], oldest first (primary-key range scan). */
  async range(version: string, symbol: string, interval: string, from: Date, to: Date): Promise<StoredVector[]> {
    return this.ds.query(
      `SELECT ts, values FROM feature_data WHERE feature_set_version = $1 AND symbol = $2 AND interval = $3 AND ts >= $4 AND ts <= $5
       ORDER BY ts`,
      [version, symbol, interval, from, to],
    );
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

  /** The latest stored vector per symbol, by name. */
  async latest(version: string, symbol: string, interval: string): Promise<{ ts: Date; values: Record<string, number | null> } | null> {
    return this.asOf(version, symbol, interval, 'infinity');
  }
}
