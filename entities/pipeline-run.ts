import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type PipelineRunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** One workflow execution (workflow id + run id) and what it did: input, status, counts, timings, error. */
@Entity({ name: 'pipeline_run' })
@Index('pipeline_run_execution_uq', ['workflowId', 'runId'], { unique: true })
@Index('pipeline_run_started_idx', ['startedAt'])
@Index('pipeline_run_parent_idx', ['parentRunId'])
@Index('pipeline_run_schedule_idx', ['scheduleId', 'nominalTime'])
export class PipelineRun {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'workflow_id', type: 'varchar', length: 255 }) workflowId: string;
  @Column({ name: 'run_id', type: 'varchar', length: 64 }) runId: string;
  @Column({ name: 'workflow_type', type: 'varchar', length: 128 }) workflowType: string;
  @Column({ name: 'parent_run_id', type: 'uuid', nullable: true }) parentRunId: string | null;
  /** The Temporal Schedule that started this run, and the time it was meant for (not when it started). */
  @Column({ name: 'schedule_id', type: 'varchar', length: 255, nullable: true }) scheduleId: string | null;
  @Column({ name: 'nominal_time', type: 'timestamptz', nullable: true }) nominalTime: Date | null;
  @Column({ name: 'task_queue', type: 'varchar', length: 255 }) taskQueue: string;
  @Column({ type: 'varchar', length: 16 }) status: PipelineRunStatus;
  @Column({ type: 'jsonb' }) input: unknown;
  /** Rows per stage: { imported, quarantined, features, validations, exported, ... } */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) counts: Record<string, number>;
  /** The quality gate's decision and the ValidationResult ids it rested on. */
  @Column({ type: 'jsonb', nullable: true }) gate: unknown;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Column({ name: 'started_at', type: 'timestamptz' }) startedAt: Date;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt: Date | null;
}
