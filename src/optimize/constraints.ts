// The linear part every objective shares: weight bounds, the budget (Σw = 1, or 0 when market neutral), sector caps
// and a turnover limit against current weights, as labelled rows over the weight columns (plus the turnover's
// auxiliary columns). Objectives add their own rows and columns on top.
import type { LinearRow } from './solver';

export interface SectorConstraints {
  /** symbol → sector. */
  map: Record<string, string>;
  lower?: Record<string, number>;
  upper?: Record<string, number>;
}

export interface Constraints {
  /** [lower, upper] for every weight; null = unbounded. @default [0, 1] (long only) */
  weightBounds?: [number | null, number | null];
  /** Per-symbol bounds that replace weightBounds for that symbol. */
  bounds?: Record<string, [number | null, number | null]>;
  /** Σw = 0 instead of 1 (needs negative lower bounds: long-only bounds become [−1, 1], with a warning). */
  marketNeutral?: boolean;
  sectors?: SectorConstraints;
  /** Σ|w − current| ≤ max; `current` are today's weights (missing symbols hold 0). */
  turnover?: { max: number; current: Record<string, number> };
  /** At most this many non-zero weights (mixed-integer for linear objectives; a re-solve heuristic for quadratic ones). */
  maxHoldings?: number;
  /** L2 regularisation γ‖w‖² (PyPortfolioOpt's L2_reg). @default 0 */
  l2Gamma?: number;
}

export interface LinearSystem {
  /** Number of weight columns (the first columns). */
  assets: number;
  numCols: number;
  lower: number[];
  upper: number[];
  rows: LinearRow[];
  budget: number;
  warnings: string[];
  /** Column labels (weights by symbol, then auxiliaries). */
  colLabels: string[];
}

const bound = (v: number | null | undefined, fallback: number) => (v === null ? fallback : v ?? fallback);

export function linearSystem(symbols: string[], c: Constraints): LinearSystem {
  const n = symbols.length;
  const warnings: string[] = [];
  let [lo, hi] = [bound(c.weightBounds?.[0], 0), bound(c.weightBounds?.[1], 1)];
  if (c.weightBounds?.[0] === null) lo = -Infinity;
  if (c.weightBounds?.[1] === null) hi = Infinity;
  if (c.marketNeutral && lo >= 0) {
    warnings.push('market neutrality requires shorting: weight bounds were amended to [-1, 1] (as PyPortfolioOpt does)');
    lo = -1;
    hi = 1;
  }
  const lower = symbols.map(() => lo);
  const upper = symbols.map(() => hi);
  for (const [symbol, [l, u]] of Object.entries(c.bounds ?? {})) {
    const j = symbols.indexOf(symbol);
    lower[j] = l === null ? -Infinity : l;
    upper[j] = u === null ? Infinity : u;
  }
  const budget = c.marketNeutral ? 0 : 1;
  const all = symbols.map((_, j) => j);
  const rows: LinearRow[] = [{ index: all, value: all.map(() => 1), lower: budget, upper: budget, label: `budget: sum of weights = ${budget}` }];
  if (c.sectors) {
    const sectors = new Set([...Object.keys(c.sectors.lower ?? {}), ...Object.keys(c.sectors.upper ?? {})]);
    for (const sector of [...sectors].sort()) {
      const index = all.filter((j) => c.sectors!.map[symbols[j]] === sector);
      const l = c.sectors.lower?.[sector];
      const u = c.sectors.upper?.[sector];
      rows.push({
        index, value: index.map(() => 1), lower: l ?? -Infinity, upper: u ?? Infinity,
        label: `sector ${sector}: ${l !== undefined ? `${l} <= ` : ''}sum of weights${u !== undefined ? ` <= ${u}` : ''}`,
      });
    }
  }
  const colLabels = symbols.map((s) => `w[${s}]`);
  if (c.turnover) {
    // t_j ≥ |w_j − current_j|, Σ t ≤ max
    const t0 = n;
    for (let j = 0; j < n; j++) {
      const w0 = c.turnover.current[symbols[j]] ?? 0;
      lower.push(0);
      upper.push(Infinity);
      colLabels.push(`|w[${symbols[j]}] - current|`);
      rows.push({ index: [t0 + j, j], value: [1, -1], lower: -w0, upper: Infinity, label: `turnover part ${symbols[j]} (above current ${w0})` });
      rows.push({ index: [t0 + j, j], value: [1, 1], lower: w0, upper: Infinity, label: `turnover part ${symbols[j]} (below current ${w0})` });
    }
    rows.push({ index: all.map((j) => t0 + j), value: all.map(() => 1), lower: -Infinity, upper: c.turnover.max, label: `turnover: sum of |w - current| <= ${c.turnover.max}` });
  }
  return { assets: n, numCols: lower.length, lower, upper, rows, budget, warnings, colLabels };
}

/** Σw x_w-block activity of a row at x. */
export const activity = (r: LinearRow, x: ArrayLike<number>) => r.index.reduce((s, j, k) => s + r.value[k] * x[j], 0);
