// Value-at-risk and expected shortfall of a linear portfolio from a window of daily returns. Pure: no I/O, no clock.
//
// Conventions (docs/risk.md): P&L is in the portfolio's currency, a loss is negative P&L; VaR and ES are reported as
// positive losses at confidence level α over a horizon of h sessions. A scenario's P&L is Σᵢ Vᵢ·rᵢ with Vᵢ the signed
// market value of position i at the close of the as-of date and rᵢ the asset's simple return: for equities this is full
// revaluation (a position's value is linear in its price). Cash has no market risk.
import normalPdf from '@stdlib/stats-base-dists-normal-pdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tPdf from '@stdlib/stats-base-dists-t-pdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import gammaln from '@stdlib/math-base-special-gammaln';
import boxMuller from '@stdlib/random-base-box-muller';
import chisquareRandom from '@stdlib/random-base-chisquare';
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';

export const RISK_METHODS = [
  'historical', 'age_weighted_historical', 'filtered_historical', 'parametric_normal', 'parametric_t', 'cornish_fisher', 'monte_carlo',
] as const;
export type RiskMethod = (typeof RISK_METHODS)[number];

/** How a multi-day figure was obtained: √h × the 1-day figure, or from overlapping h-day returns. */
export type HorizonScaling = 'none' | 'sqrt_time' | 'overlapping';

/** The returns window of one as-of date: one column of daily simple returns per asset (oldest first, equal lengths). */
export interface ReturnsWindow {
  symbols: string[];
  returns: Float64Array[];
  /** Signed market value of each asset at the close of the as-of date. */
  exposures: Float64Array;
}

export interface MethodOptions {
  /** Decay of age weights (Boudoukh, Richardson & Whitelaw 1998). @default 0.98 */
  ageDecay?: number;
  /** EWMA decay for filtered historical simulation and EWMA covariance (RiskMetrics 1996). @default 0.94 */
  ewmaLambda?: number;
  /** Covariance of the parametric methods. @default 'sample' */
  covariance?: 'sample' | 'ewma';
  /** Monte Carlo paths. @default 10000 */
  paths?: number;
  /** Monte Carlo seed (MT19937). @default 1 */
  seed?: number;
  /** Monte Carlo shocks: multivariate normal, or multivariate Student t with the portfolio's fitted dof. @default 'normal' */
  shocks?: 'normal' | 't';
}

export interface Contribution {
  symbol: string;
  exposure: number;
  /** ∂VaR/∂Vᵢ: VaR per unit of currency added to the position. */
  marginal: number;
  /** Vᵢ · marginal (Euler allocation): the components sum to the VaR. */
  component: number;
}

export interface Estimate {
  var: number;
  es: number;
  /** 'fallback': the method's assumptions failed and another method's figure is reported (reason says which). */
  status: 'ok' | 'fallback';
  reason: string | null;
  horizonScaling: HorizonScaling;
  parameters: Record<string, unknown>;
  warnings: string[];
  contributions?: Contribution[];
}

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

/** Compounded returns over every overlapping run of h consecutive days: length n − h + 1. */
export function overlappingReturns(daily: Float64Array, h: number): Float64Array {
  if (h === 1) return daily;
  const out = new Float64Array(Math.max(0, daily.length - h + 1));
  // Running log-sum keeps this one pass; log1p/expm1 stay exact for small returns.
  let logSum = 0;
  for (let t = 0; t < daily.length; t++) {
    logSum += Math.log1p(daily[t]);
    if (t >= h) logSum -= Math.log1p(daily[t - h]);
    if (t >= h - 1) out[t - h + 1] = Math.expm1(logSum);
  }
  return out;
}

/** Scenario P&L: sₜ = Σᵢ Vᵢ rᵢₜ (one pass over the returns). */
export function scenarioPnl(returns: Float64Array[], exposures: Float64Array): Float64Array {
  const n = returns[0]?.length ?? 0;
  const s = new Float64Array(n);
  for (let i = 0; i < returns.length; i++) {
    const v = exposures[i];
    if (v === 0) continue;
    const r = returns[i];
    for (let t = 0; t < n; t++) s[t] += v * r[t];
  }
  return s;
}

const sortedCopy = (x: Float64Array) => Float64Array.from(x).sort();

