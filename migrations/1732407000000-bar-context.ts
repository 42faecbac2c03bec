import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bar context on price_data: each bar's neighbour facts (src/prices/bar-context.ts), stored so the quality rules are one
 * plain scan. close_run IS NULL marks a bar whose context is not derived yet: rows written by anyone without context
 * (raw INSERT or COPY) are dirty by default, and triggers make a bar dirty when its inputs or its predecessor change.
 * Existing rows stay dirty here and are derived by PriceRepository.deriveContext.
 */
export class BarContext1732407000000 implements MigrationInterface {
  name = 'BarContext1732407000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "price_data" ADD "prev_ts" TIMESTAMP WITH TIME ZONE, ADD "prev_close" double precision,
      ADD "close_run" integer, ADD "volume_z" double precision, ADD "missing_sessions" smallint, ADD "trading_day" boolean`);
    await q.query(`CREATE INDEX "price_data_context_pending" ON "price_data" ("symbol", "interval", "ts") WHERE "close_run" IS NULL`);

    await q.query(`CREATE FUNCTION price_data_context_revised() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN NEW.close_run := NULL; RETURN NEW; END $$`);
    // OF + WHEN: an update that does not touch a context input (the context write itself) never enters the function.
    await q.query(`CREATE TRIGGER price_data_context_revised BEFORE UPDATE OF symbol, interval, ts, close, volume ON price_data
      FOR EACH ROW WHEN ((OLD.symbol, OLD.interval, OLD.ts, OLD.close, OLD.volume) IS DISTINCT FROM (NEW.symbol, NEW.interval, NEW.ts, NEW.close, NEW.volume))
      EXECUTE FUNCTION price_data_context_revised()`);

    // A bar that moves (ts or series changed) also leaves its old successor with a different previous bar.
    await q.query(`CREATE FUNCTION price_data_context_moved() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE price_data p SET close_run = NULL
        WHERE (p.symbol, p.interval, p.ts) = (SELECT n.symbol, n.interval, n.ts FROM price_data n
            WHERE n.symbol = OLD.symbol AND n.interval = OLD.interval AND n.ts > OLD.ts ORDER BY n.ts LIMIT 1)
          AND p.close_run IS NOT NULL;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER price_data_context_moved AFTER UPDATE OF symbol, interval, ts ON price_data
      FOR EACH ROW WHEN ((OLD.symbol, OLD.interval, OLD.ts) IS DISTINCT FROM (NEW.symbol, NEW.interval, NEW.ts))
      EXECUTE FUNCTION price_data_context_moved()`);

    // Each probe stops before the next deleted bar of its series: deleted rows stay in the index until vacuum, and
    // probes walking over them would make a large DELETE quadratic.
    await q.query(`CREATE FUNCTION price_data_context_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE price_data p SET close_run = NULL
        FROM (SELECT g.symbol, g.interval, g.ts, lead(g.ts) OVER (PARTITION BY g.symbol, g.interval ORDER BY g.ts) AS next_gone FROM gone g) g
        CROSS JOIN LATERAL (SELECT n.ts FROM price_data n WHERE n.symbol = g.symbol AND n.interval = g.interval
            AND n.ts > g.ts AND n.ts < coalesce(g.next_gone, 'infinity') ORDER BY n.ts LIMIT 1) n
        WHERE p.symbol = g.symbol AND p.interval = g.interval AND p.ts = n.ts AND p.close_run IS NOT NULL;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER price_data_context_deleted AFTER DELETE ON price_data REFERENCING OLD TABLE AS gone
      FOR EACH STATEMENT EXECUTE FUNCTION price_data_context_deleted()`);

    // The quality pass collects, per symbol and in parallel workers, the timestamps of bars its rules give attention to.
    await q.query(`CREATE AGGREGATE quality_ts_list(timestamptz) (SFUNC = array_append, STYPE = timestamptz[], COMBINEFUNC = array_cat, PARALLEL = SAFE)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP AGGREGATE quality_ts_list(timestamptz)`);
    await q.query(`DROP TRIGGER price_data_context_deleted ON price_data`);
    await q.query(`DROP FUNCTION price_data_context_deleted()`);
    await q.query(`DROP TRIGGER price_data_context_moved ON price_data`);
    await q.query(`DROP FUNCTION price_data_context_moved()`);
    await q.query(`DROP TRIGGER price_data_context_revised ON price_data`);
    await q.query(`DROP FUNCTION price_data_context_revised()`);
    await q.query(`DROP INDEX "public"."price_data_context_pending"`);
    await q.query(`ALTER TABLE "price_data" DROP COLUMN "trading_day", DROP COLUMN "missing_sessions", DROP COLUMN "volume_z",
      DROP COLUMN "close_run", DROP COLUMN "prev_close", DROP COLUMN "prev_ts"`);
  }
}
