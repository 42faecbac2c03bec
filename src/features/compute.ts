// Computes a feature set over one symbol's bars: the pure core of the features stage.
import type { InputDataset } from '../contracts/derived';
import type { Bar } from '../providers/bar';
import type { FeatureSetSpec } from './feature-set';
import type { FundamentalFact } from './fundamentals';
import type { DocumentFactInput } from '../documents/features';
import { indicators, type Column, type Series } from './indicators';

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
  /** Whether the set reads documents. */
  usesDocuments: boolean;
  /** The input datasets its values are computed from (what makes its rows stale when they change). */
  inputs: InputDataset[];
  /** Positions (in `names`) of running totals, re-anchored on incremental runs. */
  cumulativeColumns: number[];
}

/**
 * Per indicator: document signals read only documents (their values do not depend on prices), fundamental ratios
 * read company_fundamental and the close, every other indicator reads the bars. Sorted, so it is a stable list.
 */
export function featureSetInputs(spec: FeatureSetSpec): InputDataset[] {
  const inputs = new Set<InputDataset>();
  for (const d of spec.features) {
    const ind = indicators[d.indicator];
    if (ind.documents === true) inputs.add('document');
    else {
      inputs.add('price_data');
      if (ind.fundamental === true) inputs.add('company_fundamental');
    }
  }
  return [...inputs].sort();
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
    usesDocuments: spec.features.some((d) => indicators[d.indicator].documents === true),
    inputs: featureSetInputs(spec),
    cumulativeColumns,
  };
}

/** One symbol's bars as columns, oldest first: what the indicators read. `adjClose` is NaN where unknown. */
export interface BarColumns {
  /** Epoch milliseconds. */
  ts: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  adjClose: Float64Array;
  volume: Float64Array;
}

export function barColumns(bars: Bar[]): BarColumns {
  const n = bars.length;
  const c: BarColumns = {
    ts: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n),
    close: new Float64Array(n), adjClose: new Float64Array(n), volume: new Float64Array(n),
  };
  bars.forEach((b, i) => {
    c.ts[i] = b.ts.getTime();
    c.open[i] = b.open;
    c.high[i] = b.high;
    c.low[i] = b.low;
    c.close[i] = b.close;
    c.adjClose[i] = b.adjClose ?? NaN;
    c.volume[i] = b.volume;
  });
  return c;
}

/** Split/dividend-adjusted OHLC: scale each bar by adj_close / close, so returns are not broken by splits. */
export function toSeries(bars: BarColumns, input: 'adjusted' | 'raw'): Series {
  if (input === 'raw') return { open: bars.open, high: bars.high, low: bars.low, close: bars.close, volume: bars.volume };
  const n = bars.ts.length;
  const s: Series = { open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: bars.volume };
  for (let i = 0; i < n; i++) {
    const k = Number.isNaN(bars.adjClose[i]) ? 1 : bars.adjClose[i] / bars.close[i];
    s.open[i] = bars.open[i] * k;
    s.high[i] = bars.high[i] * k;
    s.low[i] = bars.low[i] * k;
    s.close[i] = bars.close[i] * k;
  }
  return s;
}

export interface ComputeOptions {
  /** Published fundamentals of the symbol (only read by fundamental indicators). */
  facts?: FundamentalFact[];
  /** Current documents of the symbol, oldest first (only read by document indicators). */
  documents?: DocumentFactInput[];
  /** Stored values at bar `index` from an earlier run: running totals are shifted to continue from them. */
  anchor?: { index: number; values: (number | null)[] };
}

/** One column per output (in `names` order), aligned to the bars; NaN where a value is missing (warm-up). */
export function computeColumns(set: CompiledFeatureSet, bars: BarColumns, options: ComputeOptions = {}): Column[] {
  const needs = new Set(set.spec.features.map((d) => d.input));
  const series = {
    adjusted: needs.has('adjusted') ? toSeries(bars, 'adjusted') : undefined,
    raw: needs.has('raw') ? toSeries(bars, 'raw') : undefined,
  };
  const ctx = { ts: bars.ts, facts: options.facts ?? [], documents: options.documents ?? [] };
  const columns = set.spec.features.flatMap((def) => indicators[def.indicator].compute(series[def.input]!, def, ctx));
  const { anchor } = options;
  if (anchor) {
    for (const c of set.cumulativeColumns) {
      const stored = anchor.values[c];
      const computed = columns[c][anchor.index];
      if (stored === null || stored === undefined || Number.isNaN(computed)) continue;
      const shift = stored - computed;
      const column = columns[c];
      for (let i = 0; i < column.length; i++) column[i] = column[i] + shift;
    }
  }
  return columns;
}

/** The values of bar `i` in `names` order; null where missing. */
export function rowAt(columns: Column[], i: number): (number | null)[] {
  return columns.map((c) => (Number.isNaN(c[i]) ? null : c[i]));
}

/** One row of values (in `names` order) per bar; null where an indicator is still warming up. */
export function computeFeatures(set: CompiledFeatureSet, bars: Bar[], options: ComputeOptions = {}): (number | null)[][] {
  const columns = computeColumns(set, barColumns(bars), options);
  return bars.map((_, i) => rowAt(columns, i));
}
