// Deterministic synthetic daily bars: seeded geometric Brownian motion with volume, weekdays only and
// a fixed set of holiday gaps. Same seed, symbol and date → same bar, for demos and benchmarks at any scale.
// Any range from 1900 on is served in full; an earlier start is refused, never silently cut.
// Interval '1m' serves 390 one-minute bars per trading day (14:30–20:59 UTC: the NYSE session at UTC−5, DST ignored),
// each session a walk from that day's daily open, so minute bars scale benchmarks to intraday sizes.
import { InputError } from '../contracts/errors';
import { minusDays } from '../contracts/input';
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

/** The forward path starts here (its bars are unchanged from before ranges earlier than this were served). */
const ORIGIN = '2000-01-03';
/** Ranges may start this early; earlier is refused rather than silently walked for centuries. */
const EARLIEST = '1900-01-01';

type SyntheticFields = { date: string; open: number; high: number; low: number; close: number; adjClose: number; volume: number };

/** Fixed holidays as month × 100 + day (01-01, 07-04, 12-25): compared as numbers, not as date strings per day. */
const HOLIDAYS_MMDD = new Set([101, 704, 1225]);
/** The intervals served: one bar per trading day, or one per minute of its session. */
export const SYNTHETIC_INTERVALS = ['1d', '1m'] as const;
const SESSION_MINUTES = 390;
/** 09:30 at UTC−5, the NYSE open outside daylight saving time. */
const SESSION_OPEN_UTC_MS = (14 * 60 + 30) * 60_000;
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
      if (dow === 0 || dow === 6 || HOLIDAYS_MMDD.has((d.getUTCMonth() + 1) * 100 + d.getUTCDate())) continue;
      days.push(d);
    }
    return days;
  }

  async *rows(symbol: string, interval: string, range: DateRange): AsyncIterable<RawPriceRow> {
    if (range.from < EARLIEST) {
      throw new InputError(`synthetic bars start at ${EARLIEST}; asked for ${range.from}..${range.to}`, `source synthetic ${symbol}`);
    }
    if (!(SYNTHETIC_INTERVALS as readonly string[]).includes(interval)) {
      throw new InputError(`synthetic bars come in intervals ${SYNTHETIC_INTERVALS.join(', ')}; asked for "${interval}"`, `source synthetic ${symbol}`);
    }
    if (interval === '1m') {
      for await (const day of this.rows(symbol, '1d', range)) yield* this.minutes(symbol, day.fields as SyntheticFields);
      return;
    }
    // Two paths from a fixed origin, forward and backward, each with its own seed: a bar depends only on seed, symbol
    // and date, so any sub-range yields the same bars as the full range, and a range before the origin is served too.
    const start = 20 + (hash(symbol) % 200);
    if (range.from < ORIGIN) {
      const earlier = [...this.walk(symbol, 'backward', start, { from: range.from, to: minusDays(ORIGIN, 1) }, range)].reverse();
      yield* earlier.map((fields) => this.row(symbol, fields));
    }
    if (range.to >= ORIGIN) for (const fields of this.walk(symbol, 'forward', start, { from: ORIGIN, to: range.to }, range)) yield this.row(symbol, fields);
  }

  /** One session of minute bars: a walk from the daily open with the daily volatility spread over its minutes. */
  private *minutes(symbol: string, daily: SyntheticFields): Iterable<RawPriceRow> {
    const rand = rng(hash(`${this.seed}:${symbol}:1m:${daily.date}`));
    const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
    const sigma = this.volatility / Math.sqrt(252 * SESSION_MINUTES);
    const open0 = Date.parse(`${daily.date}T00:00:00Z`) + SESSION_OPEN_UTC_MS;
    let price = daily.open;
    for (let m = 0; m < SESSION_MINUTES; m++) {
      const open = price;
      const close = open * Math.exp(sigma * gauss());
      const high = Math.max(open, close) * (1 + Math.abs(0.25 * sigma * gauss()));
      const low = Math.min(open, close) * (1 - Math.abs(0.25 * sigma * gauss()));
      price = close;
      const ts = open0 + m * 60_000;
      const fields = { date: ts, open: round4(open), high: round4(high), low: round4(low), close: round4(close), adjClose: round4(close), volume: Math.round(daily.volume / SESSION_MINUTES * (0.5 + rand())) };
      yield { location: `synthetic:${symbol}:${ts}`, raw: fields, fields };
    }
  }

  private row(symbol: string, fields: SyntheticFields): RawPriceRow {
    return { location: `synthetic:${symbol}:${fields.date}`, raw: fields, fields };
  }

  /**
   * Bars of `path` over `span` (forward from its first day, backward from its last), those inside `keep` returned in
   * walking order. Backward, each day's close leads into the next day's open, so the two paths meet at the origin.
   */
  private *walk(symbol: string, direction: 'forward' | 'backward', startPrice: number, span: DateRange, keep: DateRange): Iterable<SyntheticFields> {
    const rand = rng(hash(direction === 'forward' ? `${this.seed}:${symbol}` : `${this.seed}:${symbol}:before-${ORIGIN}`));
    const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
    const dt = 1 / 252;
    const days = SyntheticProvider.tradingDays(span);
    if (direction === 'backward') days.reverse();
    let price = startPrice;
    const [keepFrom, keepTo] = [Date.parse(`${keep.from}T00:00:00Z`), Date.parse(`${keep.to}T00:00:00Z`)];
    for (const day of days) {
      const z = gauss();
      const step = Math.exp((this.drift - 0.5 * this.volatility ** 2) * dt + this.volatility * Math.sqrt(dt) * z);
      const gap = 1 + 0.002 * gauss();
      const [open, close] = direction === 'forward' ? [price * gap, price * gap * step] : [(price / gap) / step, price / gap];
      const high = Math.max(open, close) * (1 + Math.abs(0.004 * gauss()));
      const low = Math.min(open, close) * (1 - Math.abs(0.004 * gauss()));
      const volume = Math.round(1_000_000 * Math.exp(0.3 * gauss() + 2 * Math.abs(z) * 0.2));
      price = direction === 'forward' ? close : open;
      if (day.getTime() < keepFrom || day.getTime() > keepTo) continue;
      yield { date: day.toISOString().slice(0, 10), open: round4(open), high: round4(high), low: round4(low), close: round4(close), adjClose: round4(close), volume };
    }
  }
}
