import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Derived data follows its inputs (docs/features.md, "Staleness"):
 * - feature_data.computed_at: when a row's values were last computed (or confirmed) from the bars;
 * - price_data.updated_at is kept true by a trigger for every write of a value, plain SQL included, so a feature row
 *   older than a bar at or before it is detectable from the data alone (quality rule feature.older_than_bars);
 * - derived_staleness: one row per derived (kind, key, scope, interval) whose inputs changed and that is not
 *   recomputed yet, with the cause; written by the importer in the transaction that changes the bars.
 */
export class DerivedStaleness1732407200000 implements MigrationInterface {
  name = 'DerivedStaleness1732407200000';

  async up(q: QueryRunner): Promise<void> {
    // now() is stable, so existing rows take this migration's time without a table rewrite.
    await q.query(`ALTER TABLE "feature_data" ADD "computed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()`);
    await q.query(`CREATE FUNCTION price_data_written() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN NEW.updated_at := now(); RETURN NEW; END $$`);
    // OF + WHEN: context writes and no-op updates keep the bar's write time.
    await q.query(`CREATE TRIGGER price_data_written BEFORE UPDATE OF open, high, low, close, adj_close, volume ON price_data
      FOR EACH ROW WHEN ((OLD.open, OLD.high, OLD.low, OLD.close, OLD.adj_close, OLD.volume) IS DISTINCT FROM (NEW.open, NEW.high, NEW.low, NEW.close, NEW.adj_close, NEW.volume))
      EXECUTE FUNCTION price_data_written()`);
    await q.query(`CREATE TABLE "derived_staleness" (
      "id" BIGSERIAL NOT NULL, "derived_kind" character varying(32) NOT NULL, "derived_key" character varying(128) NOT NULL,
      "scope_key" character varying(64) NOT NULL, "interval" character varying(8) NOT NULL DEFAULT '',
      "stale_from" TIMESTAMP WITH TIME ZONE NOT NULL, "input_dataset" character varying(32) NOT NULL, "pipeline_run_id" uuid,
      "marked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "cleared_at" TIMESTAMP WITH TIME ZONE, "cleared_by_run_id" uuid,
      PRIMARY KEY ("id"))`);
    // At most one open mark per derived scope: a later change moves its stale_from earlier, never adds a second.
    await q.query(`CREATE UNIQUE INDEX "derived_staleness_open" ON "derived_staleness" ("derived_kind", "derived_key", "scope_key", "interval")
      WHERE "cleared_at" IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "derived_staleness"`);
    await q.query(`DROP TRIGGER price_data_written ON price_data`);
    await q.query(`DROP FUNCTION price_data_written()`);
    await q.query(`ALTER TABLE "feature_data" DROP COLUMN "computed_at"`);
  }
}
