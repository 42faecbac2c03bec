// Computes a feature set over one symbol's bars: the pure core of the features stage.
import type { Bar } from '../providers/bar';
import type { FeatureSetSpec } from './feature-set';
import type { FundamentalFact } from './fundamentals';
import { indicators, type Series } from './indicators';

/**
 * Bars read before the first bar to compute, beyond the longest warm-up. Recursive indicators (EMA, Wilder's RSI,
 * ATR, ADX) remember their seed; after this many bars the seed's weight is below 1e-8 for every default period, so
 * an incremental run writes the values a full-history run would.
 */
export const STABILIZATION_BARS = 250;

export interface CompiledFeatureSet {
  spec: FeatureSetSpec;
  version: string;
  names: string[];
  /** Bars needed before the first bar whose every feature is defined. */
  warmupBars: number;
  /** Bars an incremental run re-reads before its first new bar: warm-up plus stabilization. */
  lookbackBars: number;
  /** Whether the set reads company_fundamental. */
  usesFundamentals: boolean;
  /** Positions (in `names`) of running totals, re-anchored on incremental runs. */
  cumulativeColumns: number[];
}

export function compileFeatureSet(spec: FeatureSetSpec, version: string): CompiledFeatureSet {
  const names = spec.features.flatMap((d) => indicators[d.indicator].outputs(d));
  const duplicates = names.filter((n, i) => names.indexOf(n) !== i);
  if (duplicates.length > 0) throw new Error(`feature set ${spec.name}: duplicate output names ${duplicates.join(', ')}`);
  const warmupBars = Math.max(...spec.features.map((d) => indicators[d.indicator].warmup(d)));
  const cumulativeColumns: number[] = [];
  let position = 0;
  for (const d of spec.features) {
    const outputs = indicators[d.indicator].outputs(d);
    if (indicators[d.indicator].cumulative) outputs.forEach((_, k) => cumulativeColumns.push(position + k));
    position += outputs.length;
  }
  return {
    spec, version, names, warmupBars, lookbackBars: warmupBars + STABILIZATION_BARS,
    usesFundamentals: spec.features.some((d) => indicators[d.indicator].fundamental === true),
    cumulativeColumns,
  };
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

export interface ComputeOptions {
  /** Published fundamentals of the symbol (only read by fundamental indicators). */
  facts?: FundamentalFact[];
  /** Stored values at bar `index` from an earlier run: running totals are shifted to continue from them. */
  anchor?: { index: number; values: (number | null)[] };
}

/** One row of values (in `names` order) per bar; null where an indicator is still warming up. */
export function computeFeatures(set: CompiledFeatureSet, bars: Bar[], options: ComputeOptions = {}): (number | null)[][] {
  const series = { adjusted: toSeries(bars, 'adjusted'), raw: toSeries(bars, 'raw') };
  const ctx = { ts: bars.map((b) => b.ts), facts: options.facts ?? [] };
  const columns = set.spec.features.flatMap((def) => indicators[def.indicator].compute(series[def.input], def, ctx));
  const { anchor } = options;
  if (anchor) {
    for (const c of set.cumulativeColumns) {
      const stored = anchor.values[c];
      const computed = columns[c][anchor.index];
      if (stored === null || stored === undefined || computed === null) continue;
      const shift = stored - computed;
      columns[c] = columns[c].map((v) => (v === null ? null : v + shift));
    }
  }
  return bars.map((_, i) => columns.map((c) => c[i]));
}
