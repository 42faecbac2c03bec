// Time-zone arithmetic for provider timestamps, on Node's built-in Intl (no tz database dependency).
const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(epochMs: number, timeZone: string): Record<string, number> {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(epochMs))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** The calendar date (YYYY-MM-DD) of an instant in a zone: a daily bar stamped at the open belongs to that day. */
export function dateInZone(epochMs: number, timeZone: string): string {
  const p = parts(epochMs, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/**
 * The UTC instant of a wall-clock time ("2017-12-18 14:56:00") in a zone, DST-aware.
 * Returns undefined for text that is not a wall-clock time, so the row is quarantined rather than guessed.
 */
export function zonedWallTimeToUtc(wallTime: string, timeZone: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(wallTime.trim());
  if (!m) return undefined;
  const asUtc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0));
  // Two passes settle the offset also on DST transition days.
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const p = parts(guess, timeZone);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    guess += asUtc - shown;
  }
  return new Date(guess);
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
