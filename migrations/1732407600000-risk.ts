import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Risk (issue 13): var_calculation becomes one row per (portfolio, date, method, level, horizon) with its parameters,
 * status and reason (a row without a number says why), the Euler contributions where the method has them and the
 * PipelineRun; risk_pnl holds the realised (hypothetical) P&L each backtest compares with; var_backtest one result per
 * run, method, level and horizon. The old var_calculation was never written by any release; the migration refuses to
 * run if it holds rows rather than drop them.
 */
export class Risk1732407600000 implements MigrationInterface {
  name = 'Risk1732407600000';

  async up(q: QueryRunner): Promise<void> {
    const [{ n }] = await q.query(`SELECT count(*)::int AS n FROM "var_calculation"`);
    if (n > 0) throw new Error(`migration Risk: table var_calculation holds ${n} rows written outside Tickflow; move them aside first`);
    await q.query(`DROP TABLE "var_calculation"`);
    await q.query(`CREATE TABLE "var_calculation" (
      "portfolio_id" character varying(64) NOT NULL REFERENCES "portfolio" ("id"),
      "as_of" date NOT NULL,
      "method" character varying(32) NOT NULL,
      "confidence_level" double precision NOT NULL CHECK ("confidence_level" > 0 AND "confidence_level" < 1),
      "horizon_days" integer NOT NULL CHECK ("horizon_days" >= 1),
      "status" character varying(24) NOT NULL CHECK ("status" IN ('ok', 'fallback', 'insufficient_history')),
      "reason" text,
      "value_at_risk" double precision,
      "expected_shortfall" double precision,
      "horizon_scaling" character varying(16) NOT NULL,
      "parameters" jsonb NOT NULL,
      "contributions" jsonb,
      "portfolio_value" numeric,
      "pipeline_run_id" uuid,
      "computed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      PRIMARY KEY ("portfolio_id", "as_of", "method", "confidence_level", "horizon_days"),
      CHECK (("status" = 'insufficient_history') = ("value_at_risk" IS NULL)))`);
    await q.query(`CREATE TABLE "risk_pnl" (
      "portfolio_id" character varying(64) NOT NULL REFERENCES "portfolio" ("id"),
      "as_of" date NOT NULL,
      "horizon_days" integer NOT NULL,
      "end_date" date NOT NULL,
      "pnl" double precision NOT NULL,
      "pipeline_run_id" uuid,
      "computed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      PRIMARY KEY ("portfolio_id", "as_of", "horizon_days"))`);
    await q.query(`CREATE TABLE "var_backtest" (
      "id" BIGSERIAL PRIMARY KEY,
      "pipeline_run_id" uuid,
      "portfolio_id" character varying(64) NOT NULL REFERENCES "portfolio" ("id"),
      "method" character varying(32) NOT NULL,
      "confidence_level" double precision NOT NULL,
      "horizon_days" integer NOT NULL,
      "from_date" date NOT NULL,
      "to_date" date NOT NULL,
      "observations" integer NOT NULL,
      "exceptions" integer NOT NULL,
      "exception_dates" date[] NOT NULL,
      "kupiec_lr" double precision NOT NULL,
      "kupiec_p" double precision NOT NULL,
      "independence_lr" double precision NOT NULL,
      "independence_p" double precision NOT NULL,
      "conditional_coverage_lr" double precision NOT NULL,
      "conditional_coverage_p" double precision NOT NULL,
      "traffic_light" character varying(8) NOT NULL CHECK ("traffic_light" IN ('green', 'yellow', 'red')),
      "traffic_light_observations" integer NOT NULL,
      "traffic_light_exceptions" integer NOT NULL,
      "es_z2" double precision NOT NULL,
      "es_verdict" character varying(16) NOT NULL,
      "details" jsonb NOT NULL,
      "computed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now())`);
    await q.query(`CREATE UNIQUE INDEX "var_backtest_run_key" ON "var_backtest" ("pipeline_run_id", "portfolio_id", "method", "confidence_level", "horizon_days")`);
    await q.query(`CREATE INDEX "var_backtest_latest_idx" ON "var_backtest" ("portfolio_id", "computed_at" DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "var_backtest"`);
    await q.query(`DROP TABLE "risk_pnl"`);
    await q.query(`DROP TABLE "var_calculation"`);
    await q.query(`CREATE TABLE "var_calculation" ("id" BIGSERIAL NOT NULL, "portfolio_id" character varying(64) NOT NULL, "as_of" date NOT NULL, "method" character varying(16) NOT NULL, "confidence_level" double precision NOT NULL, "horizon_days" integer NOT NULL, "value_at_risk" double precision NOT NULL, "expected_shortfall" double precision, "pipeline_run_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "var_calculation_portfolio_idx" ON "var_calculation" ("portfolio_id", "as_of")`);
  }
}
