import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Portfolio, risk, document and model tables that later stages fill. */
export class PortfolioAndModels1732406500000 implements MigrationInterface {
  name = 'PortfolioAndModels1732406500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "document_embedding" ("id" BIGSERIAL NOT NULL, "document_id" character varying(255) NOT NULL, "chunk_index" integer NOT NULL, "symbol" character varying(32), "published_at" TIMESTAMP WITH TIME ZONE NOT NULL, "content" text NOT NULL, "model" character varying(128) NOT NULL, "embedding" real array NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"));`);
    await q.query(`CREATE UNIQUE INDEX "document_embedding_chunk_uq" ON "document_embedding" ("document_id", "chunk_index", "model");`);
    await q.query(`CREATE INDEX "document_embedding_symbol_idx" ON "document_embedding" ("symbol", "published_at");`);
    await q.query(`CREATE TABLE "model_prediction" ("id" BIGSERIAL NOT NULL, "model_training_run_id" uuid NOT NULL, "symbol" character varying(32) NOT NULL, "ts" TIMESTAMP WITH TIME ZONE NOT NULL, "value" double precision NOT NULL, "feature_set_version" character varying(32) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"));`);
    await q.query(`CREATE INDEX "model_prediction_symbol_idx" ON "model_prediction" ("symbol", "ts");`);
    await q.query(`CREATE UNIQUE INDEX "model_prediction_uq" ON "model_prediction" ("model_training_run_id", "symbol", "ts");`);
    await q.query(`CREATE TABLE "model_training_run" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "pipeline_run_id" uuid, "model_type" character varying(64) NOT NULL, "dataset_path" text NOT NULL, "dataset_hash" character varying(64) NOT NULL, "feature_set_versions" text array NOT NULL, "split_ranges" jsonb NOT NULL, "hyper_parameters" jsonb NOT NULL DEFAULT '{}'::jsonb, "metrics" jsonb NOT NULL DEFAULT '{}'::jsonb, "artifact_path" text, "status" character varying(16) NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "finished_at" TIMESTAMP WITH TIME ZONE, PRIMARY KEY ("id"));`);
    await q.query(`CREATE INDEX "model_training_run_started_idx" ON "model_training_run" ("started_at");`);
    await q.query(`CREATE INDEX "model_training_run_dataset_idx" ON "model_training_run" ("dataset_hash");`);
    await q.query(`CREATE TABLE "performance_metric" ("id" BIGSERIAL NOT NULL, "subject_type" character varying(16) NOT NULL, "subject_id" character varying(64) NOT NULL, "metric" character varying(64) NOT NULL, "period_start" date NOT NULL, "period_end" date NOT NULL, "value" double precision NOT NULL, "computed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"));`);
    await q.query(`CREATE UNIQUE INDEX "performance_metric_subject_uq" ON "performance_metric" ("subject_type", "subject_id", "metric", "period_start", "period_end");`);
    await q.query(`CREATE TABLE "portfolio_optimization" ("id" BIGSERIAL NOT NULL, "portfolio_id" character varying(64) NOT NULL, "objective" character varying(32) NOT NULL, "constraints" jsonb NOT NULL DEFAULT '{}'::jsonb, "window_start" date NOT NULL, "window_end" date NOT NULL, "weights" jsonb NOT NULL, "expected_return" double precision, "expected_volatility" double precision, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"));`);
    await q.query(`CREATE INDEX "portfolio_optimization_portfolio_idx" ON "portfolio_optimization" ("portfolio_id", "created_at");`);
    await q.query(`CREATE TABLE "portfolio_position" ("id" BIGSERIAL NOT NULL, "portfolio_id" character varying(64) NOT NULL, "symbol" character varying(32) NOT NULL, "quantity" double precision NOT NULL, "avg_cost" double precision NOT NULL, "market_value" double precision, "as_of" TIMESTAMP WITH TIME ZONE NOT NULL, PRIMARY KEY ("id"));`);
    await q.query(`CREATE UNIQUE INDEX "portfolio_position_asof_uq" ON "portfolio_position" ("portfolio_id", "symbol", "as_of");`);
    await q.query(`CREATE TABLE "trade" ("id" BIGSERIAL NOT NULL, "portfolio_id" character varying(64) NOT NULL, "symbol" character varying(32) NOT NULL, "side" character varying(4) NOT NULL, "quantity" double precision NOT NULL, "price" double precision NOT NULL, "fees" double precision NOT NULL DEFAULT '0', "executed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "corrects_trade_id" bigint, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"));`);
    await q.query(`CREATE INDEX "trade_symbol_time_idx" ON "trade" ("symbol", "executed_at");`);
    await q.query(`CREATE INDEX "trade_portfolio_time_idx" ON "trade" ("portfolio_id", "executed_at");`);
    await q.query(`CREATE TABLE "var_calculation" ("id" BIGSERIAL NOT NULL, "portfolio_id" character varying(64) NOT NULL, "as_of" date NOT NULL, "method" character varying(16) NOT NULL, "confidence_level" double precision NOT NULL, "horizon_days" integer NOT NULL, "value_at_risk" double precision NOT NULL, "expected_shortfall" double precision, "pipeline_run_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"));`);
    await q.query(`CREATE INDEX "var_calculation_portfolio_idx" ON "var_calculation" ("portfolio_id", "as_of");`);
    await q.query(`ALTER TABLE "model_prediction" ADD CONSTRAINT "model_prediction_run_fk" FOREIGN KEY ("model_training_run_id") REFERENCES "model_training_run"("id") ON DELETE CASCADE`);
    // Trades are an audit trail: corrections are new rows, so the database refuses edits and deletes.
    await q.query(`CREATE FUNCTION "trade_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'trade is append-only: % refused on trade %', TG_OP, OLD.id; END $$`);
    await q.query(`CREATE TRIGGER "trade_append_only" BEFORE UPDATE OR DELETE ON "trade" FOR EACH ROW EXECUTE FUNCTION "trade_append_only"()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER "trade_append_only" ON "trade"`);
    await q.query(`DROP FUNCTION "trade_append_only"()`);
    await q.query(`ALTER TABLE "model_prediction" DROP CONSTRAINT "model_prediction_run_fk"`);
    await q.query(`DROP INDEX "public"."var_calculation_portfolio_idx";`);
    await q.query(`DROP TABLE "var_calculation";`);
    await q.query(`DROP INDEX "public"."trade_portfolio_time_idx";`);
    await q.query(`DROP INDEX "public"."trade_symbol_time_idx";`);
    await q.query(`DROP TABLE "trade";`);
    await q.query(`DROP INDEX "public"."portfolio_position_asof_uq";`);
    await q.query(`DROP TABLE "portfolio_position";`);
    await q.query(`DROP INDEX "public"."portfolio_optimization_portfolio_idx";`);
    await q.query(`DROP TABLE "portfolio_optimization";`);
    await q.query(`DROP INDEX "public"."performance_metric_subject_uq";`);
    await q.query(`DROP TABLE "performance_metric";`);
    await q.query(`DROP INDEX "public"."model_training_run_dataset_idx";`);
    await q.query(`DROP INDEX "public"."model_training_run_started_idx";`);
    await q.query(`DROP TABLE "model_training_run";`);
    await q.query(`DROP INDEX "public"."model_prediction_uq";`);
    await q.query(`DROP INDEX "public"."model_prediction_symbol_idx";`);
    await q.query(`DROP TABLE "model_prediction";`);
    await q.query(`DROP INDEX "public"."document_embedding_symbol_idx";`);
    await q.query(`DROP INDEX "public"."document_embedding_chunk_uq";`);
    await q.query(`DROP TABLE "document_embedding";`);
  }
}
