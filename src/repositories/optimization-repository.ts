// Owns all SQL of the optimizer: the point-in-time inputs it reads (closes, latest prices, model predictions,
// current weights) and the portfolio_optimization rows it writes. Stateless: pass the transaction in.
import type { DataSource, EntityManager } from 'typeorm';

export interface OptimizationRecord {
  id: string;
  pipelineRunId: string | null;
  asOf: string;
  symbols: string[];
  objective: string;
  status: 'optimal' | 'infeasible' | 'error';
  inputs: Record<string, unknown>;
  weights: Record<string, number>;
  expectedReturn: number | null;
  volatility: number | null;
  sharpe: number | null;
  diagnostics: unknown[];
  outputs: Record<string, unknown>;
  createdAt?: Date;
}

const COLUMNS = `id, pipeline_run_id AS "pipelineRunId", to_char(as_of, 'YYYY-MM-DD') AS "asOf", symbols, objective, status, inputs, weights,
  expected_return AS "expectedReturn", volatility, sharpe, diagnostics, outputs, created_at AS "createdAt"`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_START = `$2::date::timestamp AT TIME ZONE 'UTC'`;
const DAY_END = `($3::date + 1)::timestamp AT TIME ZONE 'UTC'`;

export class OptimizationRepository {
  constructor(private readonly ds: DataSource) {}

  private q(em?: EntityManager) {
    return em ?? this.ds.manager;
  }

  async save(em: EntityManager, r: OptimizationRecord): Promise<void> {
    await em.query(
      `INSERT INTO portfolio_optimization (id, pipeline_run_id, as_of, symbols, objective, status, inputs, weights, expected_return, volatility, sharpe, diagnostics, outputs)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [r.id, r.pipelineRunId, r.asOf, r.symbols, r.objective, r.status, JSON.stringify(r.inputs), JSON.stringify(r.weights), r.expectedReturn, r.volatility,
        r.sharpe, JSON.stringify(r.diagnostics), JSON.stringify(r.outputs)],
    );
  }

  /** Adds the discrete allocation and proposed trades to a stored run's outputs. */
  async setAllocation(em: EntityManager, id: string, allocation: unknown): Promise<void> {
    await em.query(`UPDATE portfolio_optimization SET outputs = outputs || jsonb_build_object('allocation', $2::jsonb) WHERE id = $1`, [id, JSON.stringify(allocation)]);
  }

  async get(id: string): Promise<OptimizationRecord | null> {
    if (!UUID.test(id)) return null;
    const rows = await this.ds.query(`SELECT ${COLUMNS} FROM portfolio_optimization WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async list(limit = 20): Promise<OptimizationRecord[]> {
    return this.ds.query(`SELECT ${COLUMNS} FROM portfolio_optimization ORDER BY created_at DESC LIMIT $1`, [limit]);
  }

  /** The last daily bar date stored for every one of `symbols` (the latest date all of them have a bar by). */
  async lastCommonBar(symbols: string[], em?: EntityManager): Promise<string | null> {
    const rows = await this.q(em).query(
      `SELECT to_char(min(last), 'YYYY-MM-DD') AS day, count(last)::int AS n FROM unnest($1::text[]) s
       LEFT JOIN LATERAL (SELECT (max(ts) AT TIME ZONE 'UTC')::date AS last FROM price_data WHERE symbol = s AND interval = '1d') p ON true`, [symbols],
    );
    return rows[0]?.n === symbols.length ? rows[0].day : null;
  }

  /** Daily total-return closes (adjusted where stored) of `symbols` with bar dates in [from, to]. */
  async closes(em: EntityManager | undefined, symbols: string[], from: string, to: string): Promise<{ symbol: string; day: string; close: number }[]> {
    return this.q(em).query(
      `SELECT symbol, to_char((ts AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, coalesce(adj_close, close) AS close FROM price_data
       WHERE symbol = ANY($1) AND interval = '1d' AND ts >= ${DAY_START} AND ts < ${DAY_END} ORDER BY ts`, [symbols, from, to],
    );
  }

  /** Each symbol's last raw close on or before `asOf` (what a trade would be booked at), with its date. */
  async latestPrices(em: EntityManager | undefined, symbols: string[], asOf: string): Promise<{ symbol: string; day: string; close: number }[]> {
    return this.q(em).query(
      `SELECT s AS symbol, to_char((p.ts AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, p.close FROM unnest($1::text[]) s
       CROSS JOIN LATERAL (SELECT ts, close FROM price_data WHERE symbol = s AND interval = '1d' AND ts < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
         ORDER BY ts DESC LIMIT 1) p`, [symbols, asOf],
    );
  }

  /** Per symbol, the model run's prediction for its latest bar on or before `asOf` (point in time). */
  async predictionsAsOf(em: EntityManager | undefined, modelTrainingRunId: string, symbols: string[], asOf: string): Promise<{ symbol: string; day: string; value: number; featureSetVersion: string }[]> {
    return this.q(em).query(
      `SELECT s AS symbol, to_char((p.ts AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, p.value, p.feature_set_version AS "featureSetVersion" FROM unnest($2::text[]) s
       CROSS JOIN LATERAL (SELECT ts, value, feature_set_version FROM model_prediction WHERE model_training_run_id = $1 AND symbol = s
         AND ts < ($3::date + 1)::timestamp AT TIME ZONE 'UTC' ORDER BY ts DESC LIMIT 1) p`, [modelTrainingRunId, symbols, asOf],
    );
  }

  /** A portfolio's position weights (of NAV, cash left out) on its last valued day on or before `asOf`. */
  async positionWeights(em: EntityManager | undefined, portfolioId: string, asOf: string): Promise<{ day: string | null; weights: Record<string, number> }> {
    const rows: { day: string; symbol: string; weight: number }[] = await this.q(em).query(
      `SELECT to_char(as_of, 'YYYY-MM-DD') AS day, symbol, weight FROM portfolio_position
       WHERE portfolio_id = $1 AND symbol <> '$CASH' AND as_of = (SELECT max(as_of) FROM portfolio_position WHERE portfolio_id = $1 AND as_of <= $2::date)`,
      [portfolioId, asOf],
    );
    return { day: rows[0]?.day ?? null, weights: Object.fromEntries(rows.map((r) => [r.symbol, Number(r.weight)])) };
  }

  /** Shares held per symbol (cash left out) on a portfolio's last valued day on or before `asOf`. */
  async latestShares(em: EntityManager | undefined, portfolioId: string, asOf: string): Promise<Record<string, number>> {
    const rows: { symbol: string; quantity: string }[] = await this.q(em).query(
      `SELECT symbol, quantity::text AS quantity FROM portfolio_position
       WHERE portfolio_id = $1 AND symbol <> '$CASH' AND as_of = (SELECT max(as_of) FROM portfolio_position WHERE portfolio_id = $1 AND as_of <= $2::date)`,
      [portfolioId, asOf],
    );
    return Object.fromEntries(rows.map((r) => [r.symbol, Number(r.quantity)]).filter(([, q]) => q !== 0));
  }
}
