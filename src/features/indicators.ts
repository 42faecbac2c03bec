// Indicator implementations behind one shape: outputs(def) names the columns, warmup(def) the bars needed before
// the first value, compute(series, def) the columns aligned to the input bars (NaN = missing, during warm-up).
//
// Tight loops over typed arrays: the columns of a default-set computation cost about a tenth of what
// technicalindicators' generator-per-value implementations did. Where we follow technicalindicators' convention
// (SMA, EMA, MACD, Bollinger, ADX, stochastic, OBV, ROC) the loops repeat its arithmetic operation for operation,
// including its seeds and its quirks on zero values, so the stored values are the same to the last bit
// (test/unit/features.test.ts compares both on random walks) and no INDICATOR_REVISION bump is needed.
import type { FeatureDefinition } from './feature-set';
import { fundamentalRatios, fundamentalRatioSuffixes, type FundamentalFact } from './fundamentals';
import { DOCUMENT_FEATURE_SUFFIXES, documentFeatureColumns, type DocumentFactInput } from '../documents/features';

export interface Series {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/** One output aligned to the input bars; NaN where the value is missing (warm-up). */
export type Column = Float64Array;

/** What some indicators read besides prices: bar times (epoch ms) and the published fundamentals of the symbol. */
export interface ComputeContext {
  ts: ArrayLike<number>;
  facts: FundamentalFact[];
  /** Current documents of the symbol published by the last bar, oldest first (document indicators only). */
  documents: DocumentFactInput[];
}

interface Indicator {
  outputs(def: FeatureDefinition): string[];
  warmup(def: FeatureDefinition): number;
  compute(s: Series, def: FeatureDefinition, ctx: ComputeContext): Column[];
  /** A running total (OBV): its level depends on where the series starts, so incremental runs re-anchor it. */
  cumulative?: true;
  /** Reads company_fundamental, so the activity loads facts only for sets that need them. */
  fundamental?: true;
  /** Reads document texts, loaded likewise only for sets that need them. */
  documents?: true;
}

const missing = (n: number): Column => new Float64Array(n).fill(NaN);

const p = (def: FeatureDefinition, key: string): number => {
  const v = def.params[key];
  if (v === undefined) throw new Error(`feature ${def.name}: parameter ${key} is required for indicator ${def.indicator}`);
  return v;
};

/** A window length or horizon: a positive whole number of bars. */
const bars = (def: FeatureDefinition, key: string): number => {
  const v = p(def, key);
  if (!Number.isInteger(v) || v < 1) throw new Error(`feature ${def.name}: parameter ${key} must be a whole number of bars ≥ 1, got ${v}`);
  return v;
};

const single = (warmup: (d: FeatureDefinition) => number, compute: (s: Series, d: FeatureDefinition) => Column): Indicator => ({
  outputs: (d) => [d.name],
  warmup,
  compute: (s, d) => [compute(s, d)],
});

/** Simple moving average as a running sum, (sum − oldest) + newest: technicalindicators' order of operations. */
function sma(values: ArrayLike<number>, period: number, start = 0): Column {
  const n = values.length;
  const out = missing(n);
  let sum = 0;
  for (let i = start; i < n; i++) {
    const k = i - start;
    if (k < period - 1) {
      sum = sum + values[i];
    } else {
      sum = sum - (k >= period ? values[i - period] : 0) + values[i];
      out[i] = sum / period;
    }
  }
  return out;
}

/**
 * Exponential average with weight `alpha`, seeded with the SMA of the first `period` values (from `start`). A seed
 * of 0 or NaN is stepped once more from itself, as technicalindicators' EMA does (its `if (prevEma)` test).
 */
function ema(values: ArrayLike<number>, period: number, alpha: number, start = 0, zeroSeedSteps = true): Column {
  const out = sma(values, period, start);
  const seedAt = start + period - 1;
  if (seedAt >= values.length) return out;
  let prev = out[seedAt];
  if (zeroSeedSteps && !prev) prev = (values[seedAt] - prev) * alpha + prev;
  out[seedAt] = prev;
  for (let i = seedAt + 1; i < values.length; i++) {
    prev = (values[i] - prev) * alpha + prev;
    out[i] = prev;
  }
  return out;
}

/**
 * Rolling mean and sample standard deviation (n − 1, the convention of pandas' rolling().std()) in one pass.
 * Two-pass per window: a running sum of squares loses digits on prices near 1e3 with tiny variance.
 */
function rollingMeanStd(values: ArrayLike<number>, period: number): { mean: Column; std: Column } {
  const n = values.length;
  const mean = missing(n);
  const std = missing(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += values[i];
    if (i >= period) sum -= values[i - period];
    if (i + 1 < period) continue;
    const m = sum / period;
    let ss = 0;
    for (let j = i + 1 - period; j <= i; j++) ss += (values[j] - m) ** 2;
    mean[i] = m;
    std[i] = Math.sqrt(ss / (period - 1));
  }
  return { mean, std };
}

/**
 * Wilder's smoothing of values[start..]: the first output (at start + period − 1) is their simple mean, then
 * avg = (avg·(period − 1) + x) / period. The seed every reference we test against uses (StockCharts, TA-Lib).
 */
function wilder(values: ArrayLike<number>, period: number, start: number): Column {
  const out = missing(values.length);
  let avg = 0;
  for (let i = start; i < values.length; i++) {
    const k = i - start;
    if (k < period) {
      avg += values[i] / period;
      if (k === period - 1) out[i] = avg;
    } else {
      avg = (avg * (period - 1) + values[i]) / period;
      out[i] = avg;
    }
  }
  return out;
}

/** Wilder's RSI at full precision (technicalindicators rounds RSI to 2 decimals). No loss in the window: 100. */
function rsi(close: Float64Array, period: number): Column {
  const n = close.length;
  const gains = new Float64Array(n);
  const losses = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    gains[i] = Math.max(close[i] - close[i - 1], 0);
    losses[i] = Math.max(close[i - 1] - close[i], 0);
  }
  const g = wilder(gains, period, 1);
  const l = wilder(losses, period, 1);
  const out = missing(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(g[i])) continue;
    out[i] = l[i] === 0 ? 100 : 100 - 100 / (1 + g[i] / l[i]);
  }
  return out;
}

