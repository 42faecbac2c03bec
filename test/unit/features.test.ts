import * as ti from 'technicalindicators';
import { compileFeatureSet, computeFeatures } from '../../src/features/compute';
import { DEFAULT_FEATURE_SET, featureSetVersion, type FeatureDefinition, type FeatureSetSpec } from '../../src/features/feature-set';
import type { Bar } from '../../src/providers/bar';

function bars(n: number): Bar[] {
  return Array.from({ length: n }, (_, i) => {
    const close = 100 + 10 * Math.sin(i / 7) + i * 0.2;
    return {
      symbol: 'T', interval: '1d', ts: new Date(Date.UTC(2020, 0, 1 + i)),
      open: close - 0.5, high: close + 1, low: close - 1.5, close, adjClose: close / 2, volume: 1000 + ((i * 37) % 200),
    };
  });
}

describe('feature set versions', () => {
  it('changes when a parameter changes and not when key order does', () => {
    const v = featureSetVersion(DEFAULT_FEATURE_SET);
    const changed: FeatureSetSpec = { ...DEFAULT_FEATURE_SET, features: DEFAULT_FEATURE_SET.features.map((f) => (f.name === 'rsi_14' ? { ...f, params: { period: 15 } } : f)) };
    const reordered: FeatureSetSpec = { features: DEFAULT_FEATURE_SET.features.map((f) => ({ params: f.params, input: f.input, indicator: f.indicator, name: f.name })), name: 'default' };
    expect(v).toMatch(/^default-[0-9a-f]{12}$/);
    expect(featureSetVersion(changed)).not.toBe(v);
    expect(featureSetVersion(reordered)).toBe(v);
  });

  it('refuses a window that is not a whole number of bars, naming feature, parameter and value', () => {
    const spec: FeatureSetSpec = { name: 'odd', features: [{ name: 'sma_x', indicator: 'sma', params: { period: 2.5 }, input: 'adjusted' }] };
    expect(() => compileFeatureSet(spec, 'v')).toThrow('feature sma_x: parameter period must be a whole number of bars ≥ 1, got 2.5');
  });

  it('refuses duplicate output names', () => {
    const spec: FeatureSetSpec = { name: 'dup', features: [{ name: 'x', indicator: 'sma', params: { period: 3 }, input: 'adjusted' }, { name: 'x', indicator: 'ema', params: { period: 3 }, input: 'adjusted' }] };
    expect(() => compileFeatureSet(spec, 'v')).toThrow('duplicate output names x');
  });
});

describe('computeFeatures on the default set', () => {
  const set = compileFeatureSet(DEFAULT_FEATURE_SET, featureSetVersion(DEFAULT_FEATURE_SET));
  const input = bars(200);
  const rows = computeFeatures(set, input);
  const col = (name: string) => rows.map((r) => r[set.names.indexOf(name)]);
  const adjClose = input.map((b) => b.adjClose!);

  it('names every output and reports the longest warm-up', () => {
    expect(set.names).toEqual(expect.arrayContaining(['sma_50', 'macd_line', 'macd_signal', 'macd_hist', 'bb_20_pct_b', 'adx_14', 'stoch_14_d', 'obv', 'volume_zscore_20']));
    expect(set.warmupBars).toBe(49); // sma_50 needs 49 bars before its first value
    expect(rows.every((r) => r.length === set.names.length)).toBe(true);
  });

  it('stores warm-up as missing (null), never zero, and has every value after the warm-up', () => {
    expect(col('sma_50').slice(0, 49).every((v) => v === null)).toBe(true);
    expect(col('sma_50')[49]).not.toBeNull();
    expect(rows.slice(set.warmupBars).every((r) => r.every((v) => v !== null && Number.isFinite(v)))).toBe(true);
  });

  it('aligns library outputs to their bars and reads adjusted prices', () => {
    const sma10 = col('sma_10');
    const expected = adjClose.slice(190, 200).reduce((a, b) => a + b, 0) / 10;
    expect(sma10[199]).toBeCloseTo(expected, 10);
    const rsi = ti.RSI.calculate({ period: 14, values: adjClose });
    expect(col('rsi_14')[199]).toBeCloseTo(rsi[rsi.length - 1], 1); // technicalindicators rounds RSI to 2 dp; we do not
    expect(col('rsi_14').filter((v) => v !== null).every((v) => v! >= 0 && v! <= 100)).toBe(true);
  });

  it('computes returns and volatility from adjusted closes', () => {
    expect(col('log_return_1')[10]).toBeCloseTo(Math.log(adjClose[10] / adjClose[9]), 12);
    expect(col('log_return_5')[10]).toBeCloseTo(Math.log(adjClose[10] / adjClose[5]), 12);
    const r = adjClose.slice(179, 200).map((c, i, a) => (i === 0 ? 0 : Math.log(c / a[i - 1]))).slice(1);
    const m = r.reduce((a, b) => a + b, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, x) => a + (x - m) ** 2, 0) / (r.length - 1));
    expect(col('volatility_20')[199]).toBeCloseTo(sd * Math.sqrt(252), 10);
  });
});

