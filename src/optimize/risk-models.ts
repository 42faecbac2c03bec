// Risk models (annualised covariance matrices) with PyPortfolioOpt's conventions (pypfopt/risk_models.py, v1.5.6,
// and the scikit-learn estimators it calls): sample covariance is pairwise complete (pandas DataFrame.cov), the
// shrinkage estimators read missing returns as 0 (np.nan_to_num), and every matrix that is not positive
// semidefinite is repaired by clipping its negative eigenvalues ('spectral'), with a warning saying how much.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { riskModelNames } from '../contracts/optimize';
import { ewmMean, missing, pairCov, type Panel } from './returns';

export type Cov = number[][];

export type RiskModel = (typeof riskModelNames)[number];

export interface RiskOptions {
  /** Periods per year. @default 252 */
  frequency?: number;
  /** semicovariance: returns below this (per period) count as downside. @default 0.000079 (PyPortfolioOpt's) */
  benchmark?: number;
  /** exp_cov: span in periods. @default 180 */
  span?: number;
}

export interface RiskEstimate {
  cov: Cov;
  /** Shrinkage intensity of the shrinkage estimators. */
  shrinkage?: number;
  /** Set when the matrix was repaired: how far from positive semidefinite it was. */
  psdRepair?: PsdRepair;
}

export interface PsdRepair {
  negativeEigenvalues: number;
  mostNegativeEigenvalue: number;
  /** Frobenius norm of the change, absolute and relative to the matrix's. */
  frobeniusChange: number;
  relativeChange: number;
  message: string;
}

const zeros = (n: number): Cov => Array.from({ length: n }, () => new Array<number>(n).fill(0));
const scaled = (m: Cov, k: number): Cov => m.map((row) => row.map((v) => v * k));
const nanToZero = (c: Float64Array) => Float64Array.from(c, (v) => (missing(v) ? 0 : v));

/** Pairwise-complete sample covariance per period (pandas .cov(), ddof 1). Complete columns take a fast path. */
export function pairwiseCov(columns: Float64Array[]): Cov {
  const n = columns.length;
  const out = zeros(n);
  const complete = columns.map((c) => c.every((v) => !missing(v)));
  const centred = columns.map((c, j) => {
    if (!complete[j]) return c;
    let m = 0;
    for (const v of c) m += v;
    m /= c.length;
    return Float64Array.from(c, (v) => v - m);
  });
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let v: number;
      if (complete[i] && complete[j]) {
        const a = centred[i];
        const b = centred[j];
        let s = 0;
        for (let t = 0; t < a.length; t++) s += a[t] * b[t];
        v = s / (a.length - 1);
      } else v = pairCov(columns[i], columns[j]);
      out[i][j] = v;
      out[j][i] = v;
    }
  }
  return out;
}

/** Cholesky of M + 1e-16 I succeeds (numpy's test in _is_positive_semidefinite). */
export function isPositiveSemidefinite(m: Cov): boolean {
  const n = m.length;
  const l = zeros(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = m[i][j] + (i === j ? 1e-16 : 0);
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      if (i === j) {
        if (!(s > 0)) return false;
        l[i][i] = Math.sqrt(s);
      } else l[i][j] = s / l[j][j];
    }
  }
  return true;
}

