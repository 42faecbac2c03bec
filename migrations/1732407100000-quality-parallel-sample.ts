import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Re-creates the failing-row sample aggregate as PARALLEL SAFE. CREATE AGGREGATE defaults to unsafe, and one unsafe
 * function anywhere in a statement keeps PostgreSQL from running any of it in parallel: the bar-rule pass uses it.
 */
export class QualityParallelSample1732407100000 implements MigrationInterface {
  name = 'QualityParallelSample1732407100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP AGGREGATE quality_sample(jsonb, integer)`);
    await q.query(`CREATE AGGREGATE quality_sample(jsonb, integer) (SFUNC = quality_sample_add, STYPE = jsonb, INITCOND = '[]', PARALLEL = SAFE)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP AGGREGATE quality_sample(jsonb, integer)`);
    await q.query(`CREATE AGGREGATE quality_sample(jsonb, integer) (SFUNC = quality_sample_add, STYPE = jsonb, INITCOND = '[]')`);
  }
}
