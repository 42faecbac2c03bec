// Computes a feature set over one symbol's bars: the pure core of the features stage.
import type { Bar } from '../providers/bar';
import type { FeatureSetSpec } from './feature-set';
import { indicators, type Series } from './indicators';

export interface CompiledFeatureSet {
  spec: FeatureSetSpec;
  version: string;
  names: string[];
  /** Bars needed before the first bar whose every feature is defined. */
  warmupBars: number;
}

export function compileFeatureSet(spec: FeatureSetSpec, version: string): CompiledFeatureSet {
  const names = spec.features.flatMap((d) => indicators[d.indicator].outputs(d));
  const duplicates = names.filter((n, i) => names.indexOf(n) !== i);
  if (duplicates.length > 0) throw new Error(`feature set ${spec.name}: duplicate output names ${duplicates.join(', ')}`);
  const warmupBars = Math.max(...spec.features.map((d) => indicators[d.indicator].warmup(d)));
  return { spec, version, names, warmupBars };
}

/** Split/dividend-adjusted OHLC: scale each bar by adj_close / close, so returns are not broken by splits. */
export function toSeries(bars: Bar[], input: 'adjusted' | 'raw'): Series {
  const s: Series = { open: [], high: [], low: [], close: [], volume: [] };
  for (const b of bars) {
    const k = input === 'adjusted' && b.adjClose !== null ? b.adjClose / b.close : 1;
    s.open.push(b.open * k);
    s.high.push(b.high * k);
    s.low.push(b.low * k);
    s.close.push(b.close * k);
    s.volume.push(b.volume);
  }
  return s;
}

/** One row of values (in `names` order) per bar; null where an indicator is still warming up. */
export function computeFeatures(set: CompiledFeatureSet, bars: Bar[]): (number | null)[][] {
  const series = { adjusted: toSeries(bars, 'adjusted'), raw: toSeries(bars, 'raw') };
  const columns = set.spec.features.flatMap((def) => indicators[def.indicator].compute(series[def.input], def));
  return bars.map((_, i) => columns.map((c) => c[i]));
}