/** PyPortfolioOpt's fix_nonpositive_semidefinite(fix_method='spectral'): V max(Λ, 0) Vᵀ, reporting the change. */
export function fixNonPositiveSemidefinite(m: Cov): { cov: Cov; repair?: PsdRepair } {
  if (isPositiveSemidefinite(m)) return { cov: m };
  const eig = new EigenvalueDecomposition(new Matrix(m), { assumeSymmetric: true });
  const values = eig.realEigenvalues;
  const vectors = eig.eigenvectorMatrix;
  const clipped = values.map((v) => Math.max(v, 0));
  const n = m.length;
  const fixed = zeros(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors.get(i, k) * clipped[k] * vectors.get(j, k);
      fixed[i][j] = s;
    }
  }
  let change = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) (change += (fixed[i][j] - m[i][j]) ** 2), (norm += m[i][j] ** 2);
  const negative = values.filter((v) => v < 0);
  const repair: PsdRepair = {
    negativeEigenvalues: negative.length,
    mostNegativeEigenvalue: Math.min(...values),
    frobeniusChange: Math.sqrt(change),
    relativeChange: Math.sqrt(change / norm),
    message: '',
  };
  repair.message = `the covariance matrix was not positive semidefinite (${repair.negativeEigenvalues} negative eigenvalue(s), the lowest ${repair.mostNegativeEigenvalue.toExponential(3)}); `
    + `negative eigenvalues were set to 0, changing it by ${repair.frobeniusChange.toExponential(3)} (Frobenius norm, ${(100 * repair.relativeChange).toFixed(4)}% of the matrix)`;
  return { cov: fixed, repair };
}

function finish(cov: Cov, frequency: number, shrinkage?: number): RiskEstimate {
  const { cov: fixed, repair } = fixNonPositiveSemidefinite(scaled(cov, frequency));
  return { cov: fixed, ...(shrinkage !== undefined ? { shrinkage } : {}), ...(repair ? { psdRepair: repair } : {}) };
}

const shrunk = (s: { cov: Cov; delta: number }, frequency: number) => finish(s.cov, frequency, s.delta);

/** Semicovariance: E[min(r − b, 0) min(r − b, 0)ᵀ] over every date (a missing return counts as no shortfall). */
function semicovariance(r: Panel, benchmark: number): Cov {
  const drops = r.columns.map((c) => Float64Array.from(c, (v) => (missing(v) ? 0 : Math.min(v - benchmark, 0))));
  const n = drops.length;
  const t = r.dates.length;
  const out = zeros(n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < t; k++) s += drops[i][k] * drops[j][k];
      out[i][j] = out[j][i] = s / t;
    }
  }
  return out;
}

/** Exponentially weighted covariance: the last ewm mean (span) of (x − x̄)(y − ȳ), x̄ over each asset's own values. */
function expCov(r: Panel, span: number): Cov {
  const n = r.columns.length;
  const means = r.columns.map((c) => {
    let s = 0;
    let k = 0;
    for (const v of c) if (!missing(v)) (s += v), k++;
    return s / k;
  });
  const out = zeros(n);
  const t = r.dates.length;
  const product = new Float64Array(t);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      for (let k = 0; k < t; k++) product[k] = (r.columns[i][k] - means[i]) * (r.columns[j][k] - means[j]);
      out[i][j] = out[j][i] = ewmMean(product, span)[t - 1];
    }
  }
  return out;
}

/** Centred columns (missing → 0 first) and their biased covariance X'X / T. */
function centredZeroFilled(r: Panel): { xm: Float64Array[]; t: number } {
  const t = r.dates.length;
  const xm = r.columns.map((c) => {
    const z = nanToZero(c);
    let m = 0;
    for (const v of z) m += v;
    m /= t;
    return Float64Array.from(z, (v) => v - m);
  });
  return { xm, t };
}

function crossProducts(a: Float64Array[], b: Float64Array[], t: number): Cov {
  return a.map((x, i) => b.map((y, j) => {
    if (a === b && j < i) return NaN; // filled below
    let s = 0;
    for (let k = 0; k < t; k++) s += x[k] * y[k];
    return s;
  })).map((row, i, all) => row.map((v, j) => (missing(v) ? all[j][i] : v)));
}

