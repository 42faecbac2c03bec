// Indicator implementations behind one shape: outputs(def) names the columns, warmup(def) the bars needed before
// the first value, compute(series, def) the columns aligned to the input bars (null during warm-up).
import * as ti from 'technicalindicators';
import type { FeatureDefinition } from './feature-set';

export interface Series {
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
}

type Column = (number | null)[];

interface Indicator {
  outputs(def: FeatureDefinition): string[];
  warmup(def: FeatureDefinition): number;
  compute(s: Series, def: FeatureDefinition): Column[];
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

function rolling(values: number[], period: number, fn: (window: number[]) => number): Column {
  return values.map((_, i) => (i + 1 < period ? null : fn(values.slice(i + 1 - period, i + 1))));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (n − 1), the convention of pandas' rolling().std(). */
const sampleStd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

export const indicators: Record<FeatureDefinition['indicator'], Indicator> = {
  sma: single((d) => p(d, 'period') - 1, (s, d) => alignRight(s.close.length, ti.SMA.calculate({ period: p(d, 'period'), values: s.close }))),
  ema: single((d) => p(d, 'period') - 1, (s, d) => alignRight(s.close.length, ti.EMA.calculate({ period: p(d, 'period'), values: s.close }))),
  rsi: single((d) => p(d, 'period'), (s, d) => alignRight(s.close.length, ti.RSI.calculate({ period: p(d, 'period'), values: s.close }))),
  roc: single((d) => p(d, 'period'), (s, d) => alignRight(s.close.length, ti.ROC.calculate({ period: p(d, 'period'), values: s.close }))),
  obv: single(() => 1, (s) => alignRight(s.close.length, ti.OBV.calculate({ close: s.close, volume: s.volume }))),
  atr: single((d) => p(d, 'period'), (s, d) =>
    alignRight(s.close.length, ti.ATR.calculate({ high: s.high, low: s.low, close: s.close, period: p(d, 'period') }))),
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
    const r = s.close.map((c, i) => (i === 0 ? 0 : Math.log(c / s.close[i - 1])));
    const col = rolling(r.slice(1), p(d, 'period'), (w) => sampleStd(w) * Math.sqrt(252));
    return [null, ...col];
  }),
  volume_zscore: single((d) => p(d, 'period') - 1, (s, d) =>
    rolling(s.volume, p(d, 'period'), (w) => {
      const sd = sampleStd(w);
      return sd === 0 ? 0 : (w[w.length - 1] - mean(w)) / sd;
    })),
};
