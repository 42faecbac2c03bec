// Whole shares for a budget at given prices, as PyPortfolioOpt's DiscreteAllocation (pypfopt/discrete_allocation.py,
// v1.5.6): `greedy` buys floor(w·V/p) of each asset, then one share at a time of the most under-weight one it can
// afford; `exact` is the integer program min Σ|wV − xp| + leftover (x whole, leftover ≥ 0), solved by HiGHS. With
// short weights, longs and shorts are allocated separately (shorts with short_ratio × V), as PyPortfolioOpt does.
import { solve } from './solver';

export interface AllocationInput {
  weights: Record<string, number>;
  prices: Record<string, number>;
  /** @default 10000 */
  totalValue?: number;
  /** Short proceeds as a share of totalValue. @default the sum of the short weights */
  shortRatio?: number;
  /** Also invest the short proceeds in the longs. @default false */
  reinvest?: boolean;
}

export interface Allocation {
  /** symbol → shares (negative = short), zero positions left out. */
  shares: Record<string, number>;
  leftover: number;
  /** RMSE between the target weights and the weights the shares give (PyPortfolioOpt's _allocation_rmse_error). */
  rmse: number;
}

function check(input: AllocationInput): void {
  for (const [s, w] of Object.entries(input.weights)) {
    if (!Number.isFinite(w)) throw new RangeError(`weight of ${s} is not a number`);
    const p = input.prices[s];
    if (!(p > 0)) throw new RangeError(`no positive latest price for ${s}`);
  }
  if (!((input.totalValue ?? 10000) > 0)) throw new RangeError('the budget must be greater than zero');
  if ((input.shortRatio ?? 0) < 0) throw new RangeError('shortRatio must be non-negative');
}

export function allocationRmse(weights: Record<string, number>, prices: Record<string, number>, shares: Record<string, number>): number {
  let value = 0;
  for (const [s, q] of Object.entries(shares)) value += q * prices[s];
  let sse = 0;
  const entries = Object.entries(weights);
  for (const [s, w] of entries) sse += (w - (shares[s] ? (shares[s] * prices[s]) / value : 0)) ** 2;
  return Math.sqrt(sse / entries.length);
}

type LongOnly = (weights: [string, number][], prices: Record<string, number>, value: number) => Promise<{ shares: Record<string, number>; leftover: number }>;

async function splitLongShort(input: AllocationInput, longOnly: LongOnly, sortByWeight: boolean): Promise<Allocation> {
  check(input);
  const value = input.totalValue ?? 10000;
  let entries = Object.entries(input.weights);
  if (sortByWeight) entries = entries.sort((a, b) => b[1] - a[1]);
  const shortsPresent = entries.some(([, w]) => w < 0);
  let shares: Record<string, number>;
  let leftover: number;
  if (shortsPresent) {
    const longs = entries.filter(([, w]) => w >= 0);
    const shorts = entries.filter(([, w]) => w < 0).map(([s, w]) => [s, -w] as [string, number]);
    const lt = longs.reduce((a, [, w]) => a + w, 0);
    const st = shorts.reduce((a, [, w]) => a + w, 0);
    const shortRatio = input.shortRatio ?? st;
    const shortValue = value * shortRatio;
    const longValue = value + (input.reinvest ? shortValue : 0);
    const l = await longOnly(longs.map(([s, w]) => [s, w / lt]), input.prices, longValue);
    const s = await longOnly(shorts.map(([k, w]) => [k, w / st]), input.prices, shortValue);
    shares = { ...l.shares };
    for (const [k, q] of Object.entries(s.shares)) shares[k] = -q;
    leftover = l.leftover + s.leftover;
  } else ({ shares, leftover } = await longOnly(entries, input.prices, value));
  for (const k of Object.keys(shares)) if (shares[k] === 0) delete shares[k];
  return { shares, leftover, rmse: allocationRmse(input.weights, input.prices, shares) };
}

const greedyLong: LongOnly = async (weights, prices, value) => {
  const sorted = [...weights].sort((a, b) => b[1] - a[1]);
  let funds = value;
  const bought = sorted.map(([s, w]) => {
    const q = Math.trunc((w * value) / prices[s]);
    funds -= q * prices[s];
    return q;
  });
  const ideal = sorted.map(([, w]) => w);
  while (funds > 0) {
    const current = sorted.map(([s], i) => bought[i] * prices[s]);
    const total = current.reduce((a, b) => a + b, 0);
    const deficit = ideal.map((w, i) => w - current[i] / total);
    let idx = argmax(deficit);
    let counter = 0;
    while (prices[sorted[idx][0]] > funds) {
      deficit[idx] = 0;
      idx = argmax(deficit);
      if (deficit[idx] < 0 || counter === 10) break;
      counter++;
    }
    if (deficit[idx] <= 0 || counter === 10) break;
    bought[idx]++;
    funds -= prices[sorted[idx][0]];
  }
  return { shares: Object.fromEntries(sorted.map(([s], i) => [s, bought[i]])), leftover: funds };
};

function argmax(v: number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

const exactLong: LongOnly = async (weights, prices, value) => {
  // columns: x (whole shares) then u (|wV − xp|); leftover r = V − pᵀx ≥ 0; minimise Σu + r = Σu − pᵀx + V.
  const n = weights.length;
  const p = weights.map(([s]) => prices[s]);
  const cost = [...p.map((v) => -v), ...new Array<number>(n).fill(1)];
  const rows = [{ index: p.map((_, j) => j), value: p, lower: -Infinity, upper: value, label: 'budget: cost of the shares <= budget' }];
  weights.forEach(([s, w], j) => {
    rows.push({ index: [j, n + j], value: [p[j], 1], lower: w * value, upper: Infinity, label: `${s} under target` });
    rows.push({ index: [j, n + j], value: [-p[j], 1], lower: -w * value, upper: Infinity, label: `${s} over target` });
  });
  const sol = await solve({
    numCols: 2 * n, cost, lower: new Array<number>(2 * n).fill(0), upper: new Array<number>(2 * n).fill(Infinity), rows, integer: p.map((_, j) => j),
  }, { mip_rel_gap: 1e-4 });
  if (sol.status !== 'optimal') throw new RangeError(`the share allocation has no solution (HiGHS: ${sol.solverStatus}); try the greedy method`);
  const shares = Object.fromEntries(weights.map(([s], j) => [s, Math.round(sol.x[j])]));
  const spent = weights.reduce((a, [s]) => a + shares[s] * prices[s], 0);
  return { shares, leftover: value - spent };
};

export const greedyAllocation = (input: AllocationInput) => splitLongShort(input, greedyLong, true);
export const exactAllocation = (input: AllocationInput) => splitLongShort(input, exactLong, false);
