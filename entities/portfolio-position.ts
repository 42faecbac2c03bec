import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** The quantity of one symbol held by one portfolio as of a timestamp (a snapshot, not a delta). */
@Entity({ name: 'portfolio_position' })
@Index('portfolio_position_asof_uq', ['portfolioId', 'symbol', 'asOf'], { unique: true })
export class PortfolioPosition {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'portfolio_id', type: 'varchar', length: 64 }) portfolioId: string;
  @Column({ type: 'varchar', length: 32 }) symbol: string;
  @Column({ type: 'double precision' }) quantity: number;
  @Column({ name: 'avg_cost', type: 'double precision' }) avgCost: number;
  @Column({ name: 'market_value', type: 'double precision', nullable: true }) marketValue: number | null;
  @Column({ name: 'as_of', type: 'timestamptz' }) asOf: Date;
}
