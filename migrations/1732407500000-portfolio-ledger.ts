import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The portfolio book of record (issue 12): portfolios with their lot method, the append-only trade ledger in exact
 * numerics (corrections are reversal rows), rejected trade rows, daily positions (one row per portfolio, symbol and
 * date, cash included), daily valuations, and performance metrics that record their conventions. The old trade and
 * portfolio_position tables were never written by any release; they are rebuilt, and the migration refuses to run
 * if either holds rows rather than drop them.
 */
export class PortfolioLedger1732407500000 implements MigrationInterface {
  name = 'PortfolioLedger1732407500000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['trade', 'portfolio_position', 'performance_metric']) {
      const [{ n }] = await q.query(`SELECT count(*)::int AS n FROM "${table}"`);
      if (n > 0) throw new Error(`migration PortfolioLedger: table ${table} holds ${n} rows written outside Tickflow; move them aside first`);
    }
    await q.query(`DROP TRIGGER "trade_append_only" ON "trade"`);
    await q.query(`DROP TABLE "trade"`);
    await q.query(`DROP TABLE "portfolio_position"`);
    await q.query(`DROP TABLE "performance_metric"`);

    await q.query(`CREATE TABLE "portfolio" (
      "id" character varying(64) NOT NULL PRIMARY KEY CHECK ("id" ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
      "name" text NOT NULL,
      "currency" character(3) NOT NULL DEFAULT 'USD',
      "lot_method" character varying(8) NOT NULL CHECK ("lot_method" IN ('fifo', 'average', 'specific')),
      "allow_short" boolean NOT NULL DEFAULT false,
      "benchmark_symbol" character varying(32),
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now())`);

    await q.query(`CREATE TABLE "trade" (
      "id" BIGSERIAL NOT NULL PRIMARY KEY,
      "portfolio_id" character varying(64) NOT NULL REFERENCES "portfolio" ("id"),
      "trade_ref" character varying(64) NOT NULL,
      "kind" character varying(12) NOT NULL CHECK ("kind" IN ('buy', 'sell', 'short', 'cover', 'deposit', 'withdrawal', 'fee', 'reversal')),
      "symbol" character varying(32),
      "quantity" numeric,
      "price" numeric,
      "fees" numeric NOT NULL DEFAULT 0,
      "amount" numeric,
      "currency" character(3) NOT NULL,
      "executed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "trade_date" date NOT NULL,
      "settle_date" date NOT NULL,
      "lots" jsonb,
      "reverses_trade_id" bigint REFERENCES "trade" ("id"),
      "source" character varying(128) NOT NULL,
      "pipeline_run_id" uuid,
      "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "trade_ref_uq" UNIQUE ("portfolio_id", "trade_ref"),
      CONSTRAINT "trade_shape" CHECK (CASE
        WHEN "kind" IN ('buy', 'sell', 'short', 'cover') THEN "symbol" IS NOT NULL AND "quantity" > 0 AND "price" >= 0 AND "fees" >= 0
        WHEN "kind" IN ('deposit', 'withdrawal', 'fee') THEN "amount" > 0
        ELSE "reverses_trade_id" IS NOT NULL END),
      CONSTRAINT "trade_settles_after_trading" CHECK ("settle_date" >= "trade_date"))`);
    // The replay's page order and keyset: (trade_date, executed_at, id) within a portfolio, one index range per page.
    await q.query(`CREATE INDEX "trade_portfolio_date_idx" ON "trade" ("portfolio_id", "trade_date", "executed_at", "id")`);
    await q.query(`CREATE INDEX "trade_symbol_date_idx" ON "trade" ("symbol", "trade_date")`);
    // A trade is reversed at most once; a reversal of a reversal is refused.
    await q.query(`CREATE UNIQUE INDEX "trade_reversed_once" ON "trade" ("reverses_trade_id") WHERE "reverses_trade_id" IS NOT NULL`);
    await q.query(`CREATE OR REPLACE FUNCTION "trade_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'trade is append-only: % refused on trade % (book a reversal instead)', TG_OP, OLD.id; END $$`);
    await q.query(`CREATE TRIGGER "trade_append_only" BEFORE UPDATE OR DELETE ON "trade" FOR EACH ROW EXECUTE FUNCTION "trade_append_only"()`);
    await q.query(`CREATE FUNCTION "trade_reversal_valid"() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE target trade%ROWTYPE;
      BEGIN
        IF NEW.kind <> 'reversal' THEN RETURN NEW; END IF;
        SELECT * INTO target FROM trade WHERE id = NEW.reverses_trade_id;
        IF target.id IS NULL OR target.portfolio_id <> NEW.portfolio_id THEN
          RAISE EXCEPTION 'reversal %: trade % is not in portfolio %', NEW.trade_ref, NEW.reverses_trade_id, NEW.portfolio_id; END IF;
        IF target.kind = 'reversal' THEN RAISE EXCEPTION 'reversal %: trade % is itself a reversal', NEW.trade_ref, target.id; END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER "trade_reversal_valid" BEFORE INSERT ON "trade" FOR EACH ROW EXECUTE FUNCTION "trade_reversal_valid"()`);

    await q.query(`CREATE TABLE "trade_quarantine" (
      "id" BIGSERIAL NOT NULL PRIMARY KEY,
      "portfolio_id" character varying(64) NOT NULL,
      "source" character varying(128) NOT NULL,
      "location" text NOT NULL,
      "trade_ref" character varying(64),
      "reason" text NOT NULL,
      "raw" jsonb NOT NULL,
      "pipeline_run_id" uuid,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX "trade_quarantine_portfolio_idx" ON "trade_quarantine" ("portfolio_id", "created_at")`);

    // Dividends accrue from the ex-date until the pay date, where the source gives one.
    await q.query(`ALTER TABLE "corporate_action" ADD "pay_date" date`);

    // Positions and valuations are derived rows, written only by the valuation (which checks the portfolio exists):
    // no foreign key, whose per-row check cost a third of the write; the ledger (trade) keeps its key.
    await q.query(`CREATE TABLE "portfolio_position" (
      "portfolio_id" character varying(64) NOT NULL,
      "as_of" date NOT NULL,
      "symbol" character varying(32) NOT NULL,
      "quantity" numeric NOT NULL,
      "cost_basis" numeric NOT NULL,
      "close" double precision,
      "price_date" date,
      "market_value" numeric NOT NULL,
      "realised_pnl" numeric NOT NULL,
      "unrealised_pnl" numeric NOT NULL,
      "dividends" numeric NOT NULL DEFAULT 0,
      "weight" double precision,
      "pipeline_run_id" uuid,
      "computed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      PRIMARY KEY ("portfolio_id", "as_of", "symbol"))`);

    await q.query(`CREATE TABLE "portfolio_valuation" (
      "portfolio_id" character varying(64) NOT NULL,
      "as_of" date NOT NULL,
      "market_value" numeric NOT NULL,
      "cash" numeric NOT NULL,
      "accrued" numeric NOT NULL,
      "nav" numeric NOT NULL,
      "external_flow" numeric NOT NULL,
      "realised_pnl" numeric NOT NULL,
      "unrealised_pnl" numeric NOT NULL,
      "daily_return" double precision,
      "purchases" numeric NOT NULL,
      "sales" numeric NOT NULL,
      "pipeline_run_id" uuid,
      "computed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      PRIMARY KEY ("portfolio_id", "as_of"))`);

    await q.query(`CREATE TABLE "performance_metric" (
      "id" BIGSERIAL NOT NULL PRIMARY KEY,
      "subject_type" character varying(16) NOT NULL,
      "subject_id" character varying(64) NOT NULL,
      "period" character varying(16) NOT NULL,
      "period_start" date NOT NULL,
      "period_end" date NOT NULL,
      "metric" character varying(64) NOT NULL,
      "value" double precision,
      "conventions" jsonb NOT NULL,
      "pipeline_run_id" uuid,
      "computed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "performance_metric_uq" UNIQUE ("subject_type", "subject_id", "period", "metric"))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "performance_metric"`);
    await q.query(`DROP TABLE "portfolio_valuation"`);
    await q.query(`DROP TABLE "portfolio_position"`);
    await q.query(`ALTER TABLE "corporate_action" DROP COLUMN "pay_date"`);
    await q.query(`DROP TABLE "trade_quarantine"`);
    await q.query(`DROP TRIGGER "trade_reversal_valid" ON "trade"`);
    await q.query(`DROP FUNCTION "trade_reversal_valid"()`);
    await q.query(`DROP TRIGGER "trade_append_only" ON "trade"`);
    await q.query(`DROP TABLE "trade"`);
    await q.query(`DROP TABLE "portfolio"`);
    // The shapes of 1732406500000, so that migration's down still applies.
    await q.query(`CREATE TABLE "performance_metric" ("id" BIGSERIAL NOT NULL, "subject_type" character varying(16) NOT NULL, "subject_id" character varying(64) NOT NULL, "metric" character varying(64) NOT NULL, "period_start" date NOT NULL, "period_end" date NOT NULL, "value" double precision NOT NULL, "computed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "performance_metric_subject_uq" ON "performance_metric" ("subject_type", "subject_id", "metric", "period_start", "period_end")`);
    await q.query(`CREATE TABLE "portfolio_position" ("id" BIGSERIAL NOT NULL, "portfolio_id" character varying(64) NOT NULL, "symbol" character varying(32) NOT NULL, "quantity" double precision NOT NULL, "avg_cost" double precision NOT NULL, "market_value" double precision, "as_of" TIMESTAMP WITH TIME ZONE NOT NULL, PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "portfolio_position_asof_uq" ON "portfolio_position" ("portfolio_id", "symbol", "as_of")`);
    await q.query(`CREATE TABLE "trade" ("id" BIGSERIAL NOT NULL, "portfolio_id" character varying(64) NOT NULL, "symbol" character varying(32) NOT NULL, "side" character varying(4) NOT NULL, "quantity" double precision NOT NULL, "price" double precision NOT NULL, "fees" double precision NOT NULL DEFAULT '0', "executed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "corrects_trade_id" bigint, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "trade_symbol_time_idx" ON "trade" ("symbol", "executed_at")`);
    await q.query(`CREATE INDEX "trade_portfolio_time_idx" ON "trade" ("portfolio_id", "executed_at")`);
    await q.query(`CREATE TRIGGER "trade_append_only" BEFORE UPDATE OR DELETE ON "trade" FOR EACH ROW EXECUTE FUNCTION "trade_append_only"()`);
  }
}
