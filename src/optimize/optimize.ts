// One optimisation from its input and the market data it read: estimates μ and Σ, runs the objective, measures the
// result and (optionally) traces the efficient frontier. Pure apart from the solver: the activity reads the data.
import type { OptimizeInput } from '../contracts/optimize';
import type { Constraints } from './constraints';
import { minCvar } from './cvar';
import type { Diagnostic } from './diagnostics';
import { maxReturn, meanVariance, portfolioReturn, portfolioVariance, type MeanVarianceInput, type OptimizeOutcome } from './efficient-frontier';
import { hrp, riskContributions, riskParity } from './hierarchical';
import { capmReturn, completeRows, emaHistoricalReturn, meanHistoricalReturn, returnsFromPrices, type Panel } from './returns';
import { covToCorr, riskMatrix, type Cov, type PsdRepair } from './risk-models';

export interface OptimizationData {
  /** Closes (adjusted where stored) of the universe, columns in input.symbols order. */
  prices: Panel;
  /** capm with a market symbol: its per-period returns aligned to the universe's return dates. */
  marketReturns?: Float64Array;
  /** model_predictions: annualised expected return per symbol. */
  predictedReturns?: Record<string, number>;
  /** turnover: current weights. */
  currentWeights?: Record<string, number>;
}

export interface FrontierPoint {
  expectedReturn: number;
  volatility: number;
  sharpe: number;
}

export interface OptimizationOutput {
  status: OptimizeOutcome['status'];
  weights: Record<string, number>;
  expectedReturn: number | null;
  volatility: number | null;
  sharpe: number | null;
  /** min_cvar: the CVaR per period at beta. */
  cvar?: number;
  diagnostics: Diagnostic[];
  warnings: string[];
  mu: Record<string, number>;
  riskModel: { shrinkage?: number; psdRepair?: PsdRepair };
  frontier: FrontierPoint[];
  /** Each asset's share of the portfolio variance. */
  riskContributions: Record<string, number>;
  /** √Σᵢᵢ per asset (annualised). */
  assetVolatility: Record<string, number>;
  returnRows: number;
  solves: number;
}

export function expectedReturns(input: OptimizeInput, returns: Panel, data: OptimizationData): { mu: Float64Array; warnings: string[] } {
  const r = input.returns;
  switch (r.model) {
    case 'mean_historical': return { mu: meanHistoricalReturn(returns, { compounding: r.compounding }), warnings: [] };
    case 'ema': return { mu: emaHistoricalReturn(returns, { compounding: r.compounding, span: r.span }), warnings: [] };
    case 'capm': return { mu: capmReturn(returns, { compounding: r.compounding, riskFreeRate: input.riskFreeRate, market: data.marketReturns }), warnings: [] };
    case 'model_predictions': {
      const p = data.predictedReturns ?? {};
      return { mu: Float64Array.from(input.symbols, (s) => p[s]), warnings: [] };
    }
  }
}

function constraintsOf(input: OptimizeInput, data: OptimizationData): Constraints {
  const c = input.constraints;
  return {
    weightBounds: c.weightBounds, bounds: c.bounds, marketNeutral: c.marketNeutral, sectors: c.sectors, maxHoldings: c.maxHoldings, l2Gamma: c.l2Gamma,
    ...(c.turnover ? { turnover: { max: c.turnover.max, current: data.currentWeights ?? {} } } : {}),
  };
}

/** Efficient-frontier points from the minimum-volatility return to the maximum return, evenly spaced in return. */
export async function efficientFrontier(mv: MeanVarianceInput, points: number, riskFreeRate: number): Promise<FrontierPoint[]> {
  if (points < 2) return [];
  const low = await meanVariance(mv, { kind: 'min_volatility' });
  const high = await maxReturn(mv);
  if (low.status !== 'optimal' || high === null) return [];
  const start = portfolioReturn(low.weights, mv.mu);
  const out: FrontierPoint[] = [];
  for (let i = 0; i < points; i++) {
    const target = start + ((high - start) * i) / (points - 1);
    // The last point sits a hair (1e-6 of the range) inside the maximum: at the maximum itself the QP is degenerate.
    const r = i === 0 ? low : await meanVariance(mv, { kind: 'efficient_return', targetReturn: i === points - 1 ? target - 1e-6 * (high - start) : target });
    if (r.status !== 'optimal') continue;
    const ret = portfolioReturn(r.weights, mv.mu);
    const vol = Math.sqrt(portfolioVariance(r.weights, mv.cov));
    out.push({ expectedReturn: ret, volatility: vol, sharpe: (ret - riskFreeRate) / vol });
  }
  return out;
}

