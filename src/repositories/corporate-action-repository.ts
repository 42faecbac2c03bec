// Owns all SQL on corporate_action, and the adjusted closes (price_data.adj_close) derived from it.
import type { EntityManager } from 'typeorm';
import type { CorporateAction } from '../providers/provider';

/** Stateless: one instance serves every concurrent caller; the transaction is passed in. */
export class CorporateActionRepository {
  /** Stores splits and dividends; a re-reported action with the same values is not rewritten. Returns rows changed. */
  async saveCorporateActions(em: EntityManager, actions: CorporateAction[], source: string, pipelineRunId: string | null): Promise<number> {
    if (actions.length === 0) return 0;
    const [r] = await em.query(
      `WITH a AS (
         SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::float8[], $5::float8[]) AS t(symbol, ex_date, kind, ratio, amount)
       ), up AS (
         INSERT INTO corporate_action (symbol, ex_date, kind, ratio, amount, source, pipeline_run_id)
         SELECT symbol, ex_date, kind, ratio, amount, $6, $7 FROM a
         ON CONFLICT (symbol, ex_date, kind) DO UPDATE SET ratio = EXCLUDED.ratio, amount = EXCLUDED.amount, source = EXCLUDED.source,
           pipeline_run_id = EXCLUDED.pipeline_run_id
         WHERE (corporate_action.ratio, corporate_action.amount) IS DISTINCT FROM (EXCLUDED.ratio, EXCLUDED.amount)
         RETURNING 1
       ) SELECT count(*)::int AS n FROM up`,
      [actions.map((a) => a.symbol), actions.map((a) => a.exDate), actions.map((a) => a.kind), actions.map((a) => a.ratio ?? null),
        actions.map((a) => a.amount ?? null), source, pipelineRunId],
    );
    return r.n;
  }

  /**
   * Derives adj_close for bars that came without one, from the stored splits and dividends (backward adjustment:
   * a bar is scaled by every action after it; a dividend by 1 − amount / the last close before its ex-date).
   * Bars whose adj_close came from the vendor are never touched: their prices are already adjusted, and adjusting
   * them again is the classic double-adjustment bug. Returns the number of bars updated and the earliest of them.
   */
  async applyAdjustments(em: EntityManager, symbol: string, interval: string): Promise<{ adjusted: number; first: Date | null }> {
    const [r] = await em.query(
      `WITH acts AS (
         SELECT a.ex_date,
           CASE WHEN a.kind = 'split' THEN 1.0 / a.ratio
                ELSE 1 - a.amount / (SELECT p.close FROM price_data p WHERE p.symbol = a.symbol AND p.interval = $2
                                     AND p.ts < a.ex_date ORDER BY p.ts DESC LIMIT 1) END AS f
         FROM corporate_action a WHERE a.symbol = $1
       ), factors AS (
         SELECT p.ts, p.close * exp(coalesce(sum(ln(acts.f)) FILTER (WHERE acts.f > 0), 0)) AS adj
         FROM price_data p LEFT JOIN acts ON acts.ex_date > (p.ts AT TIME ZONE 'UTC')::date
         WHERE p.symbol = $1 AND p.interval = $2 AND p.adj_source IS DISTINCT FROM 'vendor'
         GROUP BY p.ts, p.close
       ), up AS (
         UPDATE price_data p SET adj_close = f.adj, adj_source = 'computed'
         FROM factors f WHERE p.symbol = $1 AND p.interval = $2 AND p.ts = f.ts
           AND (p.adj_close IS DISTINCT FROM f.adj OR p.adj_source IS DISTINCT FROM 'computed')
         RETURNING p.ts
       ) SELECT count(*)::int AS n, min(ts) AS first FROM up`,
      [symbol, interval],
    );
    return { adjusted: r.n, first: r.first };
  }
}
