import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replaces the empty placeholder `portfolio_optimization` (never written) with the optimizer's record: one row per
 * run, its complete inputs (universe, as-of, return and risk models, constraints, solver and version, tolerances)
 * and outputs (weights, expected return, volatility, Sharpe, status, diagnostics, frontier, allocation).
 */
export class PortfolioOptimization1732407700000 implements MigrationInterface {
  name = 'PortfolioOptimization1732407700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."portfolio_optimization_portfolio_idx"`);
    await q.query(`DROP TABLE "portfolio_optimization"`);
    await q.query(`CREATE TABLE "portfolio_optimization" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "pipeline_run_id" uuid,
      "as_of" date NOT NULL,
      "symbols" text[] NOT NULL,
      "objective" character varying(32) NOT NULL,
      "status" character varying(16) NOT NULL CHECK ("status" IN ('optimal', 'infeasible', 'error')),
      "inputs" jsonb NOT NULL,
      "weights" jsonb NOT NULL DEFAULT '{}'::jsonb,
      "expected_return" double precision,
      "volatility" double precision,
      "sharpe" double precision,
      "diagnostics" jsonb NOT NULL DEFAULT '[]'::jsonb,
      "outputs" jsonb NOT NULL DEFAULT '{}'::jsonb,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "portfolio_optimization_created_idx" ON "portfolio_optimization" ("created_at")`);
    await q.query(`CREATE INDEX "portfolio_optimization_run_idx" ON "portfolio_optimization" ("pipeline_run_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "portfolio_optimization"`);
    await q.query(`CREATE TABLE "portfolio_optimization" ("id" BIGSERIAL NOT NULL, "portfolio_id" character varying(64) NOT NULL, "objective" character varying(32) NOT NULL, "constraints" jsonb NOT NULL DEFAULT '{}'::jsonb, "window_start" date NOT NULL, "window_end" date NOT NULL, "weights" jsonb NOT NULL, "expected_return" double precision, "expected_volatility" double precision, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "portfolio_optimization_portfolio_idx" ON "portfolio_optimization" ("portfolio_id", "created_at")`);
  }
}
