// Mean-variance objectives as HiGHS QPs, with PyPortfolioOpt's formulations (pypfopt/efficient_frontier, v1.5.6):
//   min_volatility         min wᵀΣw + γ‖w‖²
//   max_quadratic_utility  min −μᵀw + (δ/2) wᵀΣw + γ‖w‖²
//   efficient_return       min wᵀΣw + γ‖w‖²  s.t. μᵀw ≥ target
//   efficient_risk         max μᵀw − γ‖w‖²   s.t. wᵀΣw ≤ σ²   (HiGHS has no quadratic constraints: the Lagrangian
//                          min −μᵀw + γ‖w‖² + λ wᵀΣw is solved for the λ whose volatility is σ, by bisection on log λ)
//   max_sharpe             the standard change of variables y = k w, k ≥ 0: min yᵀΣy (+ γ‖y‖², unscaled, as
//                          PyPortfolioOpt) s.t. (μ − rf)ᵀy = 1 and every linear constraint made homogeneous in k
// on top of the shared linear system (bounds, budget, sectors, turnover).
import { activity, linearSystem, type Constraints, type LinearSystem } from './constraints';
import { elasticDiagnostics, precheck, type Diagnostic } from './diagnostics';
import type { Cov } from './risk-models';
import { solve, type LinearRow, type Problem, type Solution } from './solver';

export interface MeanVarianceInput {
  symbols: string[];
  /** Annualised expected returns. */
  mu: ArrayLike<number>;
  /** Annualised covariance. */
  cov: Cov;
  constraints?: Constraints;
}

export type MeanVarianceObjective =
  | { kind: 'min_volatility' }
  | { kind: 'max_sharpe'; riskFreeRate?: number }
  | { kind: 'max_quadratic_utility'; riskAversion?: number }
  | { kind: 'efficient_return'; targetReturn: number }
  | { kind: 'efficient_risk'; targetVolatility: number };

export interface OptimizeOutcome {
  status: 'optimal' | 'infeasible' | 'error';
  weights: Float64Array;
  diagnostics: Diagnostic[];
  warnings: string[];
  /** QP/LP solves it took. */
  solves: number;
}

export const portfolioReturn = (w: ArrayLike<number>, mu: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i] * mu[i];
  return s;
};

export function portfolioVariance(w: ArrayLike<number>, cov: Cov): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) {
    if (w[i] === 0) continue;
    let r = 0;
    for (let j = 0; j < w.length; j++) r += cov[i][j] * w[j];
    s += w[i] * r;
  }
  return s;
}

/** Q = a Σ + b I on the weight block. */
const quad = (cov: Cov, a: number, b: number) => cov.map((row, i) => row.map((v, j) => a * v + (i === j ? b : 0)));

function problemOf(sys: LinearSystem, cost: number[], q: number[][] | undefined, extraRows: LinearRow[] = []): Problem {
  return { numCols: sys.numCols, cost, quadratic: q, lower: sys.lower, upper: sys.upper, rows: [...sys.rows, ...extraRows] };
}

