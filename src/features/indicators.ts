// Indicator implementations behind one shape: outputs(def) names the columns, warmup(def) the bars needed before
// the first value, compute(series, def) the columns aligned to the input bars (null during warm-up).
import * as ti from 'technicalindicators';
import type { FeatureDefinition } from './feature-set';
import { fundamentalRatios, fundamentalRatioSuffixes, type FundamentalFact } from './fundamentals';

export interface Series {
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
}

type Column = (number | null)[];

/** What some indicators read besides prices: bar times and the published fundamentals of the symbol. */
export interface ComputeContext {
  ts: Date[];
  facts: FundamentalFact[];
}

interface Indicator {
  outputs(def: FeatureDefinition): string[];
  warmup(def: FeatureDefinition): number;
  compute(s: Series, def: FeatureDefinition, ctx: ComputeContext): Column[];
  /** A running total (OBV): its level depends on where the series starts, so incremental runs re-anchor it. */
  cumulative?: true;
  /** Reads company_fundamental, so the activity loads facts only for sets that need them. */
  fundamental?: true;
}

/** technicalindicators returns only the defined tail; right-align it onto the input bars. */
function alignRight(n: number, values: (number | undefined)[]): Column {
  const out: Column = new Array(n).fill(null);
  const offset = n - values.length;
  values.forEach((v, i) => {
    if (offset + i >= 0) out[offset + i] = v === undefined || Number.isNaN(v) ? null : v;
  });
  return out;
}

const p = (def: FeatureDefinition, key: string): number => {
  const v = def.params[key];
  if (v === undefined) throw new Error(`feature ${def.name}: parameter ${key} is required for indicator ${def.indicator}`);
  return v;
};

const single = (warmup: (d: FeatureDefinition) => number, compute: (s: Series, d: FeatureDefinition) => Column): Indicator => ({
  outputs: (d) => [d.name],
  warmup,
  compute: (s, d) => [compute(s, d)],
});

/**
 * Rolling mean and sample standard deviation (n − 1, the convention of pandas' rolling().std()) in one pass.
 * Two-pass per window: a running sum of squares loses digits on prices near 1e3 with tiny variance.
 */