/** True range from bar 1 on (bar 0 has no previous close): technicalindicators' TrueRange, NaN guards included. */
function trueRange(s: Series, i: number): number {
  const pc = s.close[i - 1];
  const up = Math.abs(s.high[i] - pc);
  const down = Math.abs(s.low[i] - pc);
  return Math.max(s.high[i] - s.low[i], Number.isNaN(up) ? 0 : up, Number.isNaN(down) ? 0 : down);
}

/**
 * Wilder's ATR where the first bar's true range is its high − low, as StockCharts and TA-Lib (via Lean) define it;
 * technicalindicators drops the first bar instead, which shifts every value.
 */
function atr(s: Series, period: number): Column {
  const n = s.close.length;
  const tr = new Float64Array(n);
  if (n > 0) tr[0] = s.high[0] - s.low[0];
  for (let i = 1; i < n; i++) tr[i] = Math.max(s.high[i] - s.low[i], Math.abs(s.high[i] - s.close[i - 1]), Math.abs(s.low[i] - s.close[i - 1]));
  return wilder(tr, period, 0);
}

function macd(close: Float64Array, fast: number, slow: number, signal: number): Column[] {
  const n = close.length;
  const fastEma = ema(close, fast, 2 / (fast + 1));
  const slowEma = ema(close, slow, 2 / (slow + 1));
  const line = missing(n);
  // The signal starts at the first bar where both averages exist (technicalindicators feeds it only then).
  const first = Math.max(fast, slow) - 1;
  for (let i = first; i < n; i++) line[i] = fastEma[i] - slowEma[i];
  const sig = ema(line, signal, 2 / (signal + 1), first);
  const hist = missing(n);
  for (let i = 0; i < n; i++) {
    hist[i] = line[i] - sig[i];
    if (sig[i] === 0) sig[i] = NaN; // technicalindicators reports a signal of exactly 0 as missing (`signal ? … : undefined`)
  }
  return [line, sig, hist];
}

