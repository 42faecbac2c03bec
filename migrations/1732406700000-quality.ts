import type { MigrationInterface, QueryRunner } from 'typeorm';
// Frozen data, not src/calendar: what this migration stores must not change when the live calendar does.
import frozenCalendar from './frozen/1732406700000-nyse-closures.json';

/** The exchange calendar the completeness rules join against, user-defined rules, and per-symbol result counts. */
export class Quality1732406700000 implements MigrationInterface {
  name = 'Quality1732406700000';

  async up(q: QueryRunner): Promise<void> {
    // One row per calendar day (not only trading days) so a gap is a difference of two ordinals, found by one join.
    await q.query(`CREATE TABLE "exchange_calendar" ("exchange" character varying(8) NOT NULL, "day" date NOT NULL,
      "trading" boolean NOT NULL, "ordinal" integer NOT NULL, "holiday" character varying(64), PRIMARY KEY ("exchange", "day"))`);
    // Every weekday but a closure is a session; ordinal = sessions so far.
    const closures = Object.entries(frozenCalendar.closures).flatMap(([name, days]) => days.map((day) => ({ day, name })));
    await q.query(
      `INSERT INTO exchange_calendar (exchange, day, trading, ordinal, holiday)
       SELECT 'XNYS', d.day, s.trading, (count(*) FILTER (WHERE s.trading) OVER (ORDER BY d.day))::int, c.name
       FROM generate_series(make_date($1, 1, 1), make_date($2, 12, 31), interval '1 day') AS g(ts)
       CROSS JOIN LATERAL (SELECT g.ts::date AS day) d
       LEFT JOIN unnest($3::date[], $4::text[]) AS c(day, name) ON c.day = d.day
       CROSS JOIN LATERAL (SELECT extract(isodow FROM d.day) < 6 AND c.day IS NULL AS trading) s`,
      [frozenCalendar.firstYear, frozenCalendar.lastYear, closures.map((c) => c.day), closures.map((c) => c.name)],
    );
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
