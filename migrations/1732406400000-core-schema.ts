import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Market data, features, quality results and the run/lineage records that the pipeline writes. */
export class CoreSchema1732406400000 implements MigrationInterface {
  name = 'CoreSchema1732406400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "company_fundamental" ("id" BIGSERIAL NOT NULL, "symbol" character varying(32) NOT NULL, "metric" character varying(128) NOT NULL, "fiscal_period" character varying(8) NOT NULL, "fiscal_year" integer NOT NULL, "period_end" date NOT NULL, "value" double precision NOT NULL, "unit" character varying(16), "published_at" TIMESTAMP WITH TIME ZONE NOT NULL, "source" character varying(64) NOT NULL, "pipeline_run_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"));`);
    await q.query(`CREATE INDEX "company_fundamental_pit_idx" ON "company_fundamental" ("symbol", "metric", "published_at");`);
    await q.query(`CREATE UNIQUE INDEX "company_fundamental_version_uq" ON "company_fundamental" ("symbol", "metric", "period_end", "fiscal_period", "published_at");`);
    await q.query(`CREATE TABLE "data_lineage" ("id" BIGSERIAL NOT NULL, "pipeline_run_id" uuid NOT NULL, "workflow_id" character varying(255) NOT NULL, "run_id" character varying(64) NOT NULL, "activity_id" character varying(64) NOT NULL, "activity_type" character varying(128) NOT NULL, "attempt" integer NOT NULL, "input_datasets" jsonb NOT NULL, "output_dataset" text NOT NULL, "rows_in" bigint NOT NULL, "rows_out" bigint NOT NULL, "details" jsonb NOT NULL DEFAULT '{}'::jsonb, "content_hash" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"));`);
    await q.query(`CREATE INDEX "data_lineage_output_idx" ON "data_lineage" ("output_dataset");`);
    await q.query(`CREATE INDEX "data_lineage_run_idx" ON "data_lineage" ("pipeline_run_id");`);
    await q.query(`CREATE UNIQUE INDEX "data_lineage_activity_uq" ON "data_lineage" ("workflow_id", "run_id", "activity_id");`);
    await q.query(`CREATE TABLE "feature_data" ("feature_set_version" character varying(32) NOT NULL, "symbol" character varying(32) NOT NULL, "interval" character varying(8) NOT NULL, "ts" TIMESTAMP WITH TIME ZONE NOT NULL, "values" double precision array NOT NULL, "pipeline_run_id" uuid, PRIMARY KEY ("feature_set_version", "symbol", "interval", "ts"));`);
    await q.query(`CREATE TABLE "feature_set" ("version" character varying(32) NOT NULL, "name" character varying(64) NOT NULL, "definitions" jsonb NOT NULL, "feature_names" text array NOT NULL, "warmup_bars" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("version"));`);
    await q.query(`CREATE INDEX "feature_set_name_idx" ON "feature_set" ("name", "created_at");`);
    await q.query(`CREATE TABLE "pipeline_run" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workflow_id" character varying(255) NOT NULL, "run_id" character varying(64) NOT NULL, "workflow_type" character varying(128) NOT NULL, "parent_run_id" uuid, "task_queue" character varying(255) NOT NULL, "status" character varying(16) NOT NULL, "input" jsonb NOT NULL, "counts" jsonb NOT NULL DEFAULT '{}'::jsonb, "gate" jsonb, "error" text, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "finished_at" TIMESTAMP WITH TIME ZONE, PRIMARY KEY ("id"));`);
    await q.query(`CREATE INDEX "pipeline_run_started_idx" ON "pipeline_run" ("started_at");`);
    await q.query(`CREATE UNIQUE INDEX "pipeline_run_execution_uq" ON "pipeline_run" ("workflow_id", "run_id");`);
    await q.query(`CREATE TABLE "price_data" ("symbol" character varying(32) NOT NULL, "interval" character varying(8) NOT NULL, "ts" TIMESTAMP WITH TIME ZONE NOT NULL, "open" double precision NOT NULL, "high" double precision NOT NULL, "low" double precision NOT NULL, "close" double precision NOT NULL, "adj_close" double precision, "volume" double precision NOT NULL, "source" character varying(64) NOT NULL, "pipeline_run_id" uuid, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("symbol", "interval", "ts"));`);
    await q.query(`CREATE TABLE "price_quarantine" ("id" BIGSERIAL NOT NULL, "pipeline_run_id" uuid, "source" character varying(64) NOT NULL, "location" text NOT NULL, "symbol" character varying(32), "interval" character varying(8), "reason" text NOT NULL, "raw_row" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"));`);
    await q.query(`CREATE INDEX "price_quarantine_symbol_idx" ON "price_quarantine" ("symbol", "interval");`);
    await q.query(`CREATE INDEX "price_quarantine_run_idx" ON "price_quarantine" ("pipeline_run_id");`);
    await q.query(`CREATE TABLE "validation_result" ("id" BIGSERIAL NOT NULL, "pipeline_run_id" uuid, "workflow_id" character varying(255), "rule" character varying(128) NOT NULL, "target_table" character varying(64) NOT NULL, "scope" jsonb NOT NULL, "severity" character varying(8) NOT NULL, "blocking" boolean NOT NULL, "passed" boolean NOT NULL, "observed" double precision, "threshold" double precision, "rows_checked" bigint NOT NULL, "failing_rows" bigint NOT NULL, "sample" jsonb NOT NULL, "evaluated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"));`);
    await q.query(`CREATE INDEX "validation_result_rule_idx" ON "validation_result" ("rule", "evaluated_at");`);
    await q.query(`CREATE INDEX "validation_result_run_idx" ON "validation_result" ("pipeline_run_id");`);
    // Cross-symbol date-range scans (quality rules, exports) on a table that only grows in time order.
    await q.query(`CREATE INDEX "price_data_ts_brin" ON "price_data" USING brin ("ts")`);
    await q.query(`ALTER TABLE "data_lineage" ADD CONSTRAINT "data_lineage_run_fk" FOREIGN KEY ("pipeline_run_id") REFERENCES "pipeline_run"("id") ON DELETE CASCADE`);
    await q.query(`ALTER TABLE "validation_result" ADD CONSTRAINT "validation_result_run_fk" FOREIGN KEY ("pipeline_run_id") REFERENCES "pipeline_run"("id") ON DELETE SET NULL`);
    await q.query(`ALTER TABLE "feature_data" ADD CONSTRAINT "feature_data_set_fk" FOREIGN KEY ("feature_set_version") REFERENCES "feature_set"("version")`);
    // The long (name, value) shape of feature_data, for ad-hoc SQL and tools that expect it.
    await q.query(`CREATE VIEW "feature_values" AS
      SELECT d.symbol, d.interval, d.ts, d.feature_set_version, s.name AS feature_set, n.name, d.values[n.ord] AS value
      FROM feature_data d
      JOIN feature_set s ON s.version = d.feature_set_version
      CROSS JOIN LATERAL unnest(s.feature_names) WITH ORDINALITY AS n(name, ord)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW "feature_values"`);
    await q.query(`ALTER TABLE "feature_data" DROP CONSTRAINT "feature_data_set_fk"`);
    await q.query(`ALTER TABLE "validation_result" DROP CONSTRAINT "validation_result_run_fk"`);
    await q.query(`ALTER TABLE "data_lineage" DROP CONSTRAINT "data_lineage_run_fk"`);
    await q.query(`DROP INDEX "public"."price_data_ts_brin"`);
    await q.query(`DROP INDEX "public"."validation_result_run_idx";`);
    await q.query(`DROP INDEX "public"."validation_result_rule_idx";`);
    await q.query(`DROP TABLE "validation_result";`);
    await q.query(`DROP INDEX "public"."price_quarantine_run_idx";`);
    await q.query(`DROP INDEX "public"."price_quarantine_symbol_idx";`);
    await q.query(`DROP TABLE "price_quarantine";`);
    await q.query(`DROP TABLE "price_data";`);
    await q.query(`DROP INDEX "public"."pipeline_run_execution_uq";`);
    await q.query(`DROP INDEX "public"."pipeline_run_started_idx";`);
    await q.query(`DROP TABLE "pipeline_run";`);
    await q.query(`DROP INDEX "public"."feature_set_name_idx";`);
    await q.query(`DROP TABLE "feature_set";`);
    await q.query(`DROP TABLE "feature_data";`);
    await q.query(`DROP INDEX "public"."data_lineage_activity_uq";`);
    await q.query(`DROP INDEX "public"."data_lineage_run_idx";`);
    await q.query(`DROP INDEX "public"."data_lineage_output_idx";`);
    await q.query(`DROP TABLE "data_lineage";`);
    await q.query(`DROP INDEX "public"."company_fundamental_version_uq";`);
    await q.query(`DROP INDEX "public"."company_fundamental_pit_idx";`);
    await q.query(`DROP TABLE "company_fundamental";`);
  }
}
