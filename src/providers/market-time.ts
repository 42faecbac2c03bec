// Time-zone arithmetic for provider timestamps, on Node's built-in Intl (no tz database dependency). Wall-clock
// text is parsed by parseInstant (src/contracts/dates.ts), which refuses times a zone skips.
import { wallClockAt } from '../contracts/dates';

/** The calendar date (YYYY-MM-DD) of an instant in a zone: a daily bar stamped at the open belongs to that day. */
export function dateInZone(epochMs: number, timeZone: string): string {
  const p = wallClockAt(epochMs, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export interface ParsedInterval {
  count: number;
  unit: 'minute' | 'hour' | 'day' | 'week' | 'month';
}

const UNITS: Record<string, ParsedInterval['unit']> = {
  m: 'minute', min: 'minute', minute: 'minute', h: 'hour', hour: 'hour', d: 'day', day: 'day', wk: 'week', w: 'week', week: 'week', mo: 'month', month: 'month',
};

/** Our interval names ("1d", "5m", "1h", "1wk") as a count and unit; undefined when not one. */
export function parseInterval(interval: string): ParsedInterval | undefined {
  const m = /^(\d+)\s*([a-z]+)$/.exec(interval.trim().toLowerCase());
  const unit = m ? UNITS[m[2]] : undefined;
  return m && unit && Number(m[1]) > 0 ? { count: Number(m[1]), unit } : undefined;
}

/** Daily and longer bars are dated (midnight UTC of the trading day); shorter ones are instants. */
export function isIntraday(i: ParsedInterval): boolean {
  return i.unit === 'minute' || i.unit === 'hour';
}
