// Owns all SQL on var_calculation, risk_pnl and var_backtest, and the reads of portfolio_position, price_data and
// exchange_calendar that risk needs. Holds no state: one instance serves every concurrent activity.
import type { DataSource, EntityManager } from 'typeorm';

export interface ExposureRow {
  asOf: string;
  symbol: string;
  marketValue: number;
}

export interface AdjustedClose {
  symbol: string;
  day: string;
  /** adj_close where stored (total return, split-consistent), else the raw close. */
  close: number;
}

export interface VarRow {
  asOf: string;
  method: string;
  level: number;
  horizon: number;
  status: 'ok' | 'fallback' | 'insufficient_history';
  reason: string | null;
  var: number | null;
  es: number | null;
  horizonScaling: string;
  parameters: Record<string, unknown>;
  contributions: { symbol: string; exposure: number; marginal: number; component: number }[] | null;
  portfolioValue: number | null;
}

export interface PnlRow {
  asOf: string;
  horizon: number;
  endDate: string;
  pnl: number;
}

export interface BacktestRow {
  pipelineRunId: string | null;
  portfolioId: string;
  method: string;
  level: number;
  horizon: number;
  from: string;
  to: string;
  observations: number;
  exceptions: number;
  exceptionDates: string[];
  kupiecLr: number;
  kupiecP: number;
  independenceLr: number;
  independenceP: number;
  conditionalCoverageLr: number;
  conditionalCoverageP: number;
  trafficLight: 'green' | 'yellow' | 'red';
  trafficLightObservations: number;
  trafficLightExceptions: number;
  esZ2: number;
  esVerdict: string;
  details: Record<string, unknown>;
  computedAt?: string;
}

const day = (column: string, alias: string) => `to_char(${column}, 'YYYY-MM-DD') AS "${alias}"`;
const VAR_COLUMNS = `${day('as_of', 'asOf')}, method, confidence_level AS level, horizon_days AS horizon, status, reason, value_at_risk AS var,
  expected_shortfall AS es, horizon_scaling AS "horizonScaling", parameters, contributions, portfolio_value::float8 AS "portfolioValue"`;
const BACKTEST_COLUMNS = `pipeline_run_id AS "pipelineRunId", portfolio_id AS "portfolioId", method, confidence_level AS level, horizon_days AS horizon,
  ${day('from_date', 'from')}, ${day('to_date', 'to')}, observations, exceptions, array(SELECT to_char(d, 'YYYY-MM-DD') FROM unnest(exception_dates) d) AS "exceptionDates",
  kupiec_lr AS "kupiecLr", kupiec_p AS "kupiecP", independence_lr AS "independenceLr", independence_p AS "independenceP",
  conditional_coverage_lr AS "conditionalCoverageLr", conditional_coverage_p AS "conditionalCoverageP", traffic_light AS "trafficLight",
  traffic_light_observations AS "trafficLightObservations", traffic_light_exceptions AS "trafficLightExceptions", es_z2 AS "esZ2", es_verdict AS "esVerdict",
  details, computed_at AS "computedAt"`;

export class RiskRepository {
  constructor(private readonly ds: DataSource) {}

  private q(em?: EntityManager) {
    return em ?? this.ds.manager;
  }

  /** XNYS sessions in [from, to]. */
  async sessions(em: EntityManager | undefined, from: string, to: string): Promise<string[]> {
    const rows: { day: string }[] = await this.q(em).query(
      `SELECT ${day('day', 'day')} FROM exchange_calendar WHERE exchange = 'XNYS' AND trading AND day BETWEEN $1 AND $2 ORDER BY day`, [from, to],
    );
    return rows.map((r) => r.day);
  }

  /** The `n` sessions strictly before `dayOf`, oldest first (fewer when the calendar starts later). */
  async sessionsBefore(em: EntityManager | undefined, dayOf: string, n: number): Promise<string[]> {
    const rows: { day: string }[] = await this.q(em).query(
      `SELECT ${day('day', 'day')} FROM (SELECT day FROM exchange_calendar WHERE exchange = 'XNYS' AND trading AND day < $1 ORDER BY day DESC LIMIT $2) s ORDER BY day`,
      [dayOf, n],
    );
    return rows.map((r) => r.day);
  }

  /** The `n` sessions strictly after `dayOf`, oldest first. */
  async sessionsAfter(em: EntityManager | undefined, dayOf: string, n: number): Promise<string[]> {
    const rows: { day: string }[] = await this.q(em).query(
      `SELECT ${day('day', 'day')} FROM exchange_calendar WHERE exchange = 'XNYS' AND trading AND day > $1 ORDER BY day LIMIT $2`, [dayOf, n],
    );
    return rows.map((r) => r.day);
  }

  /** Valued dates of the portfolio in [from, to] (any position row, cash included). */
  async valuedDates(em: EntityManager | undefined, portfolioId: string, from: string, to: string): Promise<string[]> {
    const rows: { day: string }[] = await this.q(em).query(
      `SELECT ${day('as_of', 'day')} FROM portfolio_valuation WHERE portfolio_id = $1 AND as_of BETWEEN $2 AND $3 ORDER BY as_of`, [portfolioId, from, to],
    );
    return rows.map((r) => r.day);
  }

