// Owns the SQL on the year partitions of price_data and feature_data (migration 1732408600000, docs/scale.md).
import type { DataSource } from 'typeorm';

export interface PartitionInfo {
  table: 'price_data' | 'feature_data';
  /** The partition's year; null for the DEFAULT partition (rows of years nobody ensured). */
  year: number | null;
  name: string;
  /** From the statistics (exact after ANALYZE): counting 25 M rows to list partitions would take seconds. */
  estimatedRows: number;
  bytes: number;
}

/** The years that get a partition of their own (migration 1732408600000); rows of others stay in DEFAULT. */
export const PARTITIONED_YEARS = { first: 1900, last: 2199 } as const;

export class PartitionRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Makes both tables' partitions for every year of from..to that has none (moving that year's rows out of DEFAULT)
   * and returns how many it made. Call it outside any transaction that has read either table: making a partition
   * waits for the readers of DEFAULT to finish. A year that exists costs one catalog lookup.
   */
  async ensureYears(from: Date, to: Date): Promise<number> {
    const [{ made }] = await this.ds.query(`SELECT tickflow_ensure_year_partitions($1, $2) AS made`, [from, to]);
    return made;
  }

  /** Per table, the years whose rows wait in DEFAULT (written by plain SQL for a year nobody ensured), with counts. */
  async yearsInDefault(): Promise<{ table: PartitionInfo['table']; year: number; rows: number }[]> {
    return this.ds.query(
      `SELECT t.name AS table, t.year, t.rows FROM (
         SELECT 'price_data' AS name, extract(year FROM ts AT TIME ZONE 'UTC')::int AS year, count(*)::int AS rows FROM price_data_default GROUP BY 2
         UNION ALL
         SELECT 'feature_data', extract(year FROM ts AT TIME ZONE 'UTC')::int, count(*)::int FROM feature_data_default GROUP BY 2) t
       ORDER BY t.name DESC, t.year`,
    );
  }

  async list(): Promise<PartitionInfo[]> {
    const rows: { parent: PartitionInfo['table']; name: string; year: number | null; rows: string; bytes: string }[] = await this.ds.query(
      `SELECT p.relname AS parent, c.relname AS name, substring(c.relname FROM '_y([0-9]{4})$')::int AS year,
              greatest(c.reltuples, 0)::bigint AS rows, pg_total_relation_size(c.oid) AS bytes
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.oid IN ('price_data'::regclass, 'feature_data'::regclass)
       ORDER BY p.relname DESC, year NULLS LAST, c.relname`,
    );
    return rows.map((r) => ({ table: r.parent, year: r.year, name: r.name, estimatedRows: Number(r.rows), bytes: Number(r.bytes) }));
  }
}
