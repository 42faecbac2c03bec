// Optimize stage (in memory: the solver, not the database, is what is measured):
//   min_volatility / max_sharpe  500 assets (3 years of daily returns):  limit  the sample covariance of those returns
//   frontier_50                  a 50-point efficient frontier over 100 assets:  limit  50 single min-volatility solves
//   min_cvar                     500 assets × 2,500 scenarios (an LP):  limit  the sample covariance of those scenarios
// Returns come from a seeded one-factor model, so every run solves the same problems.
import { meanVariance } from '../../src/optimize/efficient-frontier';
import { minCvar } from '../../src/optimize/cvar';
import { efficientFrontier } from '../../src/optimize/optimize';
import { meanHistoricalReturn, type Panel } from '../../src/optimize/returns';
import { riskMatrix } from '../../src/optimize/risk-models';
import { highs } from '../../src/optimize/solver';
import { rng } from '../../src/providers/synthetic';
import { measure, type BenchContext, type BenchResult, type BenchStage } from './harness';

/** T × n daily returns: rᵢ = αᵢ + βᵢ f + εᵢ with normal f and ε (Box–Muller), seeded. */
function factorReturns(n: number, t: number, seed: number): Panel {
  const rand = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const factor = Float64Array.from({ length: t }, () => 0.01 * normal());
  const columns = Array.from({ length: n }, () => {
    const alpha = 0.0002 + 0.0006 * rand();
    const beta = 0.5 + rand();
    const idio = 0.008 + 0.015 * rand();
    return Float64Array.from(factor, (f) => alpha + beta * f + idio * normal());
  });
  return { symbols: columns.map((_, i) => `A${i}`), dates: Array.from({ length: t }, (_, i) => String(i)), columns };
}

const ratio = (limitSeconds: number, seconds: number) => limitSeconds / seconds;

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const assets = Math.max(20, Math.round(500 * ctx.scale));
  const scenarios = Math.max(100, Math.round(2500 * ctx.scale));
  const frontierAssets = Math.max(10, Math.round(100 * ctx.scale));
  const out: BenchResult[] = [];
  await highs(); // the WebAssembly module loads once per process: not part of any figure

  ctx.log(`mean-variance over ${assets} assets × 756 days`);
  const r = factorReturns(assets, 756, 1);
  const covTime = await measure(async () => riskMatrix(r, 'sample_cov'));
  const cov = covTime.result.cov;
  const mu = meanHistoricalReturn(r);
  const input = { symbols: r.symbols, mu, cov, constraints: { weightBounds: [0, 0.1] as [number, number] } };
  for (const kind of ['min_volatility', 'max_sharpe'] as const) {
    const m = await measure(() => meanVariance(input, kind === 'max_sharpe' ? { kind, riskFreeRate: 0.02 } : { kind }));
    if (m.result.status !== 'optimal') throw new Error(`${kind} over ${assets} assets: ${m.result.status}`);
    out.push({ name: `optimize.${kind}_${assets}`, value: m.seconds, unit: 's', limit: `sample covariance of ${assets} assets × 756 days (${covTime.seconds.toFixed(3)} s)`, ratio: ratio(covTime.seconds, m.seconds) });
  }

  ctx.log(`50-point frontier over ${frontierAssets} assets`);
  const f = factorReturns(frontierAssets, 756, 2);
  const fin = { symbols: f.symbols, mu: meanHistoricalReturn(f), cov: riskMatrix(f, 'sample_cov').cov, constraints: {} };
  const single = await measure(async () => {
    for (let i = 0; i < 50; i++) await meanVariance(fin, { kind: 'min_volatility' });
  });
  const frontier = await measure(() => efficientFrontier(fin, 50, 0));
  if (frontier.result.length < 45) throw new Error(`frontier: only ${frontier.result.length} of 50 points solved`);
  out.push({ name: `optimize.frontier_50x${frontierAssets}`, value: frontier.seconds, unit: 's', limit: `50 min-volatility solves of ${frontierAssets} assets (${single.seconds.toFixed(3)} s)`, ratio: ratio(single.seconds, frontier.seconds) });

  ctx.log(`min CVaR over ${assets} assets × ${scenarios} scenarios`);
  const s = factorReturns(assets, scenarios, 3);
  const scov = await measure(async () => riskMatrix(s, 'sample_cov'));
  const cvar = await measure(() => minCvar({ symbols: s.symbols, scenarios: s, constraints: { weightBounds: [0, 0.1] } }));
  if (cvar.result.status !== 'optimal') throw new Error(`min CVaR: ${cvar.result.status}`);
  out.push({ name: `optimize.min_cvar_${assets}x${scenarios}`, value: cvar.seconds, unit: 's', limit: `sample covariance of the same scenarios (${scov.seconds.toFixed(3)} s)`, ratio: ratio(scov.seconds, cvar.seconds) });
  return out;
}

export const bench: BenchStage = { stage: 'optimize', run };
