// Bar context: the neighbour facts the quality rules read from each stored bar (previous bar, run of equal closes,
// volume z-score, exchange-calendar gap), stored with the bar instead of recomputed with window functions per run.
// This is the one derivation every write path uses (inline on a fresh import, PriceRepository.deriveContext for the
// rest). A bar's context depends only on the bar, the bars before it and the calendar, never on where a derivation
// started: repair compares recomputed values with stored ones exactly, so that must hold to the last bit.

/** Bars before a bar that its volume baseline covers. */
export const VOLUME_BASELINE_BARS = 60;
/** Finite volumes the baseline needs before a z-score means anything. */
export const VOLUME_MIN_BARS = 20;

const US_PER_DAY = 86_400_000_000;

/** What a bar's context is derived from. ts is epoch microseconds: PostgreSQL's precision, so any stored ts round-trips. */
export interface ContextInput {
  ts: number;
  close: number;
  volume: number;
}

/** A stored bar before the first bar derived; only the last one's closeRun is used (null, a dirty bar, counts as 1). */
export interface SeedBar extends ContextInput {
  closeRun: number | null;
}

/** One bar's context, as stored in price_data's context columns (timestamps in epoch microseconds). */
export interface BarContext {
  prevTs: number | null;
  prevClose: number | null;
  closeRun: number;
  volumeZ: number | null;
  missingSessions: number | null;
  tradingDay: boolean | null;
}

/** A calendar day as exchange_calendar stores it: ordinal = sessions on or before the day. */
export interface CalendarDay {
  day: string;
  trading: boolean;
  ordinal: number;
}

/** XNYS sessions by UTC day number, for the daily-only columns. Days outside the loaded range answer null. */
export class SessionCalendar {
  private constructor(
    private readonly firstDay: number,
    /** -1 where the table has no row for the day. */
    private readonly ordinals: Int32Array,
    private readonly trading: Uint8Array,
  ) {}

  static fromDays(days: readonly CalendarDay[]): SessionCalendar {
    if (days.length === 0) return new SessionCalendar(0, new Int32Array(0), new Uint8Array(0));
    const dayNumbers = days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 86_400_000);
    const first = dayNumbers.reduce((a, b) => Math.min(a, b));
    const size = dayNumbers.reduce((a, b) => Math.max(a, b)) - first + 1;
    const ordinals = new Int32Array(size).fill(-1);
    const trading = new Uint8Array(size);
    days.forEach((d, i) => {
      ordinals[dayNumbers[i] - first] = d.ordinal;
      trading[dayNumbers[i] - first] = d.trading ? 1 : 0;
    });
    return new SessionCalendar(first, ordinals, trading);
  }

  private index(day: number): number {
    const i = day - this.firstDay;
    return i >= 0 && i < this.ordinals.length && this.ordinals[i] >= 0 ? i : -1;
  }

  isSession(day: number): boolean | null {
    const i = this.index(day);
    return i < 0 ? null : this.trading[i] === 1;
  }

  /** Sessions strictly between two days: ord(day − 1) − ord(prevDay), where ord(day − 1) = ord(day) − [day is a session]. */
  sessionsBetween(prevDay: number, day: number): number | null {
    const i = this.index(day);
    const p = this.index(prevDay);
    if (i < 0 || p < 0) return null;
    return Math.max(0, this.ordinals[i] - this.trading[i] - this.ordinals[p]);
  }
}

/** NaN equals NaN, as in PostgreSQL's float8 comparison; a close run treats two NaN closes as the same. */
const sameNumber = (a: number | null, b: number | null) => a === b || (a !== a && b !== b);

export function sameContext(a: BarContext, b: BarContext): boolean {
  return a.closeRun === b.closeRun && a.prevTs === b.prevTs && sameNumber(a.prevClose, b.prevClose) && sameNumber(a.volumeZ, b.volumeZ) &&
    a.missingSessions === b.missingSessions && a.tradingDay === b.tradingDay;
}

/** ln(1 + volume) with negatives as 0; NaN for a non-finite volume, which stays out of every baseline. */
const logVolume = (v: number) => (Number.isFinite(v) ? Math.log(1 + Math.max(v, 0)) : Number.NaN);

/**
 * Derives context bar by bar, in ts order, after a seed of the up to VOLUME_BASELINE_BARS stored bars before the first.
 * Pass calendar null for intraday intervals: the calendar columns are for daily bars only.
 */
export class BarContextDeriver {
  /** The last VOLUME_BASELINE_BARS ln(1 + volume) values, oldest at `head` once full. */
  private readonly window = new Float64Array(VOLUME_BASELINE_BARS);
  private filled = 0;
  private head = 0;
  private prev: ContextInput | null = null;
  private prevRun = 1;

  constructor(seed: readonly SeedBar[], private readonly calendar: SessionCalendar | null) {
    for (const b of seed.slice(-VOLUME_BASELINE_BARS)) this.push(b);
    const last = seed.at(-1);
    if (last) this.prevRun = last.closeRun ?? 1;
  }

  next(bar: ContextInput): BarContext {
    const prev = this.prev;
    const day = Math.floor(bar.ts / US_PER_DAY);
    const ctx: BarContext = {
      prevTs: prev ? prev.ts : null,
      prevClose: prev ? prev.close : null,
      closeRun: prev && sameNumber(prev.close, bar.close) ? this.prevRun + 1 : 1,
      volumeZ: this.volumeZ(logVolume(bar.volume)),
      missingSessions: this.calendar && prev ? this.calendar.sessionsBetween(Math.floor(prev.ts / US_PER_DAY), day) : null,
      tradingDay: this.calendar ? this.calendar.isSession(day) : null,
    };
    this.push(bar);
    this.prevRun = ctx.closeRun;
    return ctx;
  }

  private push(bar: ContextInput): void {
    this.prev = bar;
    const slot = (this.head + this.filled) % VOLUME_BASELINE_BARS;
    this.window[slot] = logVolume(bar.volume);
    if (this.filled < VOLUME_BASELINE_BARS) this.filled++;
    else this.head = (this.head + 1) % VOLUME_BASELINE_BARS;
  }

  /** Mean and sample sd from scratch, oldest first: a running sum would depend on where the derivation started. */
  private volumeZ(x: number): number | null {
    if (Number.isNaN(x)) return null;
    let n = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let k = 0; k < this.filled; k++) {
      const v = this.window[(this.head + k) % VOLUME_BASELINE_BARS];
      if (Number.isNaN(v)) continue;
      n++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    // Equal values are sd 0 exactly; the rounded mean of equal values need not be, and would give noise for a z-score.
    if (n < VOLUME_MIN_BARS || min === max) return null;
    const mean = sum / n;
    let squares = 0;
    for (let k = 0; k < this.filled; k++) {
      const v = this.window[(this.head + k) % VOLUME_BASELINE_BARS];
      if (!Number.isNaN(v)) squares += (v - mean) * (v - mean);
    }
    return (x - mean) / Math.sqrt(squares / (n - 1));
  }
}

/** Each bar's context, for bars in ts order after `seed` (see BarContextDeriver). */
export function deriveBarContext(seed: readonly SeedBar[], calendar: SessionCalendar | null, bars: readonly ContextInput[]): BarContext[] {
  const deriver = new BarContextDeriver(seed, calendar);
  return bars.map((b) => deriver.next(b));
}