/** scikit-learn ledoit_wolf (shrink towards μI of the biased covariance). */
function ledoitWolfConstantVariance(r: Panel): { cov: Cov; delta: number } {
  const { xm, t } = centredZeroFilled(r);
  const n = xm.length;
  const emp = crossProducts(xm, xm, t).map((row) => row.map((v) => v / t));
  let mu = 0;
  for (let i = 0; i < n; i++) mu += emp[i][i];
  mu /= n;
  const x2 = xm.map((c) => Float64Array.from(c, (v) => v * v));
  let beta = 0;
  let delta = 0;
  const x2x2 = crossProducts(x2, x2, t);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) (beta += x2x2[i][j]), (delta += (emp[i][j] * t) ** 2);
  delta /= t * t;
  beta = (1 / (n * t)) * (beta / t - delta);
  let traceSum = 0;
  for (let i = 0; i < n; i++) traceSum += emp[i][i];
  delta = (delta - 2 * mu * traceSum + n * mu * mu) / n;
  beta = Math.min(beta, delta);
  const shrinkage = beta === 0 ? 0 : beta / delta;
  return { cov: emp.map((row, i) => row.map((v, j) => (1 - shrinkage) * v + (i === j ? shrinkage * mu : 0))), delta: shrinkage };
}

/** Ledoit & Wolf (2003) single-index target, as PyPortfolioOpt's _ledoit_wolf_single_factor. */
function ledoitWolfSingleFactor(r: Panel): { cov: Cov; delta: number } {
  const { xm, t } = centredZeroFilled(r);
  const n = xm.length;
  const xmkt = new Float64Array(t);
  for (const c of xm) for (let k = 0; k < t; k++) xmkt[k] += c[k] / n;
  // np.cov(...) * (t − 1) / t: biased covariances of the centred columns and the market.
  const mktMean = xmkt.reduce((a, b) => a + b, 0) / t;
  const mk = Float64Array.from(xmkt, (v) => v - mktMean);
  const sample = crossProducts(xm, xm, t).map((row) => row.map((v) => v / t));
  const betas = xm.map((c) => {
    let s = 0;
    for (let k = 0; k < t; k++) s += c[k] * mk[k];
    return s / t;
  });
  const varmkt = mk.reduce((a, v) => a + v * v, 0) / t;
  const f = betas.map((bi, i) => betas.map((bj, j) => (i === j ? sample[i][i] : (bi * bj) / varmkt)));
  let c = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c += (sample[i][j] - f[i][j]) ** 2;
  const y = xm.map((col) => Float64Array.from(col, (v) => v * v));
  const yy = crossProducts(y, y, t);
  let p = 0;
  let sumSample2 = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) (p += yy[i][j] / t), (sumSample2 += sample[i][j] ** 2);
  p -= sumSample2;
  let rdiag = 0;
  for (let i = 0; i < n; i++) rdiag += yy[i][i] / t - sample[i][i] ** 2;
  // z = Xm ∘ xmkt (the uncentred market column, as in PyPortfolioOpt)
  const z = xm.map((col) => Float64Array.from(col, (v, k) => v * xmkt[k]));
  const yz = crossProducts(y, z, t);
  const zz = crossProducts(z, z, t);
  let roff1 = 0;
  let diagV1 = 0;
  let roff3 = 0;
  let diagV3 = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v1 = yz[i][j] / t - betas[i] * sample[i][j];
      roff1 += (v1 * betas[j]) / varmkt;
      const v3 = zz[i][j] / t - varmkt * sample[i][j];
      roff3 += (v3 * betas[i] * betas[j]) / varmkt ** 2;
      if (i === j) {
        diagV1 += (v1 * betas[i]) / varmkt;
        diagV3 += (v3 * betas[i] ** 2) / varmkt ** 2;
      }
    }
  }
  const roff = 2 * (roff1 - diagV1) - (roff3 - diagV3);
  const k = (p - (rdiag + roff)) / c;
  const delta = Math.max(0, Math.min(1, k / t));
  return { cov: sample.map((row, i) => row.map((v, j) => delta * f[i][j] + (1 - delta) * v)), delta };
}

