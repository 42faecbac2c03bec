import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The values of one feature-set version for one bar (symbol, interval, ts), in FeatureSet.featureNames order;
 * NULL marks a value still in its indicator's warm-up. One row per bar rather than per value keeps writes and
 * range reads ~30× smaller; the view feature_values gives the long (name, value) shape.
 */
@Entity({ name: 'feature_data' })
export class FeatureData {
  @PrimaryColumn({ name: 'feature_set_version', type: 'varchar', length: 32 }) featureSetVersion: string;
  @PrimaryColumn({ type: 'varchar', length: 32 }) symbol: string;
  @PrimaryColumn({ type: 'varchar', length: 8 }) interval: string;
  @PrimaryColumn({ type: 'timestamptz' }) ts: Date;
  @Column({ type: 'double precision', array: true }) values: (number | null)[];
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  /** When the values were last computed (or confirmed unchanged) from the bars; older than a bar at or before ts = stale. */
  @Column({ name: 'computed_at', type: 'timestamptz', default: () => 'now()' }) computedAt: Date;
}
