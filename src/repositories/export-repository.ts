// Owns the SQL an export reads besides its own query: which symbols a version covers, and the quality results that
// gated it (for the manifest).
import type { DataSource, EntityManager } from 'typeorm';

export interface GatingResult {
  id: string;
  rule: string;
  severity: string;
  passed: boolean;
}

export class ExportRepository {
  constructor(private readonly ds: DataSource) {}

  /** Symbols with stored features of `version` in [from, to]: the `all` universe. */
  async symbolsOf(version: string, interval: string, from: Date, to: Date, em: EntityManager = this.ds.manager): Promise<string[]> {
    const rows: { symbol: string }[] = await em.query(
      `SELECT DISTINCT symbol FROM feature_data WHERE feature_set_version = $1 AND interval = $2 AND ts >= $3 AND ts <= $4 ORDER BY symbol`,
      [version, interval, from, to],
    );
    return rows.map((r) => r.symbol);
  }

  async gatingResults(ids: string[], em: EntityManager = this.ds.manager): Promise<GatingResult[]> {
    if (ids.length === 0) return [];
    return em.query(`SELECT id::text, rule, severity, passed FROM validation_result WHERE id = ANY($1::bigint[]) ORDER BY validation_result.id`, [ids]);
  }
}
