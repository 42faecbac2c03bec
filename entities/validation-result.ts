import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** The outcome of one data-quality rule evaluated over one scope during one pipeline run. */
@Entity({ name: 'validation_result' })
@Index('validation_result_run_idx', ['pipelineRunId'])
@Index('validation_result_rule_idx', ['rule', 'evaluatedAt'])
export class ValidationResult {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @Column({ name: 'workflow_id', type: 'varchar', length: 255, nullable: true }) workflowId: string | null;
  @Column({ type: 'varchar', length: 128 }) rule: string;
  @Column({ name: 'target_table', type: 'varchar', length: 64 }) targetTable: string;
  /** { symbols, from, to, interval, featureSetVersion? } */
  @Column({ type: 'jsonb' }) scope: unknown;
  @Column({ type: 'varchar', length: 8 }) severity: 'warn' | 'error';
  @Column({ type: 'boolean' }) blocking: boolean;
  @Column({ type: 'boolean' }) passed: boolean;
  /** The measured metric, e.g. the share of failing rows. */
  @Column({ type: 'double precision', nullable: true }) observed: number | null;
  @Column({ type: 'double precision', nullable: true }) threshold: number | null;
  @Column({ name: 'rows_checked', type: 'bigint' }) rowsChecked: string;
  @Column({ name: 'failing_rows', type: 'bigint' }) failingRows: string;
  /** Failing rows per symbol, for the per-symbol view of the report. */
  @Column({ name: 'symbol_counts', type: 'jsonb', default: () => "'{}'::jsonb" }) symbolCounts: Record<string, number>;
  /** Up to a few failing rows: keys and values, for a human to look at. */
  @Column({ type: 'jsonb' }) sample: unknown;
  @Column({ name: 'evaluated_at', type: 'timestamptz', default: () => 'now()' }) evaluatedAt: Date;
}
