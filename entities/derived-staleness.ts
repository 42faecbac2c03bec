import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One derived scope (e.g. a feature-set version's rows of one symbol and interval) whose inputs changed from
 * `staleFrom` on and that is not recomputed yet; `clearedAt` is set when it is. Kinds and their inputs:
 * src/contracts/derived.ts. At most one open row per (kind, key, scope, interval).
 */
@Entity({ name: 'derived_staleness' })
@Index('derived_staleness_open', ['derivedKind', 'derivedKey', 'scopeKey', 'interval'], { unique: true, where: '"cleared_at" IS NULL' })
export class DerivedStaleness {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  /** What is derived: 'feature_data', later 'portfolio_position', 'var_calculation', 'document_embedding'. */
  @Column({ name: 'derived_kind', type: 'varchar', length: 32 }) derivedKind: string;
  /** Which version of it: a feature-set version, a portfolio id, an embedding model. */
  @Column({ name: 'derived_key', type: 'varchar', length: 128 }) derivedKey: string;
  /** The part of it: a symbol (or a portfolio, a document). */
  @Column({ name: 'scope_key', type: 'varchar', length: 64 }) scopeKey: string;
  /** The bar interval, '' for kinds without one. */
  @Column({ type: 'varchar', length: 8, default: '' }) interval: string;
  /** Rows at or after this instant were computed from inputs that have changed since. */
  @Column({ name: 'stale_from', type: 'timestamptz' }) staleFrom: Date;
  /** The input dataset whose change caused it, e.g. 'price_data'. */
  @Column({ name: 'input_dataset', type: 'varchar', length: 32 }) inputDataset: string;
  /** The PipelineRun that changed the input (first change since the last recompute). */
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @Column({ name: 'marked_at', type: 'timestamptz', default: () => 'now()' }) markedAt: Date;
  @Column({ name: 'cleared_at', type: 'timestamptz', nullable: true }) clearedAt: Date | null;
  /** The PipelineRun whose recompute cleared it. */
  @Column({ name: 'cleared_by_run_id', type: 'uuid', nullable: true }) clearedByRunId: string | null;
}
