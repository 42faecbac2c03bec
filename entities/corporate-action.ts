import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One split or cash dividend of a symbol, effective on its ex-date, as a source reported it. */
@Entity({ name: 'corporate_action' })
@Index('corporate_action_uq', ['symbol', 'exDate', 'kind'], { unique: true })
export class CorporateAction {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'varchar', length: 32 }) symbol: string;
  @Column({ name: 'ex_date', type: 'date' }) exDate: string;
  @Column({ type: 'varchar', length: 8 }) kind: 'split' | 'dividend';
  /** Splits: new shares per old share (4-for-1 → 4). */
  @Column({ type: 'double precision', nullable: true }) ratio: number | null;
  /** Dividends: cash per share. */
  @Column({ type: 'double precision', nullable: true }) amount: number | null;
  /** Dividends: the pay date where the source reports one (cash accrues from the ex-date until then). */
  @Column({ name: 'pay_date', type: 'date', nullable: true }) payDate: string | null;
  @Column({ type: 'varchar', length: 64 }) source: string;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
