// Minimum conditional value at risk as an LP (Rockafellar & Uryasev 2000), as PyPortfolioOpt's EfficientCVaR
// (pypfopt/efficient_frontier/efficient_cvar.py, v1.5.6): min α + 1/(T(1 − β)) Σ uₜ s.t. uₜ ≥ 0,
// uₜ ≥ −rₜᵀw − α, over the T scenario returns, on the shared linear system; optionally μᵀw ≥ target.
// A holdings limit is exact here: binary zⱼ with lⱼzⱼ ≤ wⱼ ≤ uⱼzⱼ and Σz ≤ K (a MILP).
import { linearSystem, type Constraints } from './constraints';
import { elasticDiagnostics, precheck } from './diagnostics';
import type { OptimizeOutcome } from './efficient-frontier';
import type { Panel } from './returns';
import { solve, type LinearRow } from './solver';

export interface CvarInput {
  symbols: string[];
  /** Scenario returns per period, complete rows only (no NaN). */
  scenarios: Panel;
  mu?: ArrayLike<number>;
  constraints?: Constraints;
  /** Confidence level. @default 0.95 */
  beta?: number;
  targetReturn?: number;
}

export interface CvarOutcome extends OptimizeOutcome {
  /** The optimal α + 1/(T(1 − β)) Σu: the portfolio's CVaR per period. */
  cvar: number;
}

export async function minCvar(input: CvarInput): Promise<CvarOutcome> {
  const beta = input.beta ?? 0.95;
  const c = input.constraints ?? {};
  const sys = linearSystem(input.symbols, c);
  const n = sys.assets;
  const t = input.scenarios.dates.length;
  const nanW = () => new Float64Array(n).fill(NaN);
  const pre = precheck(sys, input.symbols, c.maxHoldings);
  if (pre.length) return { status: 'infeasible', weights: nanW(), cvar: NaN, diagnostics: pre, warnings: sys.warnings, solves: 0 };
  if ((c.l2Gamma ?? 0) > 0) sys.warnings.push('min_cvar is a linear program: l2Gamma is ignored');
  const alpha = sys.numCols;
  const u0 = alpha + 1;
  const numCols = u0 + t;
  const lower = [...sys.lower, -Infinity, ...new Array<number>(t).fill(0)];
  const upper = [...sys.upper, Infinity, ...new Array<number>(t).fill(Infinity)];
  const cost = new Array<number>(numCols).fill(0);
  cost[alpha] = 1;
  for (let k = 0; k < t; k++) cost[u0 + k] = 1 / (t * (1 - beta));
  const rows: LinearRow[] = [...sys.rows];
  const assets = Array.from({ length: n }, (_, j) => j);
  for (let k = 0; k < t; k++) {
    rows.push({
      index: [...assets, alpha, u0 + k], value: [...assets.map((j) => input.scenarios.columns[j][k]), 1, 1],
      lower: 0, upper: Infinity, label: `scenario ${input.scenarios.dates[k]}`,
    });
  }
  const extra: LinearRow[] = [];
  if (input.targetReturn !== undefined && input.mu) {
    extra.push({ index: assets, value: assets.map((j) => input.mu![j]), lower: input.targetReturn, upper: Infinity, label: `target return: expected return >= ${input.targetReturn}` });
  }
  let integer: number[] | undefined;
  let cols = numCols;
  if (c.maxHoldings !== undefined) {
    integer = [];
    for (let j = 0; j < n; j++) {
      const z = cols++;
      integer.push(z);
      lower.push(0);
      upper.push(1);
      cost.push(0);
      const hi = Number.isFinite(sys.upper[j]) ? sys.upper[j] : 1e3;
      const lo = Number.isFinite(sys.lower[j]) ? sys.lower[j] : -1e3;
      extra.push({ index: [j, z], value: [1, -hi], lower: -Infinity, upper: 0, label: `holding ${input.symbols[j]}` });
      if (lo < 0) extra.push({ index: [j, z], value: [1, -lo], lower: 0, upper: Infinity, label: `holding ${input.symbols[j]} (short)` });
    }
    extra.push({ index: integer, value: integer.map(() => 1), lower: -Infinity, upper: c.maxHoldings, label: `maxHoldings: at most ${c.maxHoldings} holdings` });
  }
  const s = await solve({ numCols: cols, cost, lower, upper, rows: [...rows, ...extra], integer });
  if (s.status === 'infeasible') {
    const target = extra.filter((r) => r.label.startsWith('target'));
    return { status: 'infeasible', weights: nanW(), cvar: NaN, diagnostics: await elasticDiagnostics(sys, target), warnings: sys.warnings, solves: 2 };
  }
  if (s.status !== 'optimal') {
    return { status: 'error', weights: nanW(), cvar: NaN, diagnostics: [{ constraint: 'solver', message: `HiGHS stopped with status ${s.solverStatus}`, amount: NaN }], warnings: sys.warnings, solves: 1 };
  }
  return { status: 'optimal', weights: s.x.slice(0, n), cvar: s.objective, diagnostics: [], warnings: sys.warnings, solves: 1 };
}