/**
 * Empirical VaR and ES of equally weighted P&L scenarios: VaR = −(the (1−α) quantile, linear interpolation between
 * order statistics: numpy's default, as empyrical's value_at_risk), ES = −(mean of the scenarios at or below it, as
 * empyrical's conditional_value_at_risk).
 */
export function empiricalVarEs(pnl: Float64Array, level: number): { var: number; es: number } {
  const s = sortedCopy(pnl);
  const n = s.length;
  const pos = (1 - level) * (n - 1);
  const lo = Math.floor(pos);
  const q = lo + 1 < n ? s[lo] + (pos - lo) * (s[lo + 1] - s[lo]) : s[lo];
  let sum = 0;
  let k = 0;
  for (let i = 0; i < n && s[i] <= q; i++, k++) sum += s[i];
  return { var: -q, es: -(sum / k) };
}

/** Weighted scenarios (weights summing to 1): VaR where the cumulative weight of the worst scenarios reaches 1 − α; ES the weighted tail mean (the boundary scenario counted with the weight that completes 1 − α). */
export function weightedVarEs(pnl: Float64Array, weights: Float64Array, level: number): { var: number; es: number } {
  const order = Array.from(pnl.keys()).sort((a, b) => pnl[a] - pnl[b]);
  const tail = 1 - level;
  let cum = 0;
  let sum = 0;
  for (const i of order) {
    const w = Math.min(weights[i], tail - cum);
    sum += w * pnl[i];
    cum += w;
    if (cum >= tail - 1e-15) return { var: -pnl[i], es: -sum / tail };
  }
  return { var: -pnl[order[order.length - 1]], es: -sum / cum };
}

function moments(x: Float64Array): { mean: number; sd: number; skew: number; exKurt: number } {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let m2 = 0, m3 = 0, m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean, d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  // sd with ddof 1; skewness and kurtosis from central moments (PerformanceAnalytics' "moment" estimators).
  return { mean, sd: Math.sqrt((m2 * n) / (n - 1)), skew: m3 / m2 ** 1.5, exKurt: m4 / (m2 * m2) - 3 };
}

/** EWMA weights over a window of n (oldest first): w ∝ λ^(age), normalised to sum to 1. */
function ewmaWeights(n: number, lambda: number): Float64Array {
  const w = new Float64Array(n);
  let total = 0;
  for (let t = 0; t < n; t++) total += (w[t] = (1 - lambda) * lambda ** (n - 1 - t));
  for (let t = 0; t < n; t++) w[t] /= total;
  return w;
}

/**
 * Student-t degrees of freedom by maximum likelihood (location 0, scale free), profiled over ν by golden-section
 * search on [2.05, 200]. The scale for a given ν is the fixed point of the EM update c² = mean(wᵢ xᵢ²),
 * wᵢ = (ν + 1) / (ν + xᵢ²/c²).
 */
export function fitStudentTDof(x: Float64Array): number {
  const n = x.length;
  const loglik = (nu: number) => {
    let c2 = 0;
    for (let i = 0; i < n; i++) c2 += x[i] * x[i];
    c2 /= n;
    for (let it = 0; it < 200; it++) {
      let next = 0;
      for (let i = 0; i < n; i++) next += ((nu + 1) / (nu + (x[i] * x[i]) / c2)) * x[i] * x[i];
      next /= n;
      if (Math.abs(next - c2) <= 1e-12 * c2) break;
      c2 = next;
    }
    let ll = n * (gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * Math.log(nu * Math.PI) - 0.5 * Math.log(c2));
    for (let i = 0; i < n; i++) ll -= ((nu + 1) / 2) * Math.log1p((x[i] * x[i]) / (nu * c2));
    return ll;
  };
  // Golden section on log ν: the likelihood is flat for large ν.
  let a = Math.log(2.05), b = Math.log(200);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a), d = a + g * (b - a);
  let fc = loglik(Math.exp(c)), fd = loglik(Math.exp(d));
  while (b - a > 1e-5) {
    if (fc > fd) {
      b = d; d = c; fd = fc; c = b - g * (b - a); fc = loglik(Math.exp(c));
    } else {
      a = c; c = d; fc = fd; d = a + g * (b - a); fd = loglik(Math.exp(d));
    }
  }
  return Math.exp((a + b) / 2);
}

