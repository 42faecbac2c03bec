// VaR and ES backtests over a series of (VaR, ES, realised P&L) observations. Pure: no I/O.
//
// An exception is a day whose realised P&L lost more than the VaR (pnl < −VaR). Statistics: Kupiec (1995)
// proportion of failures, Christoffersen (1998) independence and conditional coverage, the Basel Committee's (1996)
// traffic light, and Acerbi & Székely's (2014) Z2 test of expected shortfall.
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import gammaln from '@stdlib/math-base-special-gammaln';

export interface BacktestObservation {
  asOf: string;
  var: number;
  es: number;
  /** Realised P&L over the horizon after asOf. */
  pnl: number;
}

export type TrafficLight = 'green' | 'yellow' | 'red';

export interface LikelihoodRatio {
  lr: number;
  pValue: number;
}

export interface BacktestResult {
  observations: number;
  expectedExceptions: number;
  exceptions: number;
  exceptionDates: string[];
  kupiec: LikelihoodRatio;
  independence: LikelihoodRatio;
  conditionalCoverage: LikelihoodRatio;
  /** Over the last 250 observations (all of them when fewer, `trafficLightObservations` says how many). */
  trafficLight: TrafficLight;
  trafficLightObservations: number;
  trafficLightExceptions: number;
  es: { z2: number; critical5pct: number; critical001pct: number; verdict: 'accept' | 'reject_5pct' | 'reject_0.01pct' };
}

/** x ln y with 0 ln 0 = 0 (the likelihood of an empty cell). */
const xlogy = (x: number, y: number) => (x === 0 ? 0 : x * Math.log(y));

/** Kupiec's LR_POF = −2 ln[(1−p)^(T−x) p^x] + 2 ln[(1−x/T)^(T−x) (x/T)^x], χ²(1) under H0. */
export function kupiecPof(exceptions: number, observations: number, p: number): LikelihoodRatio {
  const x = exceptions, t = observations;
  const lr = -2 * (xlogy(t - x, 1 - p) + xlogy(x, p)) + 2 * (xlogy(t - x, 1 - x / t) + xlogy(x, x / t));
  return { lr: Math.max(0, lr), pValue: 1 - chisquareCdf(Math.max(0, lr), 1) };
}

/** Christoffersen's independence LR from the exception indicator series (first-order Markov against iid), χ²(1). */
export function christoffersenIndependence(hits: boolean[]): LikelihoodRatio {
  let n00 = 0, n01 = 0, n10 = 0, n11 = 0;
  for (let t = 1; t < hits.length; t++) {
    if (hits[t - 1]) hits[t] ? n11++ : n10++;
    else hits[t] ? n01++ : n00++;
  }
  const pi01 = n00 + n01 ? n01 / (n00 + n01) : 0;
  const pi11 = n10 + n11 ? n11 / (n10 + n11) : 0;
  const pi = (n01 + n11) / Math.max(1, n00 + n01 + n10 + n11);
  const restricted = xlogy(n00 + n10, 1 - pi) + xlogy(n01 + n11, pi);
  const unrestricted = xlogy(n00, 1 - pi01) + xlogy(n01, pi01) + xlogy(n10, 1 - pi11) + xlogy(n11, pi11);
  const lr = Math.max(0, -2 * (restricted - unrestricted));
  return { lr, pValue: 1 - chisquareCdf(lr, 1) };
}

/** P(X ≤ k) for X ~ Binomial(n, p), summed in log space. */
export function binomialCdf(k: number, n: number, p: number): number {
  let total = 0;
  for (let i = 0; i <= Math.min(k, n); i++) {
    total += Math.exp(gammaln(n + 1) - gammaln(i + 1) - gammaln(n - i + 1) + xlogy(i, p) + xlogy(n - i, 1 - p));
  }
  return Math.min(1, total);
}

/**
 * The Basel zone of `exceptions` in `observations` at tail probability p: green while P(X ≤ x) < 95%, yellow below
 * 99.99%, red from there (Basel Committee 1996, Table 2: 250 days at 99% → green 0–4, yellow 5–9, red ≥ 10).
 */
export function trafficLight(exceptions: number, observations: number, p: number): TrafficLight {
  const cum = binomialCdf(exceptions, observations, p);
  // 1e-9: the table's boundaries are where the cumulative probability reaches the threshold, rounding aside.
  return cum < 0.95 - 1e-9 ? 'green' : cum < 0.9999 - 1e-9 ? 'yellow' : 'red';
}

/**
 * Acerbi & Székely's Z2 = Σ Xₜ Iₜ / (T · α · ESₜ) + 1 with Xₜ the realised P&L, Iₜ the exception indicator and α
 * the tail probability. E[Z2] = 0 when ES is right; a negative Z2 means ES understated. Critical values: −0.70 at
 * 5% and −1.8 at 0.01% significance, which Acerbi & Székely (2014, "Backtesting Expected Shortfall", Risk) found
 * stable across Student-t tails from 3 to 100 degrees of freedom (tabulated, not simulated per run).
 */
export function acerbiSzekelyZ2(obs: BacktestObservation[], alpha: number): number {
  if (obs.length === 0) return 0;
  let sum = 0;
  for (const o of obs) if (o.pnl < -o.var && o.es > 0) sum += o.pnl / o.es;
  return sum / (obs.length * alpha) + 1;
}

export const Z2_CRITICAL_5PCT = -0.7;
export const Z2_CRITICAL_001PCT = -1.8;
export const TRAFFIC_LIGHT_WINDOW = 250;

export function backtest(obs: BacktestObservation[], level: number): BacktestResult {
  const p = 1 - level;
  const hits = obs.map((o) => o.pnl < -o.var);
  const exceptionDates = obs.filter((_, i) => hits[i]).map((o) => o.asOf);
  const kupiec = kupiecPof(exceptionDates.length, obs.length, p);
  const independence = christoffersenIndependence(hits);
  const cc = kupiec.lr + independence.lr;
  const recent = hits.slice(-TRAFFIC_LIGHT_WINDOW);
  const recentExceptions = recent.filter(Boolean).length;
  const z2 = acerbiSzekelyZ2(obs, p);
  return {
    observations: obs.length, expectedExceptions: p * obs.length, exceptions: exceptionDates.length, exceptionDates, kupiec, independence,
    conditionalCoverage: { lr: cc, pValue: 1 - chisquareCdf(cc, 2) },
    trafficLight: trafficLight(recentExceptions, recent.length, p), trafficLightObservations: recent.length, trafficLightExceptions: recentExceptions,
    es: { z2, critical5pct: Z2_CRITICAL_5PCT, critical001pct: Z2_CRITICAL_001PCT, verdict: z2 < Z2_CRITICAL_001PCT ? 'reject_0.01pct' : z2 < Z2_CRITICAL_5PCT ? 'reject_5pct' : 'accept' },
  };
}
