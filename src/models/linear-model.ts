// The baseline trainer: ridge regression (continuous labels) or L2 logistic regression (direction labels) on
// features standardized with the TRAIN split's mean and deviation only, so validation and test never leak into the
// fit. Missing values are imputed with the train mean (0 after standardizing). Small, exact, dependency-free.
import { InputError } from '../contracts/errors';
import type { Dataset, SplitMatrix, SplitName } from './dataset';

export type ModelKind = 'ridge' | 'logistic';

/** What is saved as the artifact: enough to predict from a feature vector by name. */
export interface LinearModel {
  kind: ModelKind;
  featureNames: string[];
  mean: number[];
  std: number[];
  weights: number[];
  intercept: number;
  l2: number;
  labelColumn: string;
}

export interface TrainOutcome {
  model: LinearModel;
  metrics: Record<string, number>;
}

function standardizer(train: SplitMatrix, d: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(d).fill(0);
  const m2 = new Array<number>(d).fill(0);
  const count = new Array<number>(d).fill(0);
  for (let r = 0; r < train.rows; r++) {
    for (let j = 0; j < d; j++) {
      const v = train.x[r * d + j];
      if (Number.isNaN(v)) continue;
      const delta = v - mean[j];
      mean[j] += delta / ++count[j];
      m2[j] += delta * (v - mean[j]);
    }
  }
  // A constant (or never present) feature carries no information: std 0 → it is left out (weight 0).
  const std = m2.map((s, j) => (count[j] > 1 ? Math.sqrt(s / (count[j] - 1)) : 0));
  return { mean, std };
}

function standardized(m: SplitMatrix, d: number, mean: number[], std: number[]): Float64Array {
  const z = new Float64Array(m.rows * d);
  for (let r = 0; r < m.rows; r++) {
    for (let j = 0; j < d; j++) {
      const v = m.x[r * d + j];
      z[r * d + j] = Number.isNaN(v) || std[j] === 0 ? 0 : (v - mean[j]) / std[j];
    }
  }
  return z;
}

/** Solves A w = b for symmetric positive definite A (Cholesky); A is d×d row-major. */
export function solveSpd(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (s <= 0) throw new InputError('the normal equations are singular: features are collinear or constant (raise l2)', 'l2');
        l[i * d + i] = Math.sqrt(s);
      } else l[i * d + j] = s / l[j * d + j];
    }
  }
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * d + k] * y[k];
    y[i] = s / l[i * d + i];
  }
  const w = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < d; k++) s -= l[k * d + i] * w[k];
    w[i] = s / l[i * d + i];
  }
  return w;
}

/** Z'WZ + λI and Z'v over the rows, with an unpenalized intercept as the last coordinate. */
function normalEquations(z: Float64Array, rows: number, d: number, weight: (r: number) => number, v: (r: number) => number, l2: number) {
  const p = d + 1;
  const a = new Float64Array(p * p);
  const b = new Float64Array(p);
  const row = new Float64Array(p);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) row[j] = z[r * d + j];
    row[d] = 1;
    const w = weight(r);
    const t = v(r);
    for (let i = 0; i < p; i++) {
      const wi = w * row[i];
      b[i] += row[i] * t;
      for (let j = 0; j <= i; j++) a[i * p + j] += wi * row[j];
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) a[j * p + i] = a[i * p + j];
  for (let i = 0; i < d; i++) a[i * p + i] += l2;
  return { a, b };
}

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

function score(z: Float64Array, r: number, d: number, w: ArrayLike<number>, intercept: number): number {
  let s = intercept;
  for (let j = 0; j < d; j++) s += z[r * d + j] * w[j];
  return s;
}