/** Unit-variance Student t: VaR and ES multipliers of the standard deviation at level α (McNeil, Frey & Embrechts 2005, Example 2.19). */
export function studentTMultipliers(nu: number, level: number): { var: number; es: number } {
  const q = tQuantile(level, nu);
  const unit = Math.sqrt((nu - 2) / nu);
  return { var: q * unit, es: unit * (tPdf(q, nu) / (1 - level)) * ((nu + q * q) / (nu - 1)) };
}

/** Normal: VaR = z σ, ES = σ φ(z) / (1 − α). */
export function normalMultipliers(level: number): { var: number; es: number } {
  const z = normalQuantile(level, 0, 1);
  return { var: z, es: normalPdf(z, 0, 1) / (1 - level) };
}

/**
 * Whether the Cornish-Fisher expansion is a monotone (hence valid) transformation for skewness S and excess kurtosis
 * K (Maillard 2012, "A User's Guide to the Cornish Fisher Expansion", §2): its derivative a z² + b z + c, with
 * a = K/8 − S²/6, b = S/3, c = 1 − K/8 + 5S²/36, must be ≥ 0 for every z, i.e. a ≥ 0 and b² ≤ 4ac.
 */
export function cornishFisherValid(skew: number, exKurt: number): boolean {
  const s2 = skew * skew;
  const a = exKurt / 8 - s2 / 6, b = skew / 3, c = 1 - exKurt / 8 + (5 * s2) / 36;
  return a >= 0 && c >= 0 && b * b <= 4 * a * c;
}

/** The Cornish-Fisher quantile of a standardised variable at lower-tail probability p. */
export function cornishFisherQuantile(p: number, skew: number, exKurt: number): number {
  const z = normalQuantile(p, 0, 1);
  return z + ((z * z - 1) * skew) / 6 + ((z ** 3 - 3 * z) * exKurt) / 24 - ((2 * z ** 3 - 5 * z) * skew * skew) / 36;
}

const CF_ES_POINTS = 1000;

/** Symmetric positive semi-definite covariance → a Cholesky factor; a matrix that is not positive definite is repaired by clipping its eigenvalues (warning). */
export function choleskyWithRepair(cov: Matrix): { lower: Matrix; warning: string | null } {
  const direct = new CholeskyDecomposition(cov);
  if (direct.isPositiveDefinite()) return { lower: direct.lowerTriangularMatrix, warning: null };
  const eig = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
  const values = eig.realEigenvalues;
  const floor = Math.max(...values.map(Math.abs)) * 1e-10 || 1e-18;
  const clipped = values.filter((v) => v < floor).length;
  const vectors = eig.eigenvectorMatrix;
  const d = Matrix.diag(values.map((v) => Math.max(v, floor)));
  const repaired = vectors.mmul(d).mmul(vectors.transpose());
  // Symmetrise: rounding leaves the product a hair off.
  const sym = repaired.add(repaired.transpose()).div(2);
  const again = new CholeskyDecomposition(sym);
  if (!again.isPositiveDefinite()) throw new Error('covariance could not be repaired to positive definite');
  return {
    lower: again.lowerTriangularMatrix,
    warning: `covariance not positive definite: ${clipped} of ${values.length} eigenvalues clipped to ${floor.toExponential(2)} (eigenvalue repair)`,
  };
}

/** Sample covariance (ddof 1) of the asset returns. */
export function sampleCovariance(returns: Float64Array[]): Matrix {
  const m = returns.length;
  const n = returns[0].length;
  const centred = returns.map((r) => {
    let mean = 0;
    for (let t = 0; t < n; t++) mean += r[t];
    mean /= n;
    return r.map((v) => v - mean);
  });
  const cov = new Matrix(m, m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      const a = centred[i], b = centred[j];
      let sum = 0;
      for (let t = 0; t < n; t++) sum += a[t] * b[t];
      cov.set(i, j, sum / (n - 1));
      cov.set(j, i, sum / (n - 1));
    }
  }
  return cov;
}

/** A seeded standard normal stream (MT19937 + Box-Muller): the same seed gives the same numbers on every machine. */
export function seededNormal(seed: number): () => number {
  return boxMuller.factory({ seed: seed >>> 0 || 1 });
}