/** Population deviation (÷ n) around the SMA, summed oldest first as technicalindicators' SD does. */
function bollinger(close: Float64Array, period: number, stdDev: number): Column[] {
  const n = close.length;
  const middle = sma(close, period);
  const [upper, lower, pctB, width] = [missing(n), missing(n), missing(n), missing(n)];
  for (let i = period - 1; i < n; i++) {
    const m = middle[i];
    if (!m) continue;
    let sum = 0;
    for (let j = i + 1 - period; j <= i; j++) sum = sum + Math.pow(close[j] - m, 2);
    const sd = Math.sqrt(sum / period);
    const u = m + sd * stdDev;
    const l = m - sd * stdDev;
    upper[i] = u;
    lower[i] = l;
    pctB[i] = (close[i] - l) / (u - l);
    width[i] = (u - l) / m;
  }
  return [upper, middle, lower, pctB, width];
}

/**
 * technicalindicators' ADX: Wilder sums (not means) of TR and ±DM from bar 1, seeded with the plain sum of the first
 * `period` values; DX smoothed by an SMA-seeded 1/period average; ±DI reported from the first ADX bar.
 */
function adx(s: Series, period: number): Column[] {
  const n = s.close.length;
  const [adxOut, pdiOut, mdiOut] = [missing(n), missing(n), missing(n)];
  let sumTr = 0;
  let sumP = 0;
  let sumM = 0;
  const dx = missing(n);
  for (let i = 1; i < n; i++) {
    const tr = trueRange(s, i);
    const upMove = s.high[i] - s.high[i - 1];
    const downMove = s.low[i - 1] - s.low[i];
    const plus = upMove > downMove && upMove > 0 ? upMove : 0;
    const minus = downMove > upMove && downMove > 0 ? downMove : 0;
    if (i <= period) {
      sumTr = sumTr + tr;
      sumP = sumP + plus;
      sumM = sumM + minus;
      if (i < period) continue;
    } else {
      sumTr = sumTr - sumTr / period + tr;
      sumP = sumP - sumP / period + plus;
      sumM = sumM - sumM / period + minus;
    }
    const pdi = (sumP * 100) / sumTr;
    const mdi = (sumM * 100) / sumTr;
    dx[i] = (Math.abs(pdi - mdi) / (pdi + mdi)) * 100;
    pdiOut[i] = pdi;
    mdiOut[i] = mdi;
  }
  const smoothed = ema(dx, period, 1 / period, period, false);
  for (let i = 0; i < n; i++) {
    if (i < 2 * period - 1) {
      pdiOut[i] = NaN;
      mdiOut[i] = NaN;
    } else {
      adxOut[i] = smoothed[i];
    }
  }
  return [adxOut, pdiOut, mdiOut];
}

/** %K over `period` bars (0 when the window is flat, as technicalindicators does), %D its `signal`-bar SMA. */
function stochastic(s: Series, period: number, signal: number): Column[] {
  const n = s.close.length;
  const k = missing(n);
  for (let i = period - 1; i < n; i++) {
    let hh = s.high[i];
    let ll = s.low[i];
    for (let j = i + 1 - period; j < i; j++) {
      if (s.high[j] > hh) hh = s.high[j];
      if (s.low[j] < ll) ll = s.low[j];
    }
    const v = ((s.close[i] - ll) / (hh - ll)) * 100;
    k[i] = Number.isNaN(v) ? 0 : v;
  }
  return [k, sma(k, signal, period - 1)];
}

/** On-balance volume: 0 at the first bar read, which is stored missing (the level is arbitrary there). */
function obv(s: Series): Column {
  const n = s.close.length;
  const out = missing(n);
  let total = 0;
  for (let i = 1; i < n; i++) {
    if (s.close[i - 1] < s.close[i]) total = total + s.volume[i];
    else if (s.close[i] < s.close[i - 1]) total = total - s.volume[i];
    out[i] = total;
  }
  return out;
}

function roc(close: Float64Array, period: number): Column {
  const out = missing(close.length);
  for (let i = period; i < close.length; i++) out[i] = ((close[i] - close[i - period]) / close[i - period]) * 100;
  return out;
}