export async function runOptimization(input: OptimizeInput, data: OptimizationData): Promise<OptimizationOutput> {
  const symbols = input.symbols;
  const returns = returnsFromPrices(data.prices);
  const { mu } = expectedReturns(input, returns, data);
  const risk = riskMatrix(returns, input.risk.model, { span: input.risk.span, benchmark: input.risk.benchmark });
  const cov: Cov = risk.cov;
  const warnings: string[] = risk.psdRepair ? [risk.psdRepair.message] : [];
  const constraints = constraintsOf(input, data);
  const mv: MeanVarianceInput = { symbols, mu, cov, constraints };
  const o = input.objective;
  let outcome: OptimizeOutcome;
  let cvar: number | undefined;
  switch (o.kind) {
    case 'hrp': {
      const corr = covToCorr(cov).map((row) => row.map((v) => Math.round(v * 1e6) / 1e6));
      outcome = { status: 'optimal', weights: hrp(cov, corr).weights, diagnostics: [], warnings: [], solves: 0 };
      break;
    }
    case 'risk_parity':
      outcome = { status: 'optimal', weights: riskParity(cov).weights, diagnostics: [], warnings: [], solves: 0 };
      break;
    case 'min_cvar': {
      const c = await minCvar({ symbols, scenarios: completeRows(returns), mu, constraints, beta: o.beta, targetReturn: o.targetReturn });
      outcome = c;
      cvar = c.cvar;
      break;
    }
    case 'max_sharpe':
      outcome = await meanVariance(mv, { kind: 'max_sharpe', riskFreeRate: input.riskFreeRate });
      break;
    case 'min_volatility':
      outcome = await meanVariance(mv, { kind: 'min_volatility' });
      break;
    case 'max_quadratic_utility':
      outcome = await meanVariance(mv, { kind: 'max_quadratic_utility', riskAversion: o.riskAversion });
      break;
    case 'efficient_return':
      outcome = await meanVariance(mv, { kind: 'efficient_return', targetReturn: o.targetReturn! });
      break;
    case 'efficient_risk':
      outcome = await meanVariance(mv, { kind: 'efficient_risk', targetVolatility: o.targetVolatility! });
      break;
  }
  const ok = outcome.status === 'optimal';
  const w = outcome.weights;
  const ret = ok ? portfolioReturn(w, mu) : null;
  const vol = ok ? Math.sqrt(portfolioVariance(w, cov)) : null;
  const frontier = ok && !['hrp', 'risk_parity'].includes(o.kind) && !constraints.marketNeutral ? await efficientFrontier({ ...mv, constraints: { ...constraints, maxHoldings: undefined } }, input.frontierPoints, input.riskFreeRate) : [];
  const byName = (v: ArrayLike<number>) => Object.fromEntries(symbols.map((s, j) => [s, Math.abs(v[j]) < 1e-12 ? 0 : v[j]]));
  return {
    status: outcome.status,
    weights: ok ? byName(w) : {},
    expectedReturn: ret,
    volatility: vol,
    sharpe: ret !== null && vol ? (ret - input.riskFreeRate) / vol : null,
    ...(cvar !== undefined && ok ? { cvar } : {}),
    diagnostics: outcome.diagnostics,
    warnings: [...warnings, ...outcome.warnings],
    mu: byName(mu),
    riskModel: { ...(risk.shrinkage !== undefined ? { shrinkage: risk.shrinkage } : {}), ...(risk.psdRepair ? { psdRepair: risk.psdRepair } : {}) },
    frontier,
    riskContributions: ok && vol ? byName(riskContributions(w, cov)) : {},
    assetVolatility: byName(cov.map((row, i) => Math.sqrt(row[i]))),
    returnRows: returns.dates.length,
    solves: outcome.solves,
  };
}
