// Owns all SQL on feature_set and feature_data. Writes are idempotent per (version, symbol, range):
// staged rows are upserted and rows whose values did not change are not rewritten.
import type { DataSource, EntityManager } from 'typeorm';
import { copyRows, type CopyValue } from '../db/copy';
import type { CompiledFeatureSet } from '../features/compute';

export interface FeatureRow {
  symbol: string;
  interval: string;
  ts: Date;
  values: (number | null)[];
}

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

  async createStaging(em: EntityManager): Promise<void> {
    await em.query(`CREATE TEMP TABLE feature_staging (LIKE feature_data) ON COMMIT DROP`);
  }

  async stage(em: EntityManager, version: string, rows: FeatureRow[], pipelineRunId: string | null): Promise<number> {
    return copyRows(
      em,
      'feature_staging',
      ['feature_set_version', 'symbol', 'interval', 'ts', 'values', 'pipeline_run_id'],
      rows.map((r): CopyValue[] => [version, r.symbol, r.interval, r.ts, r.values, pipelineRunId]),
    );
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

  /** The latest stored vector per symbol, by name. */
  async latest(version: string, symbol: string, interval: string): Promise<{ ts: Date; values: Record<string, number | null> } | null> {
    const rows: { ts: Date; values: (number | null)[]; names: string[] }[] = await this.ds.query(
      `SELECT d.ts, d.values, s.feature_names AS names FROM feature_data d JOIN feature_set s ON s.version = d.feature_set_version
       WHERE d.feature_set_version = $1 AND d.symbol = $2 AND d.interval = $3 ORDER BY d.ts DESC LIMIT 1`,
      [version, symbol, interval],
    );
    if (rows.length === 0) return null;
    return { ts: rows[0].ts, values: Object.fromEntries(rows[0].names.map((n, i) => [n, rows[0].values[i]])) };
  }
}