// Our loops replace technicalindicators for these indicators and must store the very same doubles (same version,
// no INDICATOR_REVISION bump): compared bit for bit with the library on random walks, including flat stretches
// (zero-width stochastic and Bollinger windows), unusual parameters and series shorter than the warm-up.
describe('own indicator loops against technicalindicators', () => {
  function walk(seed: number, n: number): { close: number[]; high: number[]; low: number[]; volume: number[] } {
    let s = seed;
    const rnd = () => ((s = (s * 1664525 + 1013904223) % 2 ** 32) / 2 ** 32);
    const out = { close: [] as number[], high: [] as number[], low: [] as number[], volume: [] as number[] };
    let c = 20 + 500 * rnd();
    for (let i = 0; i < n; i++) {
      const flat = seed % 2 === 0 && i % 40 >= 20;
      if (!flat) c *= Math.exp((rnd() - 0.5) * 0.06);
      out.close.push(c);
      out.high.push(flat ? c : c * (1 + 0.02 * rnd()));
      out.low.push(flat ? c : c * (1 - 0.02 * rnd()));
      out.volume.push(flat ? 5000 : Math.floor(1e6 * rnd()));
    }
    return out;
  }

  /** technicalindicators' defined tail, right-aligned onto the bars, NaN and undefined as missing (our storage). */
  const aligned = (n: number, values: (number | undefined)[]) =>
    Array.from({ length: n }, (_, i) => {
      const v = values[i - (n - values.length)];
      return v === undefined || Number.isNaN(v) ? null : v;
    });

  function ours(indicator: FeatureDefinition['indicator'], params: Record<string, number>, p: ReturnType<typeof walk>) {
    const set = compileFeatureSet({ name: 't', features: [{ name: 'x', indicator, params, input: 'raw' }] }, 't');
    const rows = computeFeatures(set, p.close.map((close, i) => ({
      symbol: 'T', interval: '1d', ts: new Date(Date.UTC(2000, 0, 1 + i)), open: close, high: p.high[i], low: p.low[i], close, adjClose: null, volume: p.volume[i],
    })));
    return Object.fromEntries(set.names.map((name, k) => [name, rows.map((r) => r[k])]));
  }

  const cases: [string, (p: ReturnType<typeof walk>) => [Record<string, (number | null)[]>, Record<string, (number | null)[]>]][] = [
    ['sma', (p) => [ours('sma', { period: 7 }, p), { x: aligned(p.close.length, ti.SMA.calculate({ period: 7, values: p.close })) }]],
    ['ema', (p) => [ours('ema', { period: 9 }, p), { x: aligned(p.close.length, ti.EMA.calculate({ period: 9, values: p.close })) }]],
    ['roc', (p) => [ours('roc', { period: 5 }, p), { x: aligned(p.close.length, ti.ROC.calculate({ period: 5, values: p.close })) }]],
    ['obv', (p) => [ours('obv', {}, p), { x: aligned(p.close.length, ti.OBV.calculate({ close: p.close, volume: p.volume })) }]],
    ...[[12, 26, 9], [3, 5, 2], [26, 12, 9]].map(([fast, slow, signal]): (typeof cases)[number] => [`macd ${fast}/${slow}/${signal}`, (p) => {
      const r = ti.MACD.calculate({ values: p.close, fastPeriod: fast, slowPeriod: slow, signalPeriod: signal, SimpleMAOscillator: false, SimpleMASignal: false });
      const n = p.close.length;
      return [ours('macd', { fast, slow, signal }, p), { x_line: aligned(n, r.map((x) => x.MACD)), x_signal: aligned(n, r.map((x) => x.signal)), x_hist: aligned(n, r.map((x) => x.histogram)) }];
    }]),
    ['bollinger', (p) => {
      const r = ti.BollingerBands.calculate({ period: 20, stdDev: 2, values: p.close });
      const n = p.close.length;
      return [ours('bollinger', { period: 20, stdDev: 2 }, p), {
        x_upper: aligned(n, r.map((x) => x.upper)), x_middle: aligned(n, r.map((x) => x.middle)), x_lower: aligned(n, r.map((x) => x.lower)),
        x_pct_b: aligned(n, r.map((x) => x.pb)), x_width: aligned(n, r.map((x) => (x.upper - x.lower) / x.middle)),
      }];
    }],
    ...[14, 3].map((period): (typeof cases)[number] => [`adx ${period}`, (p) => {
      const r = ti.ADX.calculate({ high: p.high, low: p.low, close: p.close, period });
      const n = p.close.length;
      return [ours('adx', { period }, p), { x: aligned(n, r.map((x) => x.adx)), x_pdi: aligned(n, r.map((x) => x.pdi)), x_mdi: aligned(n, r.map((x) => x.mdi)) }];
    }]),
    ['stochastic', (p) => {
      const r = ti.Stochastic.calculate({ high: p.high, low: p.low, close: p.close, period: 14, signalPeriod: 3 });
      const n = p.close.length;
      return [ours('stochastic', { period: 14, signal: 3 }, p), { x_k: aligned(n, r.map((x) => x.k)), x_d: aligned(n, r.map((x) => x.d)) }];
    }],
  ];

  it.each(cases)('%s: identical doubles on 40 random walks', (_name, run) => {
    let compared = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const [got, expected] = run(walk(seed, seed === 1 ? 10 : 50 + seed * 13));
      expect(Object.keys(got)).toEqual(Object.keys(expected));
      for (const name of Object.keys(expected)) {
        expect(got[name]).toEqual(expected[name]);
        compared += expected[name].filter((v) => v !== null).length;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });
});