function splitMetrics(kind: ModelKind, pred: Float64Array, y: Float64Array, name: SplitName): Record<string, number> {
  const n = y.length;
  if (n === 0) return { [`${name}_rows`]: 0 };
  if (kind === 'logistic') {
    let loss = 0;
    let hits = 0;
    let ones = 0;
    for (let i = 0; i < n; i++) {
      const p = Math.min(1 - 1e-12, Math.max(1e-12, pred[i]));
      loss -= y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p);
      hits += (p >= 0.5 ? 1 : 0) === y[i] ? 1 : 0;
      ones += y[i];
    }
    return { [`${name}_rows`]: n, [`${name}_logloss`]: loss / n, [`${name}_accuracy`]: hits / n, [`${name}_base_rate`]: ones / n };
  }
  let my = 0;
  let mp = 0;
  for (let i = 0; i < n; i++) (my += y[i]), (mp += pred[i]);
  my /= n;
  mp /= n;
  let sse = 0;
  let sst = 0;
  let cov = 0;
  let vp = 0;
  for (let i = 0; i < n; i++) {
    sse += (y[i] - pred[i]) ** 2;
    sst += (y[i] - my) ** 2;
    cov += (y[i] - my) * (pred[i] - mp);
    vp += (pred[i] - mp) ** 2;
  }
  // ic: Pearson correlation of prediction and label, the usual "information coefficient".
  return { [`${name}_rows`]: n, [`${name}_mse`]: sse / n, [`${name}_r2`]: sst > 0 ? 1 - sse / sst : 0, [`${name}_ic`]: vp > 0 && sst > 0 ? cov / Math.sqrt(vp * sst) : 0 };
}

export function trainLinearModel(data: Dataset, kind: ModelKind, l2: number): TrainOutcome {
  const d = data.featureNames.length;
  const train = data.splits.train;
  if (train.rows < 2) throw new InputError(`the train split has ${train.rows} row(s): nothing to fit`, 'datasetPath');
  if (kind === 'logistic' && train.y.some((v) => v !== 0 && v !== 1)) throw new InputError(`logistic regression needs a 0/1 label; ${data.labelColumn} is not`, 'model');
  const { mean, std } = standardizer(train, d);
  const z = standardized(train, d, mean, std);
  let w: Float64Array;
  if (kind === 'ridge') {
    const { a, b } = normalEquations(z, train.rows, d, () => 1, (r) => train.y[r], l2);
    w = solveSpd(a, b, d + 1);
  } else {
    // Newton's method (IRLS): a few dozen iterations converge for a convex, L2-penalized loss.
    w = new Float64Array(d + 1);
    for (let it = 0; it < 50; it++) {
      const p = new Float64Array(train.rows);
      for (let r = 0; r < train.rows; r++) p[r] = sigmoid(score(z, r, d, w, w[d]));
      const { a, b } = normalEquations(z, train.rows, d, (r) => Math.max(p[r] * (1 - p[r]), 1e-9), (r) => p[r] - train.y[r], l2);
      for (let j = 0; j < d; j++) b[j] += l2 * w[j];
      const step = solveSpd(a, b, d + 1);
      let largest = 0;
      for (let j = 0; j <= d; j++) {
        w[j] -= step[j];
        largest = Math.max(largest, Math.abs(step[j]));
      }
      if (largest < 1e-10) break;
    }
  }
  const model: LinearModel = {
    kind, featureNames: data.featureNames, mean, std, weights: Array.from(w.subarray(0, d)), intercept: w[d], l2, labelColumn: data.labelColumn,
  };
  const metrics: Record<string, number> = {};
  for (const name of ['train', 'validation', 'test'] as const) {
    const m = data.splits[name];
    const zs = name === 'train' ? z : standardized(m, d, mean, std);
    const pred = new Float64Array(m.rows);
    for (let r = 0; r < m.rows; r++) {
      const s = score(zs, r, d, model.weights, model.intercept);
      pred[r] = kind === 'logistic' ? sigmoid(s) : s;
    }
    Object.assign(metrics, splitMetrics(kind, pred, m.y, name));
  }
  return { model, metrics };
}

/** The model's output for one feature vector by name (a probability for logistic); missing → the train mean. */
export function predictOne(model: LinearModel, values: Record<string, number | null | undefined>): number {
  let s = model.intercept;
  model.featureNames.forEach((n, j) => {
    const v = values[n];
    if (v === null || v === undefined || Number.isNaN(v) || model.std[j] === 0) return;
    s += ((v - model.mean[j]) / model.std[j]) * model.weights[j];
  });
  return model.kind === 'logistic' ? sigmoid(s) : s;
}
