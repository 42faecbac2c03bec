// Why an optimisation has no solution, in the constraints' own words. Two passes: named checks of the usual
// conflicts (bounds against the budget, sector caps against bounds, holdings against bounds), then an elastic
// (phase-1) LP that lets every row and bound stretch and minimises the total stretch: the rows it had to stretch
// are the conflict, and the stretch is by how much.
import { activity, type LinearSystem } from './constraints';
import { solve, type LinearRow } from './solver';

export interface Diagnostic {
  /** The constraint, as its row label says it. */
  constraint: string;
  message: string;
  /** How far it is from satisfiable (in weight units, or in the target's units). */
  amount: number;
}

const fmt = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)).toString() : String(v));

/** Conflicts that can be read off the constraints without solving. */
export function precheck(sys: LinearSystem, symbols: string[], maxHoldings?: number): Diagnostic[] {
  const out: Diagnostic[] = [];
  const n = sys.assets;
  for (let j = 0; j < n; j++) {
    if (sys.lower[j] > sys.upper[j]) {
      out.push({ constraint: `bounds of ${symbols[j]}`, message: `lower bound ${fmt(sys.lower[j])} is above upper bound ${fmt(sys.upper[j])}`, amount: sys.lower[j] - sys.upper[j] });
    }
  }
  let lowSum = 0;
  let highSum = 0;
  for (let j = 0; j < n; j++) (lowSum += sys.lower[j]), (highSum += sys.upper[j]);
  if (lowSum > sys.budget + 1e-12) {
    out.push({ constraint: 'weight bounds vs budget', message: `the lower bounds sum to ${fmt(lowSum)}, above the budget ${sys.budget} by ${fmt(lowSum - sys.budget)}`, amount: lowSum - sys.budget });
  }
  if (highSum < sys.budget - 1e-12) {
    out.push({ constraint: 'weight bounds vs budget', message: `the upper bounds sum to ${fmt(highSum)}, below the budget ${sys.budget} by ${fmt(sys.budget - highSum)}`, amount: sys.budget - highSum });
  }
  let sectorCapSum = 0;
  let capped = new Set<number>();
  for (const r of sys.rows.filter((row) => row.label.startsWith('sector '))) {
    const name = r.label.split(':')[0];
    const members = r.index;
    const lo = members.reduce((s, j) => s + sys.lower[j], 0);
    const hi = members.reduce((s, j) => s + sys.upper[j], 0);
    if (members.length === 0 && r.lower > 0) out.push({ constraint: name, message: `has a lower cap ${fmt(r.lower)} but no symbol of the universe is in it`, amount: r.lower });
    else if (r.lower > hi + 1e-12) out.push({ constraint: name, message: `lower cap ${fmt(r.lower)} is above the sum of its members' upper bounds ${fmt(hi)} by ${fmt(r.lower - hi)}`, amount: r.lower - hi });
    if (r.upper < lo - 1e-12) out.push({ constraint: name, message: `upper cap ${fmt(r.upper)} is below the sum of its members' lower bounds ${fmt(lo)} by ${fmt(lo - r.upper)}`, amount: lo - r.upper });
    if (Number.isFinite(r.upper)) {
      sectorCapSum += Math.min(r.upper, hi);
      capped = new Set([...capped, ...members]);
    }
  }
  if (capped.size > 0 && sys.budget > 0) {
    let reachable = sectorCapSum;
    for (let j = 0; j < n; j++) if (!capped.has(j)) reachable += sys.upper[j];
    if (reachable < sys.budget - 1e-12) {
      out.push({ constraint: 'sector caps vs budget', message: `the sector upper caps and the bounds of uncapped symbols allow at most ${fmt(reachable)} invested, below the budget ${sys.budget} by ${fmt(sys.budget - reachable)}`, amount: sys.budget - reachable });
    }
  }
  if (maxHoldings !== undefined) {
    const forced = sys.lower.slice(0, n).filter((l, j) => l > 0 || sys.upper[j] < 0).length;
    if (forced > maxHoldings) out.push({ constraint: 'maxHoldings', message: `${forced} symbols have bounds that exclude 0, more than maxHoldings ${maxHoldings}`, amount: forced - maxHoldings });
    const top = sys.upper.slice(0, n).sort((a, b) => b - a).slice(0, maxHoldings).reduce((s, v) => s + v, 0);
    if (sys.budget > 0 && top < sys.budget - 1e-12) {
      out.push({ constraint: 'maxHoldings', message: `${maxHoldings} holdings at their upper bounds reach ${fmt(top)}, below the budget ${sys.budget} by ${fmt(sys.budget - top)}`, amount: sys.budget - top });
    }
  }
  return out;
}

/**
 * The elastic LP: every row and every finite weight bound gets non-negative slacks, minimise their sum.
 * Returns one diagnostic per constraint that had to stretch (empty when the linear system is feasible).
 */
export async function elasticDiagnostics(sys: LinearSystem, extraRows: LinearRow[] = []): Promise<Diagnostic[]> {
  const rows: LinearRow[] = [...sys.rows, ...extraRows];
  for (let j = 0; j < sys.numCols; j++) {
    if (Number.isFinite(sys.lower[j])) rows.push({ index: [j], value: [1], lower: sys.lower[j], upper: Infinity, label: `${sys.colLabels[j]} >= ${fmt(sys.lower[j])}` });
    if (Number.isFinite(sys.upper[j])) rows.push({ index: [j], value: [1], lower: -Infinity, upper: sys.upper[j], label: `${sys.colLabels[j]} <= ${fmt(sys.upper[j])}` });
  }
  const base = sys.numCols;
  const stretched = rows.map((r, i) => ({ ...r, index: [...r.index, base + 2 * i, base + 2 * i + 1], value: [...r.value, 1, -1] }));
  const numCols = base + 2 * rows.length;
  const cost = Array.from({ length: numCols }, (_, j) => (j >= base ? 1 : 0));
  const lower = Array.from({ length: numCols }, (_, j) => (j >= base ? 0 : -Infinity));
  const upper = Array.from({ length: numCols }, () => Infinity);
  const s = await solve({ numCols, cost, lower, upper, rows: stretched });
  if (s.status !== 'optimal' || s.objective < 1e-9) return [];
  const out: Diagnostic[] = [];
  rows.forEach((r, i) => {
    const up = s.x[base + 2 * i];
    const down = s.x[base + 2 * i + 1];
    const amount = up + down;
    if (amount < 1e-9) return;
    const value = activity(r, s.x);
    out.push({
      constraint: r.label,
      message: `${r.label} can only hold if it is relaxed by ${fmt(amount)} (nearest feasible value ${fmt(value + up - down)}; the other constraints allow at best ${fmt(value)})`,
      amount,
    });
  });
  return out.sort((a, b) => b.amount - a.amount);
}
