import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One optimizer run: its objective, constraints, the input window and the resulting target weights. */
@Entity({ name: 'portfolio_optimization' })
@Index('portfolio_optimization_portfolio_idx', ['portfolioId', 'createdAt'])
export class PortfolioOptimization {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'portfolio_id', type: 'varchar', length: 64 }) portfolioId: string;
  /** max_sharpe | min_volatility | risk_parity | ... */
  @Column({ type: 'varchar', length: 32 }) objective: string;
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) constraints: Record<string, unknown>;
  @Column({ name: 'window_start', type: 'date' }) windowStart: string;
  @Column({ name: 'window_end', type: 'date' }) windowEnd: string;
  /** symbol → target weight */
  @Column({ type: 'jsonb' }) weights: Record<string, number>;
  @Column({ name: 'expected_return', type: 'double precision', nullable: true }) expectedReturn: number | null;
  @Column({ name: 'expected_volatility', type: 'double precision', nullable: true }) expectedVolatility: number | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