/** max_sharpe's homogeneous problem: columns y (weights block and auxiliaries) then k; bounds become rows in k. */
function homogenised(sys: LinearSystem, excess: ArrayLike<number>, q: number[][]): Problem {
  const k = sys.numCols;
  const rows: LinearRow[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  for (let j = 0; j < sys.numCols; j++) {
    const isWeight = j < sys.assets;
    // Auxiliary columns (turnover parts) keep their [0, ∞) bounds, which are homogeneous already.
    lower.push(isWeight ? -Infinity : sys.lower[j]);
    upper.push(isWeight ? Infinity : sys.upper[j]);
    if (!isWeight) continue;
    if (Number.isFinite(sys.lower[j])) rows.push({ index: [j, k], value: [1, -sys.lower[j]], lower: 0, upper: Infinity, label: `${sys.colLabels[j]} >= ${sys.lower[j]}` });
    if (Number.isFinite(sys.upper[j])) rows.push({ index: [j, k], value: [1, -sys.upper[j]], lower: -Infinity, upper: 0, label: `${sys.colLabels[j]} <= ${sys.upper[j]}` });
  }
  lower.push(0);
  upper.push(Infinity);
  for (const r of sys.rows) {
    if (r.lower === r.upper) rows.push({ ...r, index: [...r.index, k], value: [...r.value, -r.lower], lower: 0, upper: 0 });
    else {
      if (Number.isFinite(r.lower)) rows.push({ ...r, index: [...r.index, k], value: [...r.value, -r.lower], lower: 0, upper: Infinity });
      if (Number.isFinite(r.upper)) rows.push({ ...r, index: [...r.index, k], value: [...r.value, -r.upper], lower: -Infinity, upper: 0 });
    }
  }
  const all = Array.from({ length: sys.assets }, (_, j) => j);
  rows.push({ index: all, value: all.map((j) => excess[j]), lower: 1, upper: 1, label: '(mu - rf)^T y = 1' });
  return { numCols: k + 1, cost: new Array(k + 1).fill(0), quadratic: q, lower, upper, rows };
}

/** Keeps at most `maxHoldings` non-zero weights: re-solves with the smallest weights fixed at 0 (a heuristic for QPs). */
async function withHoldingsLimit(p: Problem, assets: number, maxHoldings: number | undefined, scale: (x: Float64Array) => Float64Array, warnings: string[]): Promise<{ s: Solution; solves: number }> {
  let s = await solve(p);
  let solves = 1;
  if (maxHoldings === undefined || s.status !== 'optimal') return { s, solves };
  for (let round = 0; round < 5; round++) {
    const w = scale(s.x);
    const held = Array.from({ length: assets }, (_, j) => j).filter((j) => Math.abs(w[j]) > 1e-8);
    if (held.length <= maxHoldings) return { s, solves };
    const keep = new Set(held.sort((a, b) => Math.abs(w[b]) - Math.abs(w[a])).slice(0, maxHoldings));
    const lower = Array.from(p.lower);
    const upper = Array.from(p.upper);
    for (let j = 0; j < assets; j++) if (!keep.has(j)) lower[j] = upper[j] = 0;
    p = { ...p, lower, upper };
    if (round === 0) {
      warnings.push(`maxHoldings ${maxHoldings} with a quadratic objective: HiGHS solves no mixed-integer QP, so the ${maxHoldings} largest weights were kept and the problem re-solved without the rest (a heuristic, not a proven optimum)`);
    }
    s = await solve(p);
    solves++;
  }
  return { s, solves };
}

async function infeasible(sys: LinearSystem, symbols: string[], c: Constraints, extra: Diagnostic[] = [], extraRows: LinearRow[] = []): Promise<Diagnostic[]> {
  const named = [...precheck(sys, symbols, c.maxHoldings), ...extra];
  const elastic = await elasticDiagnostics(sys, extraRows);
  return [...named, ...elastic.filter((e) => !named.some((d) => d.constraint === e.constraint))];
}

/** The largest μᵀw the linear constraints allow (an LP), or null when they allow none. */
export async function maxReturn(input: MeanVarianceInput): Promise<number | null> {
  const sys = linearSystem(input.symbols, input.constraints ?? {});
  const cost = Array.from({ length: sys.numCols }, (_, j) => (j < sys.assets ? -input.mu[j] : 0));
  const s = await solve(problemOf(sys, cost, undefined));
  return s.status === 'optimal' ? -s.objective : null;
}

export async function meanVariance(input: MeanVarianceInput, objective: MeanVarianceObjective): Promise<OptimizeOutcome> {
  const { symbols, mu, cov } = input;
  const c = input.constraints ?? {};
  const gamma = c.l2Gamma ?? 0;
  const sys = linearSystem(symbols, c);
  const warnings = [...sys.warnings];
  const n = sys.assets;
  const zeroCost = () => new Array<number>(sys.numCols).fill(0);
  const weightsOf = (x: Float64Array) => x.slice(0, n);
  const fail = async (extra: Diagnostic[] = [], rows: LinearRow[] = []): Promise<OptimizeOutcome> => ({
    status: 'infeasible', weights: new Float64Array(n).fill(NaN), diagnostics: await infeasible(sys, symbols, c, extra, rows), warnings, solves: 1,
  });
  const pre = precheck(sys, symbols, c.maxHoldings);
  if (pre.length) return { status: 'infeasible', weights: new Float64Array(n).fill(NaN), diagnostics: pre, warnings, solves: 0 };

  const finish = async (p: Problem, scale = weightsOf, rowsForDiagnostics: LinearRow[] = [], extra: Diagnostic[] = []): Promise<OptimizeOutcome> => {
    const { s, solves } = await withHoldingsLimit(p, n, c.maxHoldings, scale, warnings);
    if (s.status === 'infeasible') return fail(extra, rowsForDiagnostics);
    if (s.status !== 'optimal') {
      return { status: 'error', weights: new Float64Array(n).fill(NaN), diagnostics: [{ constraint: 'solver', message: `HiGHS stopped with status ${s.solverStatus}`, amount: NaN }], warnings, solves };
    }
    return { status: 'optimal', weights: scale(s.x), diagnostics: [], warnings, solves };
  };

  switch (objective.kind) {
    case 'min_volatility':
      return finish(problemOf(sys, zeroCost(), quad(cov, 2, 2 * gamma)));
    case 'max_quadratic_utility': {
      const delta = objective.riskAversion ?? 1;
      const cost = zeroCost();
      for (let j = 0; j < n; j++) cost[j] = -mu[j];
      return finish(problemOf(sys, cost, quad(cov, delta, 2 * gamma)));
    }
    case 'efficient_return': {
      const all = symbols.map((_, j) => j);
      const row: LinearRow = { index: all, value: all.map((j) => mu[j]), lower: objective.targetReturn, upper: Infinity, label: `target return: expected return >= ${objective.targetReturn}` };
      const best = await maxReturn(input);
      if (best !== null && objective.targetReturn > best + 1e-12) {
        return {
          status: 'infeasible', weights: new Float64Array(n).fill(NaN), warnings, solves: 1,
          diagnostics: [{ constraint: row.label, message: `the target return ${objective.targetReturn} is above the maximum achievable under these constraints, ${best.toPrecision(6)}, by ${(objective.targetReturn - best).toPrecision(6)}`, amount: objective.targetReturn - best }],
        };
      }
      return finish(problemOf(sys, zeroCost(), quad(cov, 2, 2 * gamma), [row]), weightsOf, [row]);
    }
    case 'efficient_risk':
      return efficientRisk(input, sys, objective.targetVolatility, gamma, warnings, fail);
    case 'max_sharpe': {
      const rf = objective.riskFreeRate ?? 0;
      const excess = Array.from(mu, (m) => m - rf);
      if (Math.max(...excess) <= 0) {
        return {
          status: 'infeasible', weights: new Float64Array(n).fill(NaN), warnings, solves: 0,
          diagnostics: [{ constraint: 'max_sharpe: risk-free rate', message: `no asset's expected return exceeds the risk-free rate ${rf} (the highest is ${Math.max(...Array.from(mu)).toPrecision(6)}): the Sharpe ratio has no positive maximum`, amount: rf - Math.max(...Array.from(mu)) }],
        };
      }
      if (gamma > 0) warnings.push('max_sharpe transforms the problem (y = k·w), so the L2 term applies to y, unscaled (as PyPortfolioOpt does)');
      const p = homogenised(sys, excess, quad(cov, 2, 2 * gamma));
      const k = sys.numCols;
      return finish(p, (x) => Float64Array.from(x.slice(0, n), (v) => v / x[k]));
    }
  }
}

async function efficientRisk(
  input: MeanVarianceInput, sys: LinearSystem, target: number, gamma: number, warnings: string[],
  fail: (extra?: Diagnostic[]) => Promise<OptimizeOutcome>,
): Promise<OptimizeOutcome> {
  const { mu, cov } = input;
  const n = sys.assets;
  const nan = () => new Float64Array(n).fill(NaN);
  const minVol = await meanVariance({ ...input, constraints: { ...input.constraints, l2Gamma: 0, maxHoldings: undefined } }, { kind: 'min_volatility' });
  if (minVol.status !== 'optimal') return minVol;
  const floor = Math.sqrt(portfolioVariance(minVol.weights, cov));
  const label = `target volatility: volatility <= ${target}`;
  if (target < floor - 1e-9) {
    return { status: 'infeasible', weights: nan(), warnings, solves: minVol.solves, diagnostics: [{ constraint: label, message: `the target volatility ${target} is below the minimum volatility achievable under these constraints, ${floor.toPrecision(6)}, by ${(floor - target).toPrecision(6)}`, amount: floor - target }] };
  }
  const cost = new Array<number>(sys.numCols).fill(0);
  for (let j = 0; j < n; j++) cost[j] = -mu[j];
  let solves = minVol.solves;
  const at = async (lambda: number) => {
    solves++;
    const s = await solve({ numCols: sys.numCols, cost, quadratic: quad(cov, 2 * lambda, 2 * gamma), lower: sys.lower, upper: sys.upper, rows: sys.rows });
    if (s.status !== 'optimal') return null;
    const w = s.x.slice(0, n);
    return { w, vol: Math.sqrt(portfolioVariance(w, cov)) };
  };
  // λ = 0 is the unconstrained-by-risk optimum (an LP without L2); if it is within the target, the constraint is slack.
  const free = await at(0);
  if (free && free.vol <= target) return { status: 'optimal', weights: free.w, diagnostics: [], warnings, solves };
  let lo = 1e-8;
  let hi = 1;
  let best = await at(hi);
  for (let i = 0; best && best.vol > target && i < 60; i++) {
    lo = hi;
    hi *= 4;
    best = await at(hi);
  }
  if (!best) return fail();
  if (best.vol > target) return { ...minVol, weights: minVol.weights, warnings: [...warnings, 'efficient_risk: the target equals the minimum volatility; the minimum-volatility portfolio is returned'], solves };
  for (let i = 0; i < 200 && hi / lo > 1 + 1e-15; i++) {
    const mid = Math.sqrt(lo * hi);
    const r = await at(mid);
    if (!r) return fail();
    if (r.vol > target) lo = mid;
    else {
      hi = mid;
      best = r;
    }
    if (Math.abs(r.vol - target) < 1e-12 * target) {
      best = r;
      break;
    }
  }
  return { status: 'optimal', weights: best.w, diagnostics: [], warnings, solves };
}

export { activity };
