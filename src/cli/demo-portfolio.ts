// The demo's portfolio step: books the bundled demo trades (data/portfolios/demo-trades.csv) into portfolio "demo",
// values it over the demo's prices and prints value, P&L, TWR, Sharpe and max drawdown beside the pipeline summary.
import crypto from 'node:crypto';
import path from 'node:path';
import { projectRoot } from '../config';
import { PortfolioRepository } from '../repositories/portfolio-repository';
import type { Runtime } from '../runtime';
import { bookTrades, portfolioValuation, type PortfolioValuationSummary } from '../../workflows/portfolio';
import { valuationLines } from './commands/portfolio';
import { startAndFollow } from './follow';

export const DEMO_PORTFOLIO = 'demo';
export const DEMO_TRADES = path.join(projectRoot, 'data', 'portfolios', 'demo-trades.csv');

export async function runDemoPortfolio(rt: Runtime, noWorker: boolean): Promise<number> {
  const repo = new PortfolioRepository(rt.dataSource);
  if (!(await repo.find(DEMO_PORTFOLIO))) {
    await repo.create({ id: DEMO_PORTFOLIO, name: 'Tickflow demo: AAPL, GOOG, SPY 2015-2017', currency: 'USD', lotMethod: 'fifo', allowShort: false, benchmarkSymbol: 'SPY' });
  }
  const id = () => crypto.randomUUID().slice(0, 8);
  let valued = false;
  const lines = (s: PortfolioValuationSummary) => {
    valued = s.valuation !== null;
    return [`\n✓ portfolio ${s.portfolioId} (${path.relative(process.cwd(), DEMO_TRADES)})`, ...valuationLines(s)].join('\n');
  };
  const booked = await startAndFollow({
    rt, workflow: bookTrades, input: { portfolioId: DEMO_PORTFOLIO, path: DEMO_TRADES, strict: false }, workflowId: `tickflow-trades-demo-${id()}`,
    json: false, wait: true, noWorker, summary: lines,
  });
  // Already booked by an earlier demo: value it again (prices may have been revised since).
  if (booked !== 0 || valued) return booked;
  return startAndFollow({
    rt, workflow: portfolioValuation, input: { portfolioId: DEMO_PORTFOLIO }, workflowId: `tickflow-value-demo-${id()}`, json: false, wait: true, noWorker, summary: lines,
  });
}
