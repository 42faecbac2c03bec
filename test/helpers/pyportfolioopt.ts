// PyPortfolioOpt's test data (test/fixtures/pyportfolioopt, MIT; see its NOTICE.md) as Panels, and its test setup:
// setup_efficient_frontier() = mean_historical_return(df) and sample_cov(df) over the whole file.
import fs from 'node:fs';
import path from 'node:path';
import { meanHistoricalReturn, returnsFromPrices, type Panel } from '../../src/optimize/returns';
import { riskMatrix } from '../../src/optimize/risk-models';

export function readWideCsv(file: string): Panel {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const symbols = header.split(',').slice(1);
  const dates: string[] = [];
  const columns = symbols.map(() => new Float64Array(lines.length));
  lines.forEach((line, t) => {
    const cells = line.split(',');
    dates.push(cells[0]);
    symbols.forEach((_, j) => (columns[j][t] = cells[j + 1] === '' || cells[j + 1] === undefined ? NaN : Number(cells[j + 1])));
  });
  return { symbols, dates, columns };
}

// dist/test/helpers → the repository root (fixtures are read from the source tree).
const projectRoot = path.resolve(__dirname, '..', '..', '..');
export const fixture = (name: string) => path.join(projectRoot, 'test', 'fixtures', 'pyportfolioopt', name);

let cached: { prices: Panel; returns: Panel; mu: Float64Array; cov: number[][] } | null = null;
export function pyportfoliooptData() {
  if (cached) return cached;
  const prices = readWideCsv(fixture('stock_prices.csv'));
  const returns = returnsFromPrices(prices);
  cached = { prices, returns, mu: meanHistoricalReturn(returns), cov: riskMatrix(returns, 'sample_cov').cov };
  return cached;
}

/** PyPortfolioOpt's portfolio_performance: (μᵀw, √(wᵀΣw), (μᵀw − rf)/σ). */
export function performance(w: ArrayLike<number>, mu: ArrayLike<number>, cov: number[][], rf: number): [number, number, number] {
  let r = 0;
  let v = 0;
  for (let i = 0; i < w.length; i++) {
    r += w[i] * mu[i];
    for (let j = 0; j < w.length; j++) v += w[i] * cov[i][j] * w[j];
  }
  const s = Math.sqrt(v);
  return [r, s, (r - rf) / s];
}
