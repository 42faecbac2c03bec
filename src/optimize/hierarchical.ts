// Hierarchical risk parity (López de Prado 2016) as PyPortfolioOpt's HRPOpt (pypfopt/hierarchical_portfolio.py,
// v1.5.6): distances sqrt(clip((1 − ρ)/2, 0, 1)), scipy's single linkage (Prim's minimum spanning tree, merges
// sorted by distance, labelled smaller cluster first), quasi-diagonal order = the dendrogram's leaves in pre-order,
// then recursive bisection of that order into halves weighted by inverse-variance cluster variances.
// Also the equal-risk-contribution portfolio (risk parity), by cyclical coordinate descent.
import type { Cov } from './risk-models';

/** scipy.cluster.hierarchy.linkage(squareform(d), 'single'): rows [a, b, distance, size], a < b. */
export function singleLinkage(dist: number[][]): [number, number, number, number][] {
  const n = dist.length;
  const merged = new Uint8Array(n);
  const best = new Float64Array(n).fill(Infinity);
  const edges: [number, number, number][] = [];
  let x = 0;
  for (let k = 0; k < n - 1; k++) {
    merged[x] = 1;
    let current = Infinity;
    let y = -1;
    for (let i = 0; i < n; i++) {
      if (merged[i]) continue;
      const d = dist[x][i];
      if (best[i] > d) best[i] = d;
      if (best[i] < current) {
        y = i;
        current = best[i];
      }
    }
    edges.push([x, y, current]);
    x = y;
  }
  // Stable sort by distance (numpy mergesort), then union-find labelling as scipy's label().
  const order = edges.map((e, i) => ({ e, i })).sort((a, b) => a.e[2] - b.e[2] || a.i - b.i).map((o) => o.e);
  const parent = Array.from({ length: 2 * n - 1 }, (_, i) => i);
  const size = new Array<number>(2 * n - 1).fill(1);
  const find = (v: number): number => {
    let r = v;
    while (parent[r] !== r) r = parent[r];
    while (parent[v] !== r) [v, parent[v]] = [parent[v], r];
    return r;
  };
  return order.map(([a, b, d], i) => {
    const ra = find(a);
    const rb = find(b);
    const id = n + i;
    parent[ra] = id;
    parent[rb] = id;
    size[id] = size[ra] + size[rb];
    return [Math.min(ra, rb), Math.max(ra, rb), d, size[id]];
  });
}

/** scipy to_tree(link).pre_order(): leaf ids, left (smaller) child first. */
export function quasiDiagonal(link: [number, number, number, number][]): number[] {
  const n = link.length + 1;
  const out: number[] = [];
  const stack = [2 * n - 2];
  while (stack.length) {
    const node = stack.pop()!;
    if (node < n) out.push(node);
    else {
      const [a, b] = link[node - n];
      stack.push(b, a);
    }
  }
  return out;
}

function clusterVariance(cov: Cov, items: number[]): number {
  const inv = items.map((i) => 1 / cov[i][i]);
  const total = inv.reduce((a, b) => a + b, 0);
  const w = inv.map((v) => v / total);
  let s = 0;
  items.forEach((i, a) => items.forEach((j, b) => (s += w[a] * cov[i][j] * w[b])));
  return s;
}

export const hrpClusterVariance = clusterVariance;

export interface HrpResult {
  weights: Float64Array;
  order: number[];
  link: [number, number, number, number][];
}

/** HRP weights from a covariance and the correlation to cluster on (PyPortfolioOpt rounds cov_to_corr to 6 places). */
export function hrp(cov: Cov, corr: Cov): HrpResult {
  const dist = corr.map((row) => row.map((r) => Math.sqrt(Math.min(Math.max((1 - r) / 2, 0), 1))));
  const link = singleLinkage(dist);
  const order = quasiDiagonal(link);
  const w = new Float64Array(cov.length).fill(1);
  let clusters = [order];
  while (clusters.length) {
    clusters = clusters.flatMap((c) => (c.length > 1 ? [c.slice(0, c.length >> 1), c.slice(c.length >> 1)] : []));
    for (let i = 0; i < clusters.length; i += 2) {
      const first = clusters[i];
      const second = clusters[i + 1];
      const v1 = clusterVariance(cov, first);
      const v2 = clusterVariance(cov, second);
      const alpha = 1 - v1 / (v1 + v2);
      for (const j of first) w[j] *= alpha;
      for (const j of second) w[j] *= 1 - alpha;
    }
  }
  return { weights: w, order, link };
}

/**
 * Equal risk contributions (Maillard, Roncalli & Teïletche 2010): min ½ yᵀΣy − Σ bᵢ log yᵢ, w = y / Σy, solved by
 * cyclical coordinate descent (Griveau-Billion, Richard & Roncalli 2013): each yᵢ is the positive root of
 * Σᵢᵢ yᵢ² + (Σy)₋ᵢ yᵢ − bᵢ = 0. Convex with a unique long-only solution; HiGHS cannot express the log barrier.
 */
export function riskParity(cov: Cov, budgets?: number[], tolerance = 1e-12, maxSweeps = 10_000): { weights: Float64Array; sweeps: number } {
  const n = cov.length;
  const b = budgets ?? new Array<number>(n).fill(1 / n);
  const y = Float64Array.from(cov, (row, i) => 1 / Math.sqrt(row[i]));
  const sigmaY = Float64Array.from(cov, (row) => row.reduce((s, v, j) => s + v * y[j], 0));
  let sweeps = 0;
  for (; sweeps < maxSweeps; sweeps++) {
    let change = 0;
    for (let i = 0; i < n; i++) {
      const a = cov[i][i];
      const c = sigmaY[i] - a * y[i];
      const next = (-c + Math.sqrt(c * c + 4 * a * b[i])) / (2 * a);
      const d = next - y[i];
      if (d !== 0) {
        for (let j = 0; j < n; j++) sigmaY[j] += cov[j][i] * d;
        y[i] = next;
        change = Math.max(change, Math.abs(d) / next);
      }
    }
    if (change < tolerance) break;
  }
  const total = y.reduce((a, v) => a + v, 0);
  return { weights: Float64Array.from(y, (v) => v / total), sweeps };
}

/** Each asset's share of portfolio variance: wᵢ (Σw)ᵢ / wᵀΣw. */
export function riskContributions(w: ArrayLike<number>, cov: Cov): Float64Array {
  const sw = Float64Array.from(cov, (row) => row.reduce((s, v, j) => s + v * w[j], 0));
  let total = 0;
  for (let i = 0; i < sw.length; i++) total += w[i] * sw[i];
  return Float64Array.from(sw, (v, i) => (w[i] * v) / total);
}
