// Performance statistics of a return series: pure functions over plain arrays, with every convention explicit.
//
// Conventions (recorded on every stored PerformanceMetric row, see PerformanceConventions):
// - `returns[i]` is the simple return of period i; `null`/NaN marks a period with no return (for example the first
//   day of a portfolio). Compounding statistics treat it as a flat period (0 return) and count it in the number of
//   periods; moment statistics (mean, standard deviation, downside deviation, beta) leave it out.
// - Annualisation multiplies means by `periodsPerYear` (252 for trading days) and deviations by its square root;
//   compound annual growth uses periods / periodsPerYear as the number of years.
// - Standard deviations use `ddof` = 1 (the sample estimate), like empyrical and pandas.
// - The risk-free rate is a per-period rate subtracted from each return (a constant or a series aligned with it).
// These are the conventions of empyrical (quantopian/empyrical), whose published test values the unit tests match.

export interface PerformanceConventions {
  /** Periods in a year: 252 trading days, 52 weeks, 12 months. */
  periodsPerYear: number;
  /** Delta degrees of freedom of standard deviations. */
  ddof: number;
  /** Risk-free return per period (already de-annualised). */
  riskFreePerPeriod: number;
  /** Where the risk-free rate came from, e.g. "constant 0" or "^IRX daily close / 252". */
  riskFreeSource: string;
  /** How periods without a return are treated; fixed by this module, stored for the reader. */
  missingPeriods: 'flat-in-compounding, excluded-from-moments';
}

export const DEFAULT_CONVENTIONS: PerformanceConventions = {
  periodsPerYear: 252, ddof: 1, riskFreePerPeriod: 0, riskFreeSource: 'constant 0', missingPeriods: 'flat-in-compounding, excluded-from-moments',
};

export type Returns = ReadonlyArray<number | null>;
type Rate = number | Returns;

const present = (x: number | null | undefined): x is number => x !== null && x !== undefined && !Number.isNaN(x);
const rateAt = (rate: Rate, i: number): number | null => (typeof rate === 'number' ? rate : (rate[i] ?? null));

function mean(xs: number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function std(xs: number[], ddof: number): number {
  if (xs.length - ddof <= 0) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / (xs.length - ddof));
}

/** returns[i] − rate[i] where both exist. */
function excess(returns: Returns, rate: Rate): number[] {
  const out: number[] = [];
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i];
    const f = rateAt(rate, i);
    if (present(r) && present(f)) out.push(r - f);
  }
  return out;
}

/** Growth of 1 over the whole series, minus 1. Missing periods are flat. */
export function cumulativeReturn(returns: Returns): number {
  if (returns.length === 0) return NaN;
  let growth = 1;
  for (const r of returns) if (present(r)) growth *= 1 + r;
  return growth - 1;
}

export interface Drawdown {
  /** The largest peak-to-trough fall of cumulative wealth, as a fraction ≤ 0. */
  value: number;
  /** Index of the peak before the trough (−1: the starting wealth before the first period). */
  peak: number;
  trough: number;
  /** First index at which wealth is back at the peak; null if it never recovered. */
  recovery: number | null;
}

export function maxDrawdown(returns: Returns): Drawdown {
  if (returns.length === 0) return { value: NaN, peak: -1, trough: -1, recovery: null };
  let wealth = 1;
  let peakWealth = 1;
  let peakAt = -1;
  let worst: Drawdown = { value: 0, peak: -1, trough: -1, recovery: null };
  let worstPeakWealth = 1;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i];
    if (present(r)) wealth *= 1 + r;
    if (wealth > peakWealth) {
      peakWealth = wealth;
      peakAt = i;
    }
    const dd = wealth / peakWealth - 1;
    if (dd < worst.value) {
      worst = { value: dd, peak: peakAt, trough: i, recovery: null };
      worstPeakWealth = peakWealth;
    }
  }
  if (worst.trough >= 0) {
    wealth = 1;
    for (let i = 0; i < returns.length; i++) {
      const r = returns[i];
      if (present(r)) wealth *= 1 + r;
      if (i > worst.trough && wealth >= worstPeakWealth) {
        worst.recovery = i;
        break;
      }
    }
  }
  return worst;
}

