import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * feature_data loses its foreign key to feature_set: PostgreSQL checked it on every COPYed row, which halved the
 * features stage's COPY speed (docs/features.md#feature_data-foreign-key). Integrity is held instead by construction
 * (the only writer registers the version in the same transaction before writing rows), by a trigger that refuses to
 * delete or rename a version that still has rows (feature_set is written rarely, so this costs nothing), and by the
 * blocking quality rule feature.registered_version, which finds rows whose version is not registered (plain SQL).
 */
export class FeatureDataWithoutFk1732408400000 implements MigrationInterface {
  name = 'FeatureDataWithoutFk1732408400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "feature_data" DROP CONSTRAINT "feature_data_set_fk"`);
    await q.query(`CREATE FUNCTION feature_set_keep_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (TG_OP = 'DELETE' OR NEW.version IS DISTINCT FROM OLD.version)
           AND EXISTS (SELECT 1 FROM feature_data WHERE feature_set_version = OLD.version) THEN
          RAISE EXCEPTION 'feature-set version % still has feature_data rows', OLD.version USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$`);
    await q.query(`CREATE TRIGGER feature_set_keep_referenced BEFORE DELETE OR UPDATE OF version ON "feature_set"
      FOR EACH ROW EXECUTE FUNCTION feature_set_keep_referenced()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER feature_set_keep_referenced ON "feature_set"`);
    await q.query(`DROP FUNCTION feature_set_keep_referenced()`);
    // Fails, naming the orphan version, if rows of an unregistered version were written meanwhile.
    await q.query(`ALTER TABLE "feature_data" ADD CONSTRAINT "feature_data_set_fk" FOREIGN KEY ("feature_set_version") REFERENCES "feature_set"("version")`);
  }
}