  async valuedSpan(em: EntityManager | undefined, portfolioId: string): Promise<{ first: string; last: string } | null> {
    const [row] = await this.q(em).query(
      `SELECT ${day('min(as_of)', 'first')}, ${day('max(as_of)', 'last')} FROM portfolio_valuation WHERE portfolio_id = $1`, [portfolioId],
    );
    return row?.first ? row : null;
  }

  /** Market values of the risky (non-cash, non-zero) positions at the close of each date in [from, to]. */
  async exposures(em: EntityManager | undefined, portfolioId: string, from: string, to: string): Promise<ExposureRow[]> {
    return this.q(em).query(
      `SELECT ${day('as_of', 'asOf')}, symbol, market_value::float8 AS "marketValue" FROM portfolio_position
       WHERE portfolio_id = $1 AND as_of BETWEEN $2 AND $3 AND symbol <> '$CASH' AND quantity <> 0 ORDER BY as_of, symbol`,
      [portfolioId, from, to],
    );
  }

  /** Daily closes (adjusted where stored) of `symbols` with bar dates in [from, to], by symbol then date. */
  async adjustedCloses(em: EntityManager | undefined, symbols: string[], from: string, to: string): Promise<AdjustedClose[]> {
    if (symbols.length === 0) return [];
    return this.q(em).query(
      `SELECT symbol, ${day('(ts AT TIME ZONE \'UTC\')::date', 'day')}, coalesce(adj_close, close) AS close FROM price_data
       WHERE symbol = ANY($1) AND interval = '1d' AND ts >= $2::date::timestamp AT TIME ZONE 'UTC' AND ts < ($3::date + 1)::timestamp AT TIME ZONE 'UTC'
       ORDER BY symbol, ts`, [symbols, from, to],
    );
  }

  /** Each symbol's first stored daily bar date (to tell "too little history" from "missing prices"). */
  async firstBarDates(em: EntityManager | undefined, symbols: string[]): Promise<Map<string, string>> {
    if (symbols.length === 0) return new Map();
    const rows: { symbol: string; day: string }[] = await this.q(em).query(
      `SELECT s AS symbol, ${day('(p.ts AT TIME ZONE \'UTC\')::date', 'day')} FROM unnest($1::text[]) s
       CROSS JOIN LATERAL (SELECT ts FROM price_data WHERE symbol = s AND interval = '1d' ORDER BY ts LIMIT 1) p`, [symbols],
    );
    return new Map(rows.map((r) => [r.symbol, r.day]));
  }

  /** Writes VaR rows, replacing any stored for the same (portfolio, date, method, level, horizon): re-runs are idempotent. */
  async upsertVar(em: EntityManager, portfolioId: string, rows: VarRow[], pipelineRunId: string | null): Promise<void> {
    if (rows.length === 0) return;
    await em.query(
      `INSERT INTO var_calculation (portfolio_id, as_of, method, confidence_level, horizon_days, status, reason, value_at_risk, expected_shortfall,
         horizon_scaling, parameters, contributions, portfolio_value, pipeline_run_id, computed_at)
       SELECT $1, r.as_of, r.method, r.level, r.horizon, r.status, r.reason, r.var, r.es, r.scaling, r.parameters, r.contributions, r.value, $3, now()
       FROM jsonb_to_recordset($2::jsonb) AS r(as_of date, method text, level float8, horizon int, status text, reason text, var float8, es float8,
         scaling text, parameters jsonb, contributions jsonb, value numeric)
       ON CONFLICT (portfolio_id, as_of, method, confidence_level, horizon_days) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason,
         value_at_risk = EXCLUDED.value_at_risk, expected_shortfall = EXCLUDED.expected_shortfall, horizon_scaling = EXCLUDED.horizon_scaling,
         parameters = EXCLUDED.parameters, contributions = EXCLUDED.contributions, portfolio_value = EXCLUDED.portfolio_value,
         pipeline_run_id = EXCLUDED.pipeline_run_id, computed_at = EXCLUDED.computed_at`,
      [portfolioId, JSON.stringify(rows.map((r) => ({
        as_of: r.asOf, method: r.method, level: r.level, horizon: r.horizon, status: r.status, reason: r.reason, var: r.var, es: r.es,
        scaling: r.horizonScaling, parameters: r.parameters, contributions: r.contributions, value: r.portfolioValue,
      }))), pipelineRunId],
    );
  }

  async upsertPnl(em: EntityManager, portfolioId: string, rows: PnlRow[], pipelineRunId: string | null): Promise<void> {
    if (rows.length === 0) return;
    await em.query(
      `INSERT INTO risk_pnl (portfolio_id, as_of, horizon_days, end_date, pnl, pipeline_run_id, computed_at)
       SELECT $1, r.as_of, r.horizon, r.end_date, r.pnl, $3, now() FROM jsonb_to_recordset($2::jsonb) AS r(as_of date, horizon int, end_date date, pnl float8)
       ON CONFLICT (portfolio_id, as_of, horizon_days) DO UPDATE SET end_date = EXCLUDED.end_date, pnl = EXCLUDED.pnl,
         pipeline_run_id = EXCLUDED.pipeline_run_id, computed_at = EXCLUDED.computed_at`,
      [portfolioId, JSON.stringify(rows.map((r) => ({ as_of: r.asOf, horizon: r.horizon, end_date: r.endDate, pnl: r.pnl }))), pipelineRunId],
    );
  }