/** Compound annual growth rate: (1 + cumulative)^(periodsPerYear / periods) − 1. */
export function annualReturn(returns: Returns, periodsPerYear = DEFAULT_CONVENTIONS.periodsPerYear): number {
  if (returns.length === 0) return NaN;
  return (1 + cumulativeReturn(returns)) ** (periodsPerYear / returns.length) - 1;
}

export function annualVolatility(returns: Returns, periodsPerYear = DEFAULT_CONVENTIONS.periodsPerYear, ddof = DEFAULT_CONVENTIONS.ddof): number {
  const xs = returns.filter(present);
  if (xs.length < 2) return NaN;
  return std(xs, ddof) * Math.sqrt(periodsPerYear);
}

/** Annualised Sharpe ratio of returns in excess of the per-period risk-free rate; ±Infinity for a riskless excess. */
export function sharpeRatio(returns: Returns, riskFree: Rate = 0, periodsPerYear = DEFAULT_CONVENTIONS.periodsPerYear, ddof = DEFAULT_CONVENTIONS.ddof): number {
  const xs = excess(returns, riskFree);
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  const s = std(xs, ddof);
  if (s === 0) return m === 0 ? NaN : m > 0 ? Infinity : -Infinity;
  return (m / s) * Math.sqrt(periodsPerYear);
}

/** Annualised root-mean-square of the shortfalls below `required` (returns above it count as 0, not as absent). */
export function downsideRisk(returns: Returns, required: Rate = 0, periodsPerYear = DEFAULT_CONVENTIONS.periodsPerYear): number {
  const xs = excess(returns, required);
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) if (x < 0) s += x * x;
  return Math.sqrt(s / xs.length) * Math.sqrt(periodsPerYear);
}

/** Annualised mean excess over `required`, divided by the annualised downside risk. */
export function sortinoRatio(returns: Returns, required: Rate = 0, periodsPerYear = DEFAULT_CONVENTIONS.periodsPerYear): number {
  const xs = excess(returns, required);
  if (xs.length < 2) return NaN;
  const annualMean = mean(xs) * periodsPerYear;
  const dr = downsideRisk(returns, required, periodsPerYear);
  if (dr === 0) return annualMean === 0 ? NaN : annualMean > 0 ? Infinity : -Infinity;
  return annualMean / dr;
}

/** Annual return over the magnitude of the maximum drawdown; NaN when there was no drawdown. */
export function calmarRatio(returns: Returns, periodsPerYear = DEFAULT_CONVENTIONS.periodsPerYear): number {
  const dd = maxDrawdown(returns).value;
  if (!(dd < 0)) return NaN;
  const ratio = annualReturn(returns, periodsPerYear) / -dd;
  return Number.isFinite(ratio) ? ratio : NaN;
}

/** Per-period mean active return over its standard deviation (empyrical's `excess_sharpe`; not annualised). */
export function excessSharpe(returns: Returns, benchmark: Rate, ddof = DEFAULT_CONVENTIONS.ddof): number {
  const active = excess(returns, benchmark);
  if (active.length < 2) return NaN;
  const s = std(active, ddof);
  return s === 0 ? NaN : mean(active) / s;
}

/** Annualised standard deviation of the active return against a benchmark. */
export function trackingError(returns: Returns, benchmark: Rate, periodsPerYear = DEFAULT_CONVENTIONS.periodsPerYear, ddof = DEFAULT_CONVENTIONS.ddof): number {
  const active = excess(returns, benchmark);
  return active.length < 2 ? NaN : std(active, ddof) * Math.sqrt(periodsPerYear);
}

/** Annualised information ratio: excessSharpe × √periodsPerYear. */
export function informationRatio(returns: Returns, benchmark: Rate, periodsPerYear = DEFAULT_CONVENTIONS.periodsPerYear, ddof = DEFAULT_CONVENTIONS.ddof): number {
  return excessSharpe(returns, benchmark, ddof) * Math.sqrt(periodsPerYear);
}

export interface AlphaBeta {
  /** Annualised by compounding the mean per-period alpha: (1 + ᾱ)^periodsPerYear − 1. */
  alpha: number;
  beta: number;
}

/**
 * CAPM alpha and beta against a benchmark, over the periods where both have a return. Beta is
 * cov(excess benchmark, excess return) / var(excess benchmark), both as population moments (the ddof cancels).
 */
