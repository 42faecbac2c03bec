import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One reported figure (a statement line item or ratio) for a symbol and fiscal period, as published on a date.
 * A restatement is a new row with a later published_at, never an update: exports must know what was known when.
 */
@Entity({ name: 'company_fundamental' })
@Index('company_fundamental_version_uq', ['symbol', 'metric', 'periodEnd', 'fiscalPeriod', 'publishedAt'], { unique: true })
@Index('company_fundamental_pit_idx', ['symbol', 'metric', 'publishedAt'])
export class CompanyFundamental {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'varchar', length: 32 }) symbol: string;
  /** Line item or ratio name, e.g. revenue, net_income, total_assets, eps_diluted. */
  @Column({ type: 'varchar', length: 128 }) metric: string;
  /** FY, Q1..Q4 */
  @Column({ name: 'fiscal_period', type: 'varchar', length: 8 }) fiscalPeriod: string;
  @Column({ name: 'fiscal_year', type: 'int' }) fiscalYear: number;
  @Column({ name: 'period_end', type: 'date' }) periodEnd: string;
  @Column({ type: 'double precision' }) value: number;
  @Column({ type: 'varchar', length: 16, nullable: true }) unit: string | null;
  /** The date the figure became public (filing date); point-in-time joins key on this. */
  @Column({ name: 'published_at', type: 'timestamptz' }) publishedAt: Date;
  @Column({ type: 'varchar', length: 64 }) source: string;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
