import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row naming this database: a random id that a dropped-and-recreated database does not share. Orchestration
 * puts it into child workflow ids, so a Temporal namespace shared by several databases (or outliving one) never
 * mistakes work done against another database for work done against this one.
 */
export class DatabaseIdentity1732407400000 implements MigrationInterface {
  name = 'DatabaseIdentity1732407400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "database_identity" ("singleton" boolean NOT NULL DEFAULT true CHECK ("singleton"), "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), PRIMARY KEY ("singleton"))`);
    await q.query(`INSERT INTO "database_identity" DEFAULT VALUES`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "database_identity"`);
  }
}