// ---------------------------------------------------------------------------------------------------------------
// Methods. Each prepares the h-day P&L distribution once and reads every confidence level from it.

export interface EstimateRequest {
  method: RiskMethod;
  levels: number[];
  horizon: number;
  options?: MethodOptions;
}

type PerLevel = (level: number) => Estimate;

/** Returns over the horizon: the daily ones for h = 1, else overlapping h-day returns per asset. */
const horizonReturns = (w: ReturnsWindow, h: number) => (h === 1 ? w.returns : w.returns.map((r) => overlappingReturns(r, h)));
const empiricalScaling = (h: number): HorizonScaling => (h === 1 ? 'none' : 'overlapping');

function historical(w: ReturnsWindow, h: number): PerLevel {
  const pnl = scenarioPnl(horizonReturns(w, h), w.exposures);
  const parameters = { scenarios: pnl.length, quantile: 'linear interpolation between order statistics (numpy default)' };
  return (level) => ({ ...empiricalVarEs(pnl, level), status: 'ok', reason: null, horizonScaling: empiricalScaling(h), parameters, warnings: [] });
}

function ageWeighted(w: ReturnsWindow, h: number, decay: number): PerLevel {
  const pnl = scenarioPnl(horizonReturns(w, h), w.exposures);
  const n = pnl.length;
  const weights = new Float64Array(n);
  const norm = (1 - decay) / (1 - decay ** n);
  for (let t = 0; t < n; t++) weights[t] = decay ** (n - 1 - t) * norm;
  return (level) => ({ ...weightedVarEs(pnl, weights, level), status: 'ok', reason: null, horizonScaling: empiricalScaling(h), parameters: { scenarios: n, ageDecay: decay }, warnings: [] });
}

/**
 * Filtered historical simulation (Hull & White 1998): each asset's returns rescaled by its EWMA volatility,
 * rₜ · σ_now / σₜ, where σ²ₜ₊₁ = λσ²ₜ + (1−λ)r²ₜ starts from the window's mean square return.
 */
export function ewmaRescale(r: Float64Array, lambda: number): Float64Array {
  const n = r.length;
  let v = 0;
  for (let t = 0; t < n; t++) v += r[t] * r[t];
  v /= n;
  const sigma2 = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    sigma2[t] = v;
    v = lambda * v + (1 - lambda) * r[t] * r[t];
  }
  const now = Math.sqrt(v);
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = sigma2[t] > 0 ? (r[t] * now) / Math.sqrt(sigma2[t]) : 0;
  return out;
}

function filteredHistorical(w: ReturnsWindow, h: number, lambda: number): PerLevel {
  const inner = historical({ ...w, returns: w.returns.map((r) => ewmaRescale(r, lambda)) }, h);
  return (level) => {
    const e = inner(level);
    return { ...e, parameters: { ...e.parameters, ewmaLambda: lambda, filter: 'EWMA volatility (Hull & White 1998)' } };
  };
}

/** Portfolio σ and Σw (covariance times exposures) without forming Σ: both are one pass over the returns. */
export function portfolioSigma(returns: Float64Array[], exposures: Float64Array, covariance: 'sample' | 'ewma', lambda: number): { sigma: number; sigmaW: Float64Array; pnl: Float64Array } {
  const pnl = scenarioPnl(returns, exposures);
  const n = pnl.length;
  const sigmaW = new Float64Array(returns.length);
  let variance = 0;
  if (covariance === 'sample') {
    let mean = 0;
    for (let t = 0; t < n; t++) mean += pnl[t];
    mean /= n;
    for (let t = 0; t < n; t++) variance += (pnl[t] - mean) ** 2;
    variance /= n - 1;
    // cov(rᵢ, s) = Σ (rᵢₜ − r̄ᵢ)(sₜ − s̄) / (n − 1) = Σ rᵢₜ (sₜ − s̄) / (n − 1).
    for (let i = 0; i < returns.length; i++) {
      const r = returns[i];
      let c = 0;
      for (let t = 0; t < n; t++) c += r[t] * (pnl[t] - mean);
      sigmaW[i] = c / (n - 1);
    }
  } else {
    // RiskMetrics: zero-mean EWMA over the finite window, weights normalised to 1.
    const wts = ewmaWeights(n, lambda);
    for (let t = 0; t < n; t++) variance += wts[t] * pnl[t] * pnl[t];
    for (let i = 0; i < returns.length; i++) {
      const r = returns[i];
      let c = 0;
      for (let t = 0; t < n; t++) c += wts[t] * r[t] * pnl[t];
      sigmaW[i] = c;
    }
  }
  return { sigma: Math.sqrt(variance), sigmaW, pnl };
}

