import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A book of positions with its accounting choices: how lots are relieved, whether it may short, its benchmark. */
@Entity({ name: 'portfolio' })
export class Portfolio {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'char', length: 3, default: 'USD' }) currency: string;
  @Column({ name: 'lot_method', type: 'varchar', length: 8 }) lotMethod: 'fifo' | 'average' | 'specific';
  @Column({ name: 'allow_short', type: 'boolean', default: false }) allowShort: boolean;
  @Column({ name: 'benchmark_symbol', type: 'varchar', length: 32, nullable: true }) benchmarkSymbol: string | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
