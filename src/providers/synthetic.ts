// Deterministic synthetic daily bars: seeded geometric Brownian motion with volume, weekdays only and
// a fixed set of holiday gaps. Same seed and symbol → same bars, for demos and benchmarks at any scale.
import type { DatasetRef } from '../contracts/dataset-ref';
import type { RawPriceRow } from './bar';
import type { DateRange, PriceProvider } from './provider';

/** mulberry32: tiny, fast, good enough for test data; deterministic across platforms. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const HOLIDAYS_MMDD = new Set(['01-01', '07-04', '12-25']);
const round4 = (x: number) => Math.round(x * 10000) / 10000;

export class SyntheticProvider implements PriceProvider {
  readonly name = 'synthetic';
  constructor(readonly seed = 42, readonly drift = 0.07, readonly volatility = 0.25) {}

  datasetFor(symbol: string, interval: string): DatasetRef {
    return { kind: 'synthetic', seed: this.seed, symbol, interval };
  }

  /** Trading days in the range: weekdays minus the fixed holidays. */
  static tradingDays(range: DateRange): Date[] {
    const days: Date[] = [];
    const end = Date.parse(`${range.to}T00:00:00Z`);
    for (let t = Date.parse(`${range.from}T00:00:00Z`); t <= end; t += 86_400_000) {
      const d = new Date(t);
      const dow = d.getUTCDay();
      if (dow === 0 || dow === 6 || HOLIDAYS_MMDD.has(d.toISOString().slice(5, 10))) continue;
      days.push(d);
    }
    return days;
  }

  async *rows(symbol: string, _interval: string, range: DateRange): AsyncIterable<RawPriceRow> {
    // The path starts at a fixed origin so a sub-range yields the same bars as the full range.
    const rand = rng(hash(`${this.seed}:${symbol}`));
    const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
    const dt = 1 / 252;
    let price = 20 + (hash(symbol) % 200);
    const start = Date.parse(`${range.from}T00:00:00Z`);
    for (const day of SyntheticProvider.tradingDays({ from: '2000-01-03', to: range.to })) {
      const z = gauss();
      const open = price * (1 + 0.002 * gauss());
      const close = open * Math.exp((this.drift - 0.5 * this.volatility ** 2) * dt + this.volatility * Math.sqrt(dt) * z);
      const high = Math.max(open, close) * (1 + Math.abs(0.004 * gauss()));
      const low = Math.min(open, close) * (1 - Math.abs(0.004 * gauss()));
      const volume = Math.round(1_000_000 * Math.exp(0.3 * gauss() + 2 * Math.abs(z) * 0.2));
      price = close;
      if (day.getTime() < start) continue;
      const fields = { date: day.toISOString().slice(0, 10), open: round4(open), high: round4(high), low: round4(low), close: round4(close), adjClose: round4(close), volume };
      yield { location: `synthetic:${symbol}:${fields.date}`, raw: fields, fields };
    }
  }
}