function rollingMeanStd(values: number[], period: number): { mean: Column; std: Column } {
  const mean: Column = new Array(values.length).fill(null);
  const std: Column = new Array(values.length).fill(null);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
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
function wilder(values: number[], period: number, start: number): Column {
  const out: Column = new Array(values.length).fill(null);
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
function rsi(close: number[], period: number): Column {
  const gains = close.map((c, i) => (i === 0 ? 0 : Math.max(c - close[i - 1], 0)));
  const losses = close.map((c, i) => (i === 0 ? 0 : Math.max(close[i - 1] - c, 0)));
  const g = wilder(gains, period, 1);
  const l = wilder(losses, period, 1);
  return g.map((gain, i) => (gain === null ? null : l[i] === 0 ? 100 : 100 - 100 / (1 + gain / l[i]!)));
}

/**
 * Wilder's ATR where the first bar's true range is its high − low, as StockCharts and TA-Lib (via Lean) define it;
 * technicalindicators drops the first bar instead, which shifts every value.
 */
function atr(s: Series, period: number): Column {
  const tr = s.high.map((h, i) => (i === 0 ? h - s.low[i] : Math.max(h - s.low[i], Math.abs(h - s.close[i - 1]), Math.abs(s.low[i] - s.close[i - 1]))));
  return wilder(tr, period, 0);
}

export const indicators: Record<FeatureDefinition['indicator'], Indicator> = {
  sma: single((d) => p(d, 'period') - 1, (s, d) => alignRight(s.close.length, ti.SMA.calculate({ period: p(d, 'period'), values: s.close }))),
  ema: single((d) => p(d, 'period') - 1, (s, d) => alignRight(s.close.length, ti.EMA.calculate({ period: p(d, 'period'), values: s.close }))),
  rsi: single((d) => p(d, 'period'), (s, d) => rsi(s.close, p(d, 'period'))),
  roc: single((d) => p(d, 'period'), (s, d) => alignRight(s.close.length, ti.ROC.calculate({ period: p(d, 'period'), values: s.close }))),
  obv: { ...single(() => 1, (s) => alignRight(s.close.length, ti.OBV.calculate({ close: s.close, volume: s.volume }))), cumulative: true },
  atr: single((d) => p(d, 'period') - 1, (s, d) => atr(s, p(d, 'period'))),
  macd: {
    outputs: (d) => [`${d.name}_line`, `${d.name}_signal`, `${d.name}_hist`],
    warmup: (d) => p(d, 'slow') + p(d, 'signal') - 2,
    compute: (s, d) => {
      const r = ti.MACD.calculate({
        values: s.close, fastPeriod: p(d, 'fast'), slowPeriod: p(d, 'slow'), signalPeriod: p(d, 'signal'),
        SimpleMAOscillator: false, SimpleMASignal: false,
      });
      const n = s.close.length;
      return [alignRight(n, r.map((x) => x.MACD)), alignRight(n, r.map((x) => x.signal)), alignRight(n, r.map((x) => x.histogram))];
    },
  },
  bollinger: {
    outputs: (d) => ['upper', 'middle', 'lower', 'pct_b', 'width'].map((x) => `${d.name}_${x}`),
    warmup: (d) => p(d, 'period') - 1,
    compute: (s, d) => {
      const r = ti.BollingerBands.calculate({ period: p(d, 'period'), stdDev: p(d, 'stdDev'), values: s.close });
      const n = s.close.length;
      return [
        alignRight(n, r.map((x) => x.upper)),
        alignRight(n, r.map((x) => x.middle)),
        alignRight(n, r.map((x) => x.lower)),
        alignRight(n, r.map((x) => x.pb)),
        alignRight(n, r.map((x) => (x.upper - x.lower) / x.middle)),
      ];
    },
  },
  adx: {
    outputs: (d) => [d.name, `${d.name}_pdi`, `${d.name}_mdi`],
    warmup: (d) => 2 * p(d, 'period') - 1,
    compute: (s, d) => {
      const r = ti.ADX.calculate({ high: s.high, low: s.low, close: s.close, period: p(d, 'period') });
      const n = s.close.length;
      return [alignRight(n, r.map((x) => x.adx)), alignRight(n, r.map((x) => x.pdi)), alignRight(n, r.map((x) => x.mdi))];
    },
  },
  stochastic: {
    outputs: (d) => [`${d.name}_k`, `${d.name}_d`],
    warmup: (d) => p(d, 'period') + p(d, 'signal') - 2,
    compute: (s, d) => {
      const r = ti.Stochastic.calculate({ high: s.high, low: s.low, close: s.close, period: p(d, 'period'), signalPeriod: p(d, 'signal') });
      const n = s.close.length;
      return [alignRight(n, r.map((x) => x.k)), alignRight(n, r.map((x) => x.d))];
    },
  },
  log_return: single((d) => p(d, 'horizon'), (s, d) => {
    const h = p(d, 'horizon');
    return s.close.map((c, i) => (i < h ? null : Math.log(c / s.close[i - h])));
  }),
  /** Annualized (√252) sample deviation of daily log returns over `period` bars. */
  volatility: single((d) => p(d, 'period'), (s, d) => {
    const r = s.close.slice(1).map((c, i) => Math.log(c / s.close[i]));
    const { std } = rollingMeanStd(r, p(d, 'period'));
    return s.close.length === 0 ? [] : [null, ...std.map((x) => (x === null ? null : x * Math.sqrt(252)))];
  }),
  /** A constant volume window has no spread: its z-score is 0 (the bar is exactly average), not undefined. */
  volume_zscore: single((d) => p(d, 'period') - 1, (s, d) => {
    const { mean, std } = rollingMeanStd(s.volume, p(d, 'period'));
    return s.volume.map((v, i) => (mean[i] === null ? null : std[i] === 0 ? 0 : (v - mean[i]!) / std[i]!));
  }),
  fundamental_ratios: {
    outputs: (d) => fundamentalRatioSuffixes.map((x) => `${d.name}_${x}`),
    warmup: () => 0,
    compute: (s, _d, ctx) => fundamentalRatios(ctx.ts, s.close, ctx.facts),
    fundamental: true,
  },
};
