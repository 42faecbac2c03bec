// The demo's optimisation step: the demo universe (AAPL, GOOG, SPY) as of the demo's last day, with the demo model's
// predictions as expected returns and a Ledoit-Wolf covariance, allocated in whole shares for 100,000; prints weights.
import crypto from 'node:crypto';
import type { Runtime } from '../runtime';
import { optimizePortfolio, type OptimizeSummary } from '../../workflows/optimize';
import { startAndFollow } from './follow';

export async function runDemoOptimize(rt: Runtime, noWorker: boolean, modelTrainingRunId: string, symbols: string[], asOf: string): Promise<number> {
  let infeasible = false;
  const code = await startAndFollow({
    rt, workflow: optimizePortfolio, workflowId: `tickflow-optimize-demo-${crypto.randomUUID().slice(0, 8)}`, json: false, wait: true, noWorker,
    input: {
      symbols, asOf, returns: { model: 'model_predictions', modelTrainingRunId }, risk: { model: 'ledoit_wolf_constant_variance' },
      objective: { kind: 'max_quadratic_utility', riskAversion: 2 }, constraints: { weightBounds: [0.05, 0.6] },
      allocation: { budget: 100_000, method: 'exact' },
    },
    summary: (s: OptimizeSummary) => {
      const o = s.optimization;
      infeasible = o.status !== 'optimal';
      const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(2)}%`);
      return [
        `\n✓ optimization demo (model ${modelTrainingRunId.slice(0, 8)}… predictions → max quadratic utility, Ledoit-Wolf risk)`,
        `  weights         ${Object.entries(o.weights).map(([k, w]) => `${k} ${pct(w)}`).join(', ')}`,
        `  expected        return ${pct(o.expectedReturn)}, volatility ${pct(o.volatility)}, Sharpe ${o.sharpe?.toFixed(2) ?? '–'}`,
        ...(s.allocation ? [`  100,000 buys    ${Object.entries(s.allocation.shares).map(([k, q]) => `${q} ${k}`).join(', ')} (leftover ${s.allocation.leftover.toFixed(2)})`] : []),
        `  report          npx tickflow optimize show ${o.optimizationId} --html optimization.html`,
      ].join('\n');
    },
  });
  return code === 0 && infeasible ? 1 : code;
}