/** Ledoit & Wolf (2004) constant-correlation target, as PyPortfolioOpt's _ledoit_wolf_constant_correlation. */
function ledoitWolfConstantCorrelation(r: Panel): { cov: Cov; delta: number } {
  const { xm, t } = centredZeroFilled(r);
  const n = xm.length;
  const s = pairwiseCov(r.columns);
  const std = s.map((row, i) => Math.sqrt(row[i]));
  let corrSum = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) corrSum += s[i][j] / (std[i] * std[j]);
  const rBar = (corrSum - n) / (n * (n - 1));
  const f = s.map((row, i) => row.map((v, j) => (i === j ? v : rBar * std[i] * std[j])));
  const y = xm.map((c) => Float64Array.from(c, (v) => v * v));
  const yy = crossProducts(y, y, t);
  const help = crossProducts(xm, xm, t).map((row) => row.map((v) => v / t));
  const x3 = xm.map((c) => Float64Array.from(c, (v) => v * v * v));
  const term1 = crossProducts(x3, xm, t);
  let piHat = 0;
  let piDiag = 0;
  let thetaSum = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const pi = yy[i][j] / t - (2 * help[i][j] * t * s[i][j]) / t + s[i][j] ** 2;
      piHat += pi;
      if (i === j) {
        piDiag += pi;
        continue;
      }
      const theta = term1[i][j] / t - help[i][i] * s[i][j] - help[i][j] * s[i][i] + s[i][i] * s[i][j];
      thetaSum += (std[j] / std[i]) * theta;
    }
  }
  const rhoHat = piDiag + rBar * thetaSum;
  let gamma = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) gamma += (s[i][j] - f[i][j]) ** 2;
  const delta = Math.max(0, Math.min(1, (piHat - rhoHat) / gamma / t));
  return { cov: s.map((row, i) => row.map((v, j) => delta * f[i][j] + (1 - delta) * v)), delta };
}

/** scikit-learn's oas (Chen et al. 2010, the formula of scikit-learn ≥ 1.3) on the biased covariance. */
function oracleApproximating(r: Panel): { cov: Cov; delta: number } {
  const { xm, t } = centredZeroFilled(r);
  const n = xm.length;
  const emp = crossProducts(xm, xm, t).map((row) => row.map((v) => v / t));
  let alpha = 0;
  let mu = 0;
  for (let i = 0; i < n; i++) {
    mu += emp[i][i] / n;
    for (let j = 0; j < n; j++) alpha += emp[i][j] ** 2 / (n * n);
  }
  const num = alpha + mu * mu;
  const den = (t + 1) * (alpha - (mu * mu) / n);
  const shrinkage = den === 0 ? 1 : Math.min(num / den, 1);
  return { cov: emp.map((row, i) => row.map((v, j) => (1 - shrinkage) * v + (i === j ? shrinkage * mu : 0))), delta: shrinkage };
}

/** The annualised covariance of `returns` by `model` (returns as from returnsFromPrices: per period, NaN = missing). */
export function riskMatrix(returns: Panel, model: RiskModel, opts: RiskOptions = {}): RiskEstimate {
  const frequency = opts.frequency ?? 252;
  switch (model) {
    case 'sample_cov': return finish(pairwiseCov(returns.columns), frequency);
    case 'semicovariance': return finish(semicovariance(returns, opts.benchmark ?? 0.000079), frequency);
    case 'exp_cov': return finish(expCov(returns, opts.span ?? 180), frequency);
    case 'ledoit_wolf_constant_variance': return shrunk(ledoitWolfConstantVariance(returns), frequency);
    case 'ledoit_wolf_single_factor': return shrunk(ledoitWolfSingleFactor(returns), frequency);
    case 'ledoit_wolf_constant_correlation': return shrunk(ledoitWolfConstantCorrelation(returns), frequency);
    case 'oracle_approximating': return shrunk(oracleApproximating(returns), frequency);
  }
}

/** Correlation from covariance. */
export function covToCorr(cov: Cov): Cov {
  const d = cov.map((row, i) => Math.sqrt(row[i]));
  return cov.map((row, i) => row.map((v, j) => v / (d[i] * d[j])));
}