function logReturn(close: Float64Array, horizon: number): Column {
  const out = missing(close.length);
  for (let i = horizon; i < close.length; i++) out[i] = Math.log(close[i] / close[i - horizon]);
  return out;
}

/** Annualized (√252) sample deviation of daily log returns over `period` bars. */
function volatility(close: Float64Array, period: number): Column {
  const n = close.length;
  const out = missing(n);
  if (n === 0) return out;
  const r = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) r[i - 1] = Math.log(close[i] / close[i - 1]);
  const { std } = rollingMeanStd(r, period);
  for (let i = 0; i < n - 1; i++) out[i + 1] = std[i] * Math.sqrt(252);
  return out;
}

/** A constant volume window has no spread: its z-score is 0 (the bar is exactly average), not undefined. */
function volumeZscore(volume: Float64Array, period: number): Column {
  const { mean, std } = rollingMeanStd(volume, period);
  const out = missing(volume.length);
  for (let i = 0; i < volume.length; i++) {
    if (Number.isNaN(mean[i])) continue;
    out[i] = std[i] === 0 ? 0 : (volume[i] - mean[i]) / std[i];
  }
  return out;
}

export const indicators: Record<FeatureDefinition['indicator'], Indicator> = {
  sma: single((d) => bars(d, 'period') - 1, (s, d) => sma(s.close, bars(d, 'period'))),
  ema: single((d) => bars(d, 'period') - 1, (s, d) => ema(s.close, bars(d, 'period'), 2 / (bars(d, 'period') + 1))),
  rsi: single((d) => bars(d, 'period'), (s, d) => rsi(s.close, bars(d, 'period'))),
  roc: single((d) => bars(d, 'period'), (s, d) => roc(s.close, bars(d, 'period'))),
  obv: { ...single(() => 1, (s) => obv(s)), cumulative: true },
  atr: single((d) => bars(d, 'period') - 1, (s, d) => atr(s, bars(d, 'period'))),
  macd: {
    outputs: (d) => [`${d.name}_line`, `${d.name}_signal`, `${d.name}_hist`],
    warmup: (d) => bars(d, 'slow') + bars(d, 'signal') - 2,
    compute: (s, d) => macd(s.close, bars(d, 'fast'), bars(d, 'slow'), bars(d, 'signal')),
  },
  bollinger: {
    outputs: (d) => ['upper', 'middle', 'lower', 'pct_b', 'width'].map((x) => `${d.name}_${x}`),
    warmup: (d) => bars(d, 'period') - 1,
    compute: (s, d) => bollinger(s.close, bars(d, 'period'), p(d, 'stdDev')),
  },
  adx: {
    outputs: (d) => [d.name, `${d.name}_pdi`, `${d.name}_mdi`],
    warmup: (d) => 2 * bars(d, 'period') - 1,
    compute: (s, d) => adx(s, bars(d, 'period')),
  },
  stochastic: {
    outputs: (d) => [`${d.name}_k`, `${d.name}_d`],
    warmup: (d) => bars(d, 'period') + bars(d, 'signal') - 2,
    compute: (s, d) => stochastic(s, bars(d, 'period'), bars(d, 'signal')),
  },
  log_return: single((d) => bars(d, 'horizon'), (s, d) => logReturn(s.close, bars(d, 'horizon'))),
  volatility: single((d) => bars(d, 'period'), (s, d) => volatility(s.close, bars(d, 'period'))),
  volume_zscore: single((d) => bars(d, 'period') - 1, (s, d) => volumeZscore(s.volume, bars(d, 'period'))),
  fundamental_ratios: {
    outputs: (d) => fundamentalRatioSuffixes.map((x) => `${d.name}_${x}`),
    warmup: () => 0,
    compute: (s, _d, ctx) => fundamentalRatios(ctx.ts, s.close, ctx.facts).map((c) => Float64Array.from(c, (v) => (v === null ? NaN : v))),
    fundamental: true,
  },
  document_signals: {
    outputs: (d) => DOCUMENT_FEATURE_SUFFIXES.map((x) => `${d.name}_${x}`),
    warmup: () => 0,
    compute: (_s, _d, ctx) => documentFeatureColumns(ctx.ts, ctx.documents),
    documents: true,
  },
};
