import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One completed activity of a workflow execution: the datasets it read and the one it wrote.
 * Written in the same transaction as the activity's data, so a failed attempt leaves no row and
 * (workflow_id, run_id, activity_id) is unique: exactly one row per completed activity in the history.
 */
@Entity({ name: 'data_lineage' })
@Index('data_lineage_activity_uq', ['workflowId', 'runId', 'activityId'], { unique: true })
@Index('data_lineage_run_idx', ['pipelineRunId'])
@Index('data_lineage_output_idx', ['outputDataset'])
export class DataLineage {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'pipeline_run_id', type: 'uuid' }) pipelineRunId: string;
  @Column({ name: 'workflow_id', type: 'varchar', length: 255 }) workflowId: string;
  @Column({ name: 'run_id', type: 'varchar', length: 64 }) runId: string;
  @Column({ name: 'activity_id', type: 'varchar', length: 64 }) activityId: string;
  @Column({ name: 'activity_type', type: 'varchar', length: 128 }) activityType: string;
  @Column({ type: 'int' }) attempt: number;
  /** Dataset references read, e.g. ["file:data/prices/AAPL.csv", "price_data:1d:AAPL,GOOG:2016-01-01..2017-12-31"]. */
  @Column({ name: 'input_datasets', type: 'jsonb' }) inputDatasets: string[];
  @Column({ name: 'output_dataset', type: 'text' }) outputDataset: string;
  @Column({ name: 'rows_in', type: 'bigint' }) rowsIn: string;
  @Column({ name: 'rows_out', type: 'bigint' }) rowsOut: string;
  /** Stage-specific facts: date range, quarantined rows, revisions, file path... */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) details: Record<string, unknown>;
  @Column({ name: 'content_hash', type: 'varchar', length: 64, nullable: true }) contentHash: string | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
