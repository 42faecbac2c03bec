import type { MigrationInterface, QueryRunner } from 'typeorm';
import { seedNyseCalendar } from '../src/repositories/quality-repository';

/** The exchange calendar the completeness rules join against, user-defined rules, and per-symbol result counts. */
export class Quality1732406700000 implements MigrationInterface {
  name = 'Quality1732406700000';

  async up(q: QueryRunner): Promise<void> {
    // One row per calendar day (not only trading days) so a gap is a difference of two ordinals, found by one join.
    await q.query(`CREATE TABLE "exchange_calendar" ("exchange" character varying(8) NOT NULL, "day" date NOT NULL,
      "trading" boolean NOT NULL, "ordinal" integer NOT NULL, "holiday" character varying(64), PRIMARY KEY ("exchange", "day"))`);
    await seedNyseCalendar(q);
    await q.query(`CREATE TABLE "quality_custom_rule" ("name" character varying(128) NOT NULL, "description" text NOT NULL,
      "target_table" character varying(64) NOT NULL, "severity" character varying(8) NOT NULL, "blocking" boolean NOT NULL,
      "max_failing_rows" integer NOT NULL, "sql" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      PRIMARY KEY ("name"), CONSTRAINT "quality_custom_rule_severity_ck" CHECK (severity IN ('warn', 'error')))`);
    await q.query(`ALTER TABLE "validation_result" ADD "symbol_counts" jsonb NOT NULL DEFAULT '{}'::jsonb`);
    // First-n aggregate for failing-row samples: keeps memory flat however many rows fail.
    await q.query(`CREATE FUNCTION quality_sample_add(state jsonb, item jsonb, n integer) RETURNS jsonb
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT CASE WHEN jsonb_array_length(state) < n THEN state || jsonb_build_array(item) ELSE state END $$`);
    await q.query(`CREATE AGGREGATE quality_sample(jsonb, integer) (SFUNC = quality_sample_add, STYPE = jsonb, INITCOND = '[]')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP AGGREGATE quality_sample(jsonb, integer)`);
    await q.query(`DROP FUNCTION quality_sample_add(jsonb, jsonb, integer)`);
    await q.query(`ALTER TABLE "validation_result" DROP COLUMN "symbol_counts"`);
    await q.query(`DROP TABLE "quality_custom_rule"`);
    await q.query(`DROP TABLE "exchange_calendar"`);
  }
}