/** Euler allocation of a VaR that is k·σ_P: marginalᵢ = k (Σw)ᵢ / σ_P, componentᵢ = Vᵢ · marginalᵢ. */
function euler(w: ReturnsWindow, k: number, sigma: number, sigmaW: Float64Array): Contribution[] {
  return w.symbols.map((symbol, i) => {
    const marginal = sigma > 0 ? (k * sigmaW[i]) / sigma : 0;
    return { symbol, exposure: w.exposures[i], marginal, component: w.exposures[i] * marginal };
  });
}

function parametricNormal(w: ReturnsWindow, h: number, covariance: 'sample' | 'ewma', lambda: number): PerLevel {
  // Zero mean, iid normal daily P&L: the h-day distribution is normal with σ√h, so √h scaling is exact here.
  const { sigma, sigmaW } = portfolioSigma(w.returns, w.exposures, covariance, lambda);
  const root = Math.sqrt(h);
  return (level) => {
    const k = normalMultipliers(level);
    return {
      var: k.var * sigma * root, es: k.es * sigma * root, status: 'ok', reason: null, horizonScaling: h === 1 ? 'none' : 'sqrt_time',
      parameters: { covariance, ...(covariance === 'ewma' ? { ewmaLambda: lambda } : {}), mean: 'zero', sigma1d: sigma, z: k.var },
      warnings: [], contributions: euler(w, k.var * root, sigma, sigmaW),
    };
  };
}

function parametricT(w: ReturnsWindow, h: number, covariance: 'sample' | 'ewma', lambda: number): PerLevel {
  // A sum of t variables is not t: the h-day figure comes from overlapping h-day returns, not √h.
  const { sigma, sigmaW, pnl } = portfolioSigma(horizonReturns(w, h), w.exposures, covariance, lambda);
  const nu = fitStudentTDof(sigma > 0 ? pnl.map((x) => x / sigma) : pnl);
  return (level) => {
    const k = studentTMultipliers(nu, level);
    return {
      var: k.var * sigma, es: k.es * sigma, status: 'ok', reason: null, horizonScaling: empiricalScaling(h),
      parameters: { covariance, ...(covariance === 'ewma' ? { ewmaLambda: lambda } : {}), mean: 'zero', sigma, dof: nu, dofFit: 'maximum likelihood (location 0, scale profiled)' },
      warnings: [], contributions: euler(w, k.var, sigma, sigmaW),
    };
  };
}

/** Cornish-Fisher VaR and ES of a P&L sample; outside the expansion's domain of validity, the sample's own (historical) figures with status 'fallback'. */
export function cornishFisherVarEs(pnl: Float64Array, level: number): Omit<Estimate, 'horizonScaling' | 'warnings'> {
  const m = moments(pnl);
  const parameters = { mean: m.mean, sd: m.sd, skewness: m.skew, excessKurtosis: m.exKurt };
  if (!cornishFisherValid(m.skew, m.exKurt)) {
    const reason = `Cornish-Fisher is outside its domain of validity at skewness ${m.skew.toFixed(3)}, excess kurtosis ${m.exKurt.toFixed(3)} (Maillard 2012): historical simulation reported`;
    return { ...empiricalVarEs(pnl, level), status: 'fallback', reason, parameters: { ...parameters, fallback: 'historical' } };
  }
  const tail = 1 - level;
  // ES = −(μ + σ · mean of the CF quantile over the tail), the tail mean by the midpoint rule in probability.
  let sum = 0;
  for (let j = 0; j < CF_ES_POINTS; j++) sum += cornishFisherQuantile(((j + 0.5) / CF_ES_POINTS) * tail, m.skew, m.exKurt);
  return { var: -(m.mean + m.sd * cornishFisherQuantile(tail, m.skew, m.exKurt)), es: -(m.mean + m.sd * (sum / CF_ES_POINTS)), status: 'ok', reason: null, parameters };
}

