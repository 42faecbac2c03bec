// Owns the SQL an export runs: which symbols a version covers, the split boundaries, the export query streamed by
// COPY (composed in export-query.ts), and the quality results that gated it (for the manifest).
import { to as copyTo } from 'pg-copy-streams';
import type { DataSource, EntityManager } from 'typeorm';
import { rawClient } from '../db/copy';
import type { LabelSpec } from '../export/label-spec';
import {
  buildExportQuery, buildSplitQuery, inlineParams, type ExportFeatureSet, type ExportQuery, type ExportScope, type SplitRanges, type SplitShares,
} from './export-query';

/** The export query, ready for COPY, and a source that runs a COPY … TO STDOUT around it on the transaction's connection. */
export interface ExportCopy {
  query: ExportQuery;
  /** query.sql with its parameters inlined: COPY takes no bind parameters. */
  sql: string;
  source: (copySql: string) => ReturnType<typeof copyTo>;
}

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

  /**
   * The planner underestimates `symbol = ANY(…)` and picks a nested loop with per-row index probes; a merge or hash
   * join over the whole scope is several times faster for a bulk read. JIT compiles for a second or more on a bulk
   * query and buys nothing for a streamed scan. Both local to the transaction.
   */
  async tuneForBulkRead(em: EntityManager): Promise<void> {
    await em.query(`SET LOCAL enable_nestloop = off`);
    await em.query(`SET LOCAL jit = off`);
    // The label window and the output order sort every row of the scope: in memory, not in temp files (4 MB default).
    await em.query(`SET LOCAL work_mem = '64MB'`);
  }

  /** First and last date of each split (buildSplitQuery), and the query that found them (for the manifest). */
  async splitRanges(em: EntityManager, base: ExportFeatureSet, label: LabelSpec, scope: ExportScope, shares: SplitShares): Promise<{ ranges: SplitRanges; query: ExportQuery }> {
    const query = buildSplitQuery(base, label, scope, shares);
    const ranges: SplitRanges = { train: null, validation: null, test: null };
    const rows: { split: keyof SplitRanges; first: Date; last: Date }[] = await em.query(query.sql, query.params);
    for (const r of rows) ranges[r.split] = { from: r.first, to: r.last };
    return { ranges, query };
  }

  /** `highWaterMark`: the COPY stream's read buffer (a deep one lets PostgreSQL keep producing while a consumer is busy). */
  exportCopy(
    em: EntityManager, sets: ExportFeatureSet[], label: LabelSpec, scope: ExportScope, ranges: SplitRanges, tsAs: 'text' | 'timestamptz', highWaterMark?: number,
  ): ExportCopy {
    const client = rawClient(em);
    const query = buildExportQuery(sets, label, scope, ranges, tsAs);
    return {
      query,
      sql: inlineParams(query, (s) => client.escapeLiteral(s)),
      source: (copySql) => client.query(copyTo(copySql, highWaterMark ? { highWaterMark } : undefined)),
    };
  }

  async gatingResults(ids: string[], em: EntityManager = this.ds.manager): Promise<GatingResult[]> {
    if (ids.length === 0) return [];
    return em.query(`SELECT id::text, rule, severity, passed FROM validation_result WHERE id = ANY($1::bigint[]) ORDER BY validation_result.id`, [ids]);
  }
}
