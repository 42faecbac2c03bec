import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each feature-set version lists the input datasets it reads (`feature_set.inputs`), so the staleness registry marks
 * only the versions a changed input feeds: a new filing marks the `documents` set, not the price sets; a revised
 * bar marks the price sets (and the fundamental ratios, whose P/E reads the close), not the `documents` set.
 * Existing versions get theirs from their definitions' indicators (the same rule as compileFeatureSet).
 */
export class FeatureSetInputs1732408200000 implements MigrationInterface {
  name = 'FeatureSetInputs1732408200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "feature_set" ADD COLUMN "inputs" text[] NOT NULL DEFAULT '{price_data}'`);
    await q.query(`UPDATE "feature_set" s SET "inputs" = ARRAY(
      SELECT DISTINCT x FROM jsonb_array_elements(s.definitions) d,
        unnest(CASE d->>'indicator' WHEN 'document_signals' THEN ARRAY['document'] WHEN 'fundamental_ratios' THEN ARRAY['price_data', 'company_fundamental']
          ELSE ARRAY['price_data'] END) x ORDER BY x)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "feature_set" DROP COLUMN "inputs"`);
  }
}
