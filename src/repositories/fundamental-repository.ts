// Owns all SQL on company_fundamental. Figures are versions, never updated: COPY into a temp staging table, then one
// INSERT … ON CONFLICT DO NOTHING on (symbol, metric, period_end, fiscal_period, published_at). A restatement has a
// later published_at and lands as a new row; a re-import inserts nothing.
import type { DataSource, EntityManager } from 'typeorm';
import { copyRows } from '../db/copy';
import { QuarantineRepository, type QuarantinedRow } from './quarantine-repository';

/** One checked figure, ready to store. */
export interface Fundamental {
  symbol: string;
  metric: string;
  fiscalPeriod: string;
  fiscalYear: number;
  /** YYYY-MM-DD */
  periodEnd: string;
  value: number;
  unit: string | null;
  publishedAt: Date;
}

/** A staged figure whose version is already stored with another value: kept out, to be quarantined. */
export interface ConflictingFundamental {
  fundamental: Fundamental;
  storedValue: number;
}

const COLUMNS = ['symbol', 'metric', 'fiscal_period', 'fiscal_year', 'period_end', 'value', 'unit', 'published_at', 'source', 'pipeline_run_id'];
const KEY = ['symbol', 'metric', 'period_end', 'fiscal_period', 'published_at'];

export class FundamentalRepository {
  // price_quarantine holds every rejected input row (interval is NULL for fundamentals); one writer for it.
  private readonly quarantineStore = new QuarantineRepository();

  constructor(private readonly ds: DataSource) {}

  /** Creates the per-transaction staging table; it disappears at commit or rollback. */
  async createStaging(em: EntityManager): Promise<void> {
    await em.query(`CREATE TEMP TABLE fundamental_staging (LIKE company_fundamental INCLUDING DEFAULTS) ON COMMIT DROP`);
  }

  async stage(em: EntityManager, rows: Fundamental[], source: string, pipelineRunId: string | null): Promise<number> {
    return copyRows(em, 'fundamental_staging', COLUMNS, rows.map((f) => [
      f.symbol, f.metric, f.fiscalPeriod, f.fiscalYear, f.periodEnd, f.value, f.unit, f.publishedAt, source, pipelineRunId,
    ]));
  }

  /**
   * Removes from staging the figures whose version is stored with a different value and returns them: the same
   * publication cannot say two things, so neither silently wins.
   */
  async takeConflicts(em: EntityManager): Promise<ConflictingFundamental[]> {
    const rows: { symbol: string; metric: string; fiscal_period: string; fiscal_year: number; period_end: string; value: number; unit: string | null; published_at: Date; stored_value: number }[] =
      await em.query(`
        WITH taken AS (
          DELETE FROM fundamental_staging s USING company_fundamental c
          WHERE ${KEY.map((k) => `c.${k} = s.${k}`).join(' AND ')} AND c.value IS DISTINCT FROM s.value
          RETURNING s.symbol, s.metric, s.fiscal_period, s.fiscal_year, to_char(s.period_end, 'YYYY-MM-DD') AS period_end, s.value, s.unit,
            s.published_at, c.value AS stored_value
        )
        SELECT * FROM taken`);
    return rows.map((r) => ({
      fundamental: {
        symbol: r.symbol, metric: r.metric, fiscalPeriod: r.fiscal_period, fiscalYear: r.fiscal_year, periodEnd: r.period_end,
        value: r.value, unit: r.unit, publishedAt: r.published_at,
      },
      storedValue: r.stored_value,
    }));
  }

  /** Inserts staged figures that are new versions; returns how many were inserted per symbol. */
  async mergeStaging(em: EntityManager): Promise<Record<string, number>> {
    const rows: { symbol: string; n: number }[] = await em.query(`
      WITH ins AS (
        INSERT INTO company_fundamental (${COLUMNS.join(', ')})
        SELECT ${COLUMNS.join(', ')} FROM fundamental_staging
        ON CONFLICT (${KEY.join(', ')}) DO NOTHING
        RETURNING symbol
      )
      SELECT symbol, count(*)::int AS n FROM ins GROUP BY symbol`);
    return Object.fromEntries(rows.map((r) => [r.symbol, r.n]));
  }

  async quarantine(em: EntityManager, rows: QuarantinedRow[], pipelineRunId: string | null): Promise<number> {
    return this.quarantineStore.quarantine(em, rows, pipelineRunId);
  }

  /** Every stored version of a figure, oldest publication first. */
  async versions(symbol: string, metric: string, periodEnd: string, fiscalPeriod: string, em: EntityManager = this.ds.manager): Promise<Fundamental[]> {
    const rows: { fiscal_year: number; value: number; unit: string | null; published_at: Date }[] = await em.query(
      `SELECT fiscal_year, value, unit, published_at FROM company_fundamental
       WHERE symbol = $1 AND metric = $2 AND period_end = $3 AND fiscal_period = $4 ORDER BY published_at`,
      [symbol, metric, periodEnd, fiscalPeriod],
    );
    return rows.map((r) => ({ symbol, metric, fiscalPeriod, fiscalYear: r.fiscal_year, periodEnd, value: r.value, unit: r.unit, publishedAt: r.published_at }));
  }

  /** The figure as it was known at `asOf`: the latest version published on or before it. */
  async asOf(symbol: string, metric: string, periodEnd: string, fiscalPeriod: string, asOf: Date, em: EntityManager = this.ds.manager): Promise<number | null> {
    const [r] = await em.query(
      `SELECT value FROM company_fundamental
       WHERE symbol = $1 AND metric = $2 AND period_end = $3 AND fiscal_period = $4 AND published_at <= $5
       ORDER BY published_at DESC LIMIT 1`,
      [symbol, metric, periodEnd, fiscalPeriod, asOf],
    );
    return r ? r.value : null;
  }

  async count(symbol: string, em: EntityManager = this.ds.manager): Promise<number> {
    const [r] = await em.query(`SELECT count(*)::int AS n FROM company_fundamental WHERE symbol = $1`, [symbol]);
    return r.n;
  }
}
