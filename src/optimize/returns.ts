// Return series and expected-return estimators, with PyPortfolioOpt's conventions (pypfopt/expected_returns.py,
// v1.5.6): simple returns are pct_change without filling (a return is missing when either price is), rows where
// every asset is missing are dropped, annualisation uses `frequency` periods a year (252 by default) and the
// geometric mean (compounding) is the default. Missing values are skipped per asset, never filled.

/** NaN test for hot loops: `v !== v` inlines where Number.isNaN stays a call (≈20× slower under jest's VM contexts). */
export const missing = (v: number) => v !== v;

/** A wide table: one column per symbol over shared dates; NaN = no value that date. */
export interface Panel {
  symbols: string[];
  dates: string[];
  /** columns[j][t]: symbol j on dates[t]. */
  columns: Float64Array[];
}

export interface AnnualisationOptions {
  /** Periods per year. @default 252 */
  frequency?: number;
  /** Geometric (true) or arithmetic (false) annualisation. @default true */
  compounding?: boolean;
}

/** pct_change(fill_method=None).dropna(how='all'), or log(1 + r) with `log`. */
export function returnsFromPrices(prices: Panel, log = false): Panel {
  const n = prices.symbols.length;
  const keep: number[] = [];
  const rows = prices.dates.length;
  const raw = prices.columns.map(() => new Float64Array(Math.max(rows - 1, 0)));
  for (let t = 1; t < rows; t++) {
    let any = false;
    for (let j = 0; j < n; j++) {
      const prev = prices.columns[j][t - 1];
      const cur = prices.columns[j][t];
      const r = cur / prev - 1;
      const v = r - r === 0 ? (log ? Math.log1p(r) : r) : NaN; // finite
      raw[j][t - 1] = v;
      if (!missing(v)) any = true;
    }
    if (any) keep.push(t - 1);
  }
  return {
    symbols: prices.symbols,
    dates: keep.map((i) => prices.dates[i + 1]),
    columns: raw.map((c) => Float64Array.from(keep, (i) => c[i])),
  };
}

/** Drops every date where any asset is missing (pandas dropna(how='any')). */
export function completeRows(p: Panel): Panel {
  const keep: number[] = [];
  for (let t = 0; t < p.dates.length; t++) if (p.columns.every((c) => !missing(c[t]))) keep.push(t);
  return { symbols: p.symbols, dates: keep.map((t) => p.dates[t]), columns: p.columns.map((c) => Float64Array.from(keep, (t) => c[t])) };
}

function annualise(values: Float64Array, compounding: boolean, frequency: number): Float64Array {
  let prod = 1;
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (missing(v)) continue;
    prod *= 1 + v;
    sum += v;
    count++;
  }
  return Float64Array.of(compounding ? prod ** (frequency / count) - 1 : (sum / count) * frequency);
}

/** Mean historical return per asset: (∏(1 + r))^(frequency / count) − 1, or mean × frequency. */
export function meanHistoricalReturn(returns: Panel, opts: AnnualisationOptions = {}): Float64Array {
  const { frequency = 252, compounding = true } = opts;
  return Float64Array.from(returns.columns, (c) => annualise(c, compounding, frequency)[0]);
}

/**
 * pandas `Series.ewm(span).mean()` (adjust=True, ignore_na=False, min_periods=0), every value: weights decay by
 * absolute position, so a missing value still ages the ones before it.
 */
export function ewmMean(values: ArrayLike<number>, span: number): Float64Array {
  const alpha = 2 / (span + 1);
  const decay = 1 - alpha;
  const out = new Float64Array(values.length);
  let weighted = values[0];
  let oldWeight = 1;
  out[0] = weighted;
  for (let i = 1; i < values.length; i++) {
    const cur = values[i];
    const observed = cur === cur; // not NaN
    if (weighted === weighted) {
      oldWeight *= decay;
      if (observed) {
        if (weighted !== cur) weighted = (oldWeight * weighted + cur) / (oldWeight + 1);
        oldWeight += 1;
      }
    } else if (observed) weighted = cur;
    out[i] = weighted;
  }
  return out;
}

/** Exponentially weighted mean return (span in periods, default 500), annualised like the mean return. */
export function emaHistoricalReturn(returns: Panel, opts: AnnualisationOptions & { span?: number } = {}): Float64Array {
  const { frequency = 252, compounding = true, span = 500 } = opts;
  return Float64Array.from(returns.columns, (c) => {
    const last = ewmMean(c, span)[c.length - 1];
    return compounding ? (1 + last) ** frequency - 1 : last * frequency;
  });
}

/** Pairwise-complete sample covariance of two series (pandas Series.cov, ddof 1); NaN below two common values. */
export function pairCov(x: ArrayLike<number>, y: ArrayLike<number>): number {
  // v !== v is NaN: this loop runs pairs × dates times, and Number.isNaN is a call the VM does not always inline.
  let n = 0;
  let mx = 0;
  let my = 0;
  for (let t = 0; t < x.length; t++) {
    const a = x[t];
    const b = y[t];
    if (a !== a || b !== b) continue;
    n++;
    mx += a;
    my += b;
  }
  if (n < 2) return NaN;
  mx /= n;
  my /= n;
  let s = 0;
  for (let t = 0; t < x.length; t++) {
    const a = x[t];
    const b = y[t];
    if (a !== a || b !== b) continue;
    s += (a - mx) * (b - my);
  }
  return s / (n - 1);
}

/** The values of `series` (on its own dates) on `dates`; NaN where it has none (a left join). */
export function alignTo(dates: string[], series: { dates: string[]; values: ArrayLike<number> }): Float64Array {
  const at = new Map(series.dates.map((d, i) => [d, series.values[i]]));
  return Float64Array.from(dates, (d) => at.get(d) ?? NaN);
}

export interface CapmOptions extends AnnualisationOptions {
  /** Market returns aligned to the returns' dates; default the equally weighted mean of the assets each date. */
  market?: Float64Array;
  /** Annual risk-free rate. @default 0 */
  riskFreeRate?: number;
}

/** CAPM: rf + β (E[R_m] − rf), β from pairwise-complete covariances with the market. */
export function capmReturn(returns: Panel, opts: CapmOptions = {}): Float64Array {
  const { frequency = 252, compounding = true, riskFreeRate = 0 } = opts;
  const market = opts.market ?? Float64Array.from(returns.dates, (_, t) => {
    let s = 0;
    let k = 0;
    for (const c of returns.columns) if (!missing(c[t])) (s += c[t]), k++;
    return k ? s / k : NaN;
  });
  const marketVar = pairCov(market, market);
  const marketReturn = annualise(market, compounding, frequency)[0];
  return Float64Array.from(returns.columns, (c) => riskFreeRate + (pairCov(c, market) / marketVar) * (marketReturn - riskFreeRate));
}