  /** Stores backtests; one per (run, portfolio, method, level, horizon): a retried step rewrites its own rows. */
  async saveBacktests(em: EntityManager, rows: BacktestRow[]): Promise<void> {
    for (const r of rows) {
      await em.query(
        `INSERT INTO var_backtest (pipeline_run_id, portfolio_id, method, confidence_level, horizon_days, from_date, to_date, observations, exceptions,
           exception_dates, kupiec_lr, kupiec_p, independence_lr, independence_p, conditional_coverage_lr, conditional_coverage_p, traffic_light,
           traffic_light_observations, traffic_light_exceptions, es_z2, es_verdict, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::date[], $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
         ON CONFLICT (pipeline_run_id, portfolio_id, method, confidence_level, horizon_days) DO UPDATE SET from_date = EXCLUDED.from_date,
           to_date = EXCLUDED.to_date, observations = EXCLUDED.observations, exceptions = EXCLUDED.exceptions, exception_dates = EXCLUDED.exception_dates,
           kupiec_lr = EXCLUDED.kupiec_lr, kupiec_p = EXCLUDED.kupiec_p, independence_lr = EXCLUDED.independence_lr, independence_p = EXCLUDED.independence_p,
           conditional_coverage_lr = EXCLUDED.conditional_coverage_lr, conditional_coverage_p = EXCLUDED.conditional_coverage_p,
           traffic_light = EXCLUDED.traffic_light, traffic_light_observations = EXCLUDED.traffic_light_observations,
           traffic_light_exceptions = EXCLUDED.traffic_light_exceptions, es_z2 = EXCLUDED.es_z2, es_verdict = EXCLUDED.es_verdict,
           details = EXCLUDED.details, computed_at = now()`,
        [r.pipelineRunId, r.portfolioId, r.method, r.level, r.horizon, r.from, r.to, r.observations, r.exceptions, r.exceptionDates, r.kupiecLr, r.kupiecP,
          r.independenceLr, r.independenceP, r.conditionalCoverageLr, r.conditionalCoverageP, r.trafficLight, r.trafficLightObservations,
          r.trafficLightExceptions, r.esZ2, r.esVerdict, JSON.stringify(r.details)],
      );
    }
  }

  /** Stored VaR rows of the portfolio in [from, to] (all methods, levels and horizons unless narrowed), by date. */
  async varRows(portfolioId: string, filter: { from?: string; to?: string; method?: string; level?: number; horizon?: number } = {}, em?: EntityManager): Promise<VarRow[]> {
    return this.q(em).query(
      `SELECT ${VAR_COLUMNS} FROM var_calculation WHERE portfolio_id = $1 AND as_of >= coalesce($2::date, '-infinity') AND as_of <= coalesce($3::date, 'infinity')
         AND ($4::text IS NULL OR method = $4) AND ($5::float8 IS NULL OR confidence_level = $5) AND ($6::int IS NULL OR horizon_days = $6)
       ORDER BY as_of, method, horizon_days, confidence_level`,
      [portfolioId, filter.from ?? null, filter.to ?? null, filter.method ?? null, filter.level ?? null, filter.horizon ?? null],
    );
  }

  /** The latest as-of date with stored VaR rows, on or before `asOf` when given. */
  async latestVarDate(portfolioId: string, asOf?: string): Promise<string | null> {
    const [row] = await this.ds.query(
      `SELECT ${day('max(as_of)', 'day')} FROM var_calculation WHERE portfolio_id = $1 AND as_of <= coalesce($2::date, 'infinity')`, [portfolioId, asOf ?? null],
    );
    return row?.day ?? null;
  }

  async pnlRows(portfolioId: string, from: string, to: string, em?: EntityManager): Promise<PnlRow[]> {
    return this.q(em).query(
      `SELECT ${day('as_of', 'asOf')}, horizon_days AS horizon, ${day('end_date', 'endDate')}, pnl FROM risk_pnl
       WHERE portfolio_id = $1 AND as_of BETWEEN $2 AND $3 ORDER BY as_of, horizon_days`, [portfolioId, from, to],
    );
  }

  /** Backtests of one run, or the latest run's when no run is given. */
  async backtests(portfolioId: string, pipelineRunId?: string): Promise<BacktestRow[]> {
    return this.ds.query(
      `SELECT ${BACKTEST_COLUMNS} FROM var_backtest WHERE portfolio_id = $1
         AND pipeline_run_id IS NOT DISTINCT FROM coalesce($2::uuid, (SELECT pipeline_run_id FROM var_backtest WHERE portfolio_id = $1 ORDER BY computed_at DESC, id DESC LIMIT 1))
       ORDER BY method, horizon_days, confidence_level`, [portfolioId, pipelineRunId ?? null],
    );
  }
}
