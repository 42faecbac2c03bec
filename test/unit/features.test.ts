import * as ti from 'technicalindicators';
import { compileFeatureSet, computeFeatures } from '../../src/features/compute';
import { DEFAULT_FEATURE_SET, featureSetVersion, type FeatureSetSpec } from '../../src/features/feature-set';
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
