import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One training of a model on one exported dataset: what it saw, how it was configured, how it scored. */
@Entity({ name: 'model_training_run' })
@Index('model_training_run_dataset_idx', ['datasetHash'])
@Index('model_training_run_started_idx', ['startedAt'])
export class ModelTrainingRun {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @Column({ name: 'model_type', type: 'varchar', length: 64 }) modelType: string;
  @Column({ name: 'dataset_path', type: 'text' }) datasetPath: string;
  @Column({ name: 'dataset_hash', type: 'varchar', length: 64 }) datasetHash: string;
  @Column({ name: 'feature_set_versions', type: 'text', array: true }) featureSetVersions: string[];
  /** { train: [from, to], validation: [...], test: [...] } */
  @Column({ name: 'split_ranges', type: 'jsonb' }) splitRanges: Record<string, unknown>;
  @Column({ name: 'hyper_parameters', type: 'jsonb', default: () => "'{}'::jsonb" }) hyperParameters: Record<string, unknown>;
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) metrics: Record<string, number>;
  @Column({ name: 'artifact_path', type: 'text', nullable: true }) artifactPath: string | null;
  @Column({ type: 'varchar', length: 16 }) status: 'running' | 'completed' | 'failed';
  @Column({ name: 'started_at', type: 'timestamptz' }) startedAt: Date;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt: Date | null;
}