function cornishFisher(w: ReturnsWindow, h: number): PerLevel {
  const pnl = scenarioPnl(horizonReturns(w, h), w.exposures);
  return (level) => {
    const e = cornishFisherVarEs(pnl, level);
    return { ...e, horizonScaling: empiricalScaling(h), warnings: e.reason ? [e.reason] : [] };
  };
}

function standardise(x: Float64Array): Float64Array {
  const { sd } = moments(x);
  return sd > 0 ? x.map((v) => v / sd) : x;
}

function monteCarlo(w: ReturnsWindow, h: number, o: Required<Pick<MethodOptions, 'paths' | 'seed' | 'shocks'>>): PerLevel {
  // Normal shocks are iid in time, so h days are √h × one day; t shocks are not: their covariance and dof come from
  // overlapping h-day returns.
  const normal = o.shocks === 'normal';
  const returns = normal ? w.returns : horizonReturns(w, h);
  const { lower, warning } = choleskyWithRepair(sampleCovariance(returns));
  const nu = normal ? null : fitStudentTDof(standardise(scenarioPnl(returns, w.exposures)));
  const pnl = simulatePnl(lower.to2DArray(), w.exposures, o.paths, o.seed, nu);
  const root = normal ? Math.sqrt(h) : 1;
  const parameters = { paths: o.paths, seed: o.seed, prng: 'MT19937 + Box-Muller', shocks: o.shocks, ...(nu ? { dof: nu } : {}), covariance: 'sample', assets: w.symbols.length };
  return (level) => {
    const e = empiricalVarEs(pnl, level);
    return {
      var: e.var * root, es: e.es * root, status: 'ok', reason: null, horizonScaling: h === 1 ? 'none' : normal ? 'sqrt_time' : 'overlapping',
      parameters, warnings: warning ? [warning] : [],
    };
  };
}

/**
 * Simulated P&L of `paths` correlated shocks x = L z (asset by asset: full revaluation of each position), z standard
 * normal, or multivariate t scaled to the same covariance (z · √((ν−2)/W), W ~ χ²(ν)) when `nu` is given.
 */
export function simulatePnl(lower: number[][], exposures: Float64Array, paths: number, seed: number, nu: number | null): Float64Array {
  const m = exposures.length;
  const normal = seededNormal(seed);
  const chi = nu ? chisquareRandom.factory(nu, { seed: (seed ^ 0x9e3779b9) >>> 0 || 1 }) : null;
  const z = new Float64Array(m);
  const rows = lower.map((r) => Float64Array.from(r));
  const out = new Float64Array(paths);
  for (let p = 0; p < paths; p++) {
    for (let j = 0; j < m; j++) z[j] = normal();
    const scale = chi && nu ? Math.sqrt((nu - 2) / chi()) : 1;
    let s = 0;
    for (let i = 0; i < m; i++) {
      const row = rows[i];
      let x = 0;
      for (let j = 0; j <= i; j++) x += row[j] * z[j];
      s += exposures[i] * x;
    }
    out[p] = s * scale;
  }
  return out;
}

/** VaR and ES of one method and horizon at each of `levels`, from one returns window. */
export function estimate(w: ReturnsWindow, req: EstimateRequest): Estimate[] {
  const o = req.options ?? {};
  const lambda = o.ewmaLambda ?? 0.94;
  const h = req.horizon;
  const perLevel = ((): PerLevel => {
    switch (req.method) {
      case 'historical': return historical(w, h);
      case 'age_weighted_historical': return ageWeighted(w, h, o.ageDecay ?? 0.98);
      case 'filtered_historical': return filteredHistorical(w, h, lambda);
      case 'parametric_normal': return parametricNormal(w, h, o.covariance ?? 'sample', lambda);
      case 'parametric_t': return parametricT(w, h, o.covariance ?? 'sample', lambda);
      case 'cornish_fisher': return cornishFisher(w, h);
      case 'monte_carlo': return monteCarlo(w, h, { paths: o.paths ?? 10_000, seed: o.seed ?? 1, shocks: o.shocks ?? 'normal' });
    }
  })();
  return req.levels.map(perLevel);
}
