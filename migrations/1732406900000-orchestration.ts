import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Which Temporal Schedule started a run and for which nominal time; children found through their parent. */
export class Orchestration1732406900000 implements MigrationInterface {
  name = 'Orchestration1732406900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "pipeline_run" ADD "schedule_id" character varying(255), ADD "nominal_time" TIMESTAMP WITH TIME ZONE`);
    await q.query(`CREATE INDEX "pipeline_run_parent_idx" ON "pipeline_run" ("parent_run_id")`);
    await q.query(`CREATE INDEX "pipeline_run_schedule_idx" ON "pipeline_run" ("schedule_id", "nominal_time")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."pipeline_run_schedule_idx"`);
    await q.query(`DROP INDEX "public"."pipeline_run_parent_idx"`);
    await q.query(`ALTER TABLE "pipeline_run" DROP COLUMN "nominal_time", DROP COLUMN "schedule_id"`);
  }
}
