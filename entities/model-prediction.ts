import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One prediction of one trained model for one symbol's bar. */
@Entity({ name: 'model_prediction' })
@Index('model_prediction_uq', ['modelTrainingRunId', 'symbol', 'ts'], { unique: true })
@Index('model_prediction_symbol_idx', ['symbol', 'ts'])
export class ModelPrediction {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'model_training_run_id', type: 'uuid' }) modelTrainingRunId: string;
  @Column({ type: 'varchar', length: 32 }) symbol: string;
  @Column({ type: 'timestamptz' }) ts: Date;
  @Column({ type: 'double precision' }) value: number;
  @Column({ name: 'feature_set_version', type: 'varchar', length: 32 }) featureSetVersion: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
