// The one door to HiGHS (the `highs` npm package: HiGHS compiled to WebAssembly). LP, MILP and convex QP all go
// through `solve`: columns with bounds, labelled linear rows, an optional dense quadratic block over the first
// columns (objective ½ xᵀQx + cᵀx, minimised). The WebAssembly module is loaded once per process.
import loadHighs from 'highs';

type Highs = Awaited<ReturnType<typeof loadHighs>>;

export interface LinearRow {
  index: number[];
  value: number[];
  lower: number;
  upper: number;
  /** What the row means, for diagnostics: "budget: Σw = 1", "sector tech ≤ 0.2". */
  label: string;
}

export interface Problem {
  numCols: number;
  cost: ArrayLike<number>;
  /** Q of ½ xᵀQx over the first `q.length` columns (symmetric, dense). */
  quadratic?: number[][];
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  rows: LinearRow[];
  /** Columns that must be whole numbers (MILP; never with `quadratic`: HiGHS has no MIQP). */
  integer?: number[];
}

export type SolveStatus = 'optimal' | 'infeasible' | 'unbounded' | 'limit' | 'error';

export interface Solution {
  status: SolveStatus;
  /** HiGHS's own model status text. */
  solverStatus: string;
  x: Float64Array;
  objective: number;
}

/**
 * Solver settings recorded with every run. The QP regularisation is 1e-10 instead of HiGHS's 1e-7: the default
 * biases weights by ~1e-7/curvature, more than the PyPortfolioOpt comparisons allow.
 */
export const SOLVER_OPTIONS = {
  primal_feasibility_tolerance: 1e-9,
  dual_feasibility_tolerance: 1e-9,
  qp_regularization_value: 1e-10,
  mip_rel_gap: 1e-4,
  time_limit: 600,
} as const;

let loading: Promise<Highs> | null = null;
export const highs = (): Promise<Highs> => (loading ??= loadHighs());

export async function solverVersion(): Promise<string> {
  const h = await highs();
  return `HiGHS ${h.version.string} (highs npm, WebAssembly)`;
}

const STATUS_NAMES: Record<number, string> = {};

/** Builds the model in HiGHS, solves it and reads the solution; the native model is always disposed. */
export async function solve(p: Problem, options: Partial<Record<keyof typeof SOLVER_OPTIONS, number>> = {}): Promise<Solution> {
  const h = await highs();
  if (!Object.keys(STATUS_NAMES).length) for (const [k, v] of Object.entries(h.constants.modelStatus)) STATUS_NAMES[v as number] = k;
  const starts = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const r of p.rows) {
    for (let k = 0; k < r.index.length; k++) {
      if (r.value[k] === 0) continue;
      indices.push(r.index[k]);
      values.push(r.value[k]);
    }
    starts.push(indices.length);
  }
  const inf = h.infinity;
  const clamp = (v: number) => (v === Infinity ? inf : v === -Infinity ? -inf : v);
  let hessian;
  if (p.quadratic?.length) {
    const q = p.quadratic;
    const hs = [0];
    const hi: number[] = [];
    const hv: number[] = [];
    for (let j = 0; j < p.numCols; j++) {
      if (j < q.length) {
        for (let i = j; i < q.length; i++) {
          if (q[i][j] === 0) continue;
          hi.push(i);
          hv.push(q[i][j]);
        }
      }
      hs.push(hi.length);
    }
    hessian = { format: 'triangular' as const, dimension: p.numCols, starts: Int32Array.from(hs), indices: Int32Array.from(hi), values: Float64Array.from(hv) };
  }
  const integrality = p.integer?.length ? Int32Array.from({ length: p.numCols }, () => 0) : undefined;
  for (const j of p.integer ?? []) integrality![j] = 1;
  const model = h.createModel();
  try {
    model.options.set({ output_flag: false, ...SOLVER_OPTIONS, ...options });
    model.passModel({
      numCols: p.numCols,
      numRows: p.rows.length,
      colCost: Float64Array.from(p.cost),
      colLower: Float64Array.from(p.lower, clamp),
      colUpper: Float64Array.from(p.upper, clamp),
      rowLower: Float64Array.from(p.rows, (r) => clamp(r.lower)),
      rowUpper: Float64Array.from(p.rows, (r) => clamp(r.upper)),
      matrix: { format: 'csr', numRows: p.rows.length, numCols: p.numCols, starts: Int32Array.from(starts), indices: Int32Array.from(indices), values: Float64Array.from(values) },
      ...(hessian ? { hessian } : {}),
      ...(integrality ? { integrality } : {}),
    });
    try {
      model.run();
    } catch (err) {
      // HiGHS reports a failed solve (e.g. numerical trouble at a degenerate target) by throwing: a status, not a crash.
      return { status: 'error', solverStatus: (err as Error).message, x: new Float64Array(p.numCols).fill(NaN), objective: NaN };
    }
    const code = model.getModelStatus() as number;
    const name = STATUS_NAMES[code] ?? String(code);
    const status: SolveStatus = name === 'optimal' ? 'optimal'
      : name === 'infeasible' ? 'infeasible'
        : name === 'unbounded' || name === 'unboundedOrInfeasible' ? 'unbounded'
          : /limit|interrupt|objective/i.test(name) ? 'limit' : 'error';
    const x = status === 'optimal' || status === 'limit' ? Float64Array.from(model.getSolution().colValue) : new Float64Array(p.numCols).fill(NaN);
    return { status, solverStatus: name, x, objective: status === 'optimal' ? model.getObjectiveValue() : NaN };
  } finally {
    model.dispose();
  }
}
