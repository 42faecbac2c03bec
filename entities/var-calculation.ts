import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One value-at-risk estimate for a portfolio on a date, with the method and parameters that produced it. */
@Entity({ name: 'var_calculation' })
@Index('var_calculation_portfolio_idx', ['portfolioId', 'asOf'])
export class VaRCalculation {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'portfolio_id', type: 'varchar', length: 64 }) portfolioId: string;
  @Column({ name: 'as_of', type: 'date' }) asOf: string;
  /** historical | parametric | monte_carlo */
  @Column({ type: 'varchar', length: 16 }) method: string;
  @Column({ name: 'confidence_level', type: 'double precision' }) confidenceLevel: number;
  @Column({ name: 'horizon_days', type: 'int' }) horizonDays: number;
  @Column({ name: 'value_at_risk', type: 'double precision' }) valueAtRisk: number;
  @Column({ name: 'expected_shortfall', type: 'double precision', nullable: true }) expectedShortfall: number | null;
  @Column({ name: 'pipeline_run_id', type: 'uuid', nullable: true }) pipelineRunId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
