import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** One version of a named feature set: its definitions and the order of values in FeatureData.values. */
@Entity({ name: 'feature_set' })
@Index('feature_set_name_idx', ['name', 'createdAt'])
export class FeatureSet {
  /** Content hash of the definitions: a parameter change yields a new version. */
  @PrimaryColumn({ type: 'varchar', length: 32 }) version: string;
  @Column({ type: 'varchar', length: 64 }) name: string;
  @Column({ type: 'jsonb' }) definitions: unknown;
  /** Output names, in the order FeatureData.values stores them. */
  @Column({ name: 'feature_names', type: 'text', array: true }) featureNames: string[];
  /** Bars an indicator needs before its first value: what incremental runs must re-read. */
  @Column({ name: 'warmup_bars', type: 'int' }) warmupBars: number;
  /** The input datasets the set reads (src/contracts/derived.ts): which changes make its rows stale. */
  @Column({ type: 'text', array: true, default: () => "'{price_data}'" }) inputs: string[];
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
