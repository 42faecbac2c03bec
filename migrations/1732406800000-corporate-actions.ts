import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Splits and dividends, and where each bar's adjusted close came from (the vendor, or our own adjustment). */
export class CorporateActions1732406800000 implements MigrationInterface {
  name = 'CorporateActions1732406800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "corporate_action" ("id" BIGSERIAL NOT NULL, "symbol" character varying(32) NOT NULL, "ex_date" date NOT NULL,
      "kind" character varying(8) NOT NULL, "ratio" double precision, "amount" double precision, "source" character varying(64) NOT NULL,
      "pipeline_run_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("id"),
      CONSTRAINT "corporate_action_kind_ck" CHECK ((kind = 'split' AND ratio > 0) OR (kind = 'dividend' AND amount >= 0)))`);
    await q.query(`CREATE UNIQUE INDEX "corporate_action_uq" ON "corporate_action" ("symbol", "ex_date", "kind")`);
    // vendor: adj_close came with the data; computed: we derived it from corporate_action; NULL: no adjustment known.
    await q.query(`ALTER TABLE "price_data" ADD "adj_source" character varying(16)`);
    await q.query(`UPDATE "price_data" SET "adj_source" = 'vendor' WHERE "adj_close" IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "price_data" DROP COLUMN "adj_source"`);
    await q.query(`DROP INDEX "public"."corporate_action_uq"`);
    await q.query(`DROP TABLE "corporate_action"`);
  }
}