export function alphaBeta(returns: Returns, benchmark: Returns, riskFree: Rate = 0, periodsPerYear = DEFAULT_CONVENTIONS.periodsPerYear): AlphaBeta {
  const ys: number[] = [];
  const xs: number[] = [];
  for (let i = 0; i < Math.min(returns.length, benchmark.length); i++) {
    const r = returns[i];
    const b = benchmark[i];
    const f = rateAt(riskFree, i);
    if (present(r) && present(b) && present(f)) {
      ys.push(r - f);
      xs.push(b - f);
    }
  }
  if (ys.length < 2) return { alpha: NaN, beta: NaN };
  const mx = mean(xs);
  let cov = 0;
  let varX = 0;
  for (let i = 0; i < xs.length; i++) {
    cov += (xs[i] - mx) * ys[i];
    varX += (xs[i] - mx) ** 2;
  }
  if (varX / xs.length < 1e-30) return { alpha: NaN, beta: NaN };
  const beta = cov / varX;
  const meanAlpha = mean(ys.map((y, i) => y - beta * xs[i]));
  return { alpha: (1 + meanAlpha) ** periodsPerYear - 1, beta };
}

/** Share of periods with a return above zero, among periods that have one. */
export function hitRate(returns: Returns): number {
  const xs = returns.filter(present);
  return xs.length === 0 ? NaN : xs.filter((x) => x > 0).length / xs.length;
}

export interface ValuationPoint {
  /** Portfolio value at the close of the period, after that period's external flow. */
  value: number;
  /** External cash flow into the portfolio during the period (deposit > 0, withdrawal < 0), assumed at its start. */
  flow: number;
}

/**
 * Daily time-weighted returns with external flows removed: a flow arrives at the start of its day, so
 * r_t = V_t / (V_{t−1} + F_t) − 1. The first point has no return (null); a day that starts with nothing invested
 * (V_{t−1} + F_t = 0) has none either.
 */
export function timeWeightedReturns(points: readonly ValuationPoint[]): (number | null)[] {
  return points.map((p, i) => {
    if (i === 0) return null;
    const start = points[i - 1].value + p.flow;
    return start === 0 ? null : p.value / start - 1;
  });
}

export interface DatedFlow {
  /** YYYY-MM-DD */
  date: string;
  /** From the investor's side: money put in is negative, money taken out (and the final value) positive. */
  amount: number;
}

/**
 * Money-weighted return: the annual rate r at which Σ amount_i / (1 + r)^(days_i / 365) = 0 (Excel's XIRR, actual/365
 * from the first flow). Newton's method from 10%, falling back to bisection on [−0.999999, 1e6]; NaN when the flows
 * do not change sign (no rate exists).
 */
export function xirr(flows: readonly DatedFlow[]): number {
  if (flows.length < 2 || !flows.some((f) => f.amount > 0) || !flows.some((f) => f.amount < 0)) return NaN;
  const t0 = Date.parse(`${flows[0].date}T00:00:00Z`);
  const years = flows.map((f) => (Date.parse(`${f.date}T00:00:00Z`) - t0) / (365 * 86_400_000));
  const npv = (r: number) => flows.reduce((s, f, i) => s + f.amount / (1 + r) ** years[i], 0);
  const slope = (r: number) => flows.reduce((s, f, i) => s - (years[i] * f.amount) / (1 + r) ** (years[i] + 1), 0);
  let r = 0.1;
  for (let k = 0; k < 100; k++) {
    const v = npv(r);
    const d = slope(r);
    if (!Number.isFinite(v) || !Number.isFinite(d) || d === 0) break;
    const next = r - v / d;
    if (!(next > -1)) break;
    if (Math.abs(next - r) < 1e-12) return next;
    r = next;
  }
  let lo = -0.999999;
  let hi = 1e6;
  let fLo = npv(lo);
  if (Math.sign(fLo) === Math.sign(npv(hi))) return NaN;
  for (let k = 0; k < 300 && hi - lo > 1e-13; k++) {
    const mid = (lo + hi) / 2;
    const fMid = npv(mid);
    if (Math.sign(fMid) === Math.sign(fLo)) {
      lo = mid;
      fLo = fMid;
    } else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Turnover over a period, the SEC's definition (Form N-1A): the lesser of total purchases and total sales, over the
 * average portfolio value. Short sales count as sales and covers as purchases.
 */
export function turnover(purchases: number, sales: number, averageValue: number): number {
  return averageValue > 0 ? Math.min(Math.abs(purchases), Math.abs(sales)) / averageValue : NaN;
}
