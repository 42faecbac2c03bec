// Strict dates and instants for every edge where one enters: files, provider payloads, CLI flags, workflow input.
// JavaScript's Date rolls impossible days over (2016-04-31 becomes 2016-05-01); these parsers refuse them and say why.

export type DateParse = { ok: true; date: string; ms: number } | { ok: false; reason: string };
export type InstantParse = { ok: true; instant: Date } | { ok: false; reason: string };

/** The shape of a YYYY-MM-DD date (whether it exists is parseIsoDate's question). */
export const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Date, time (T or a space), optional fraction, optional zone: Z, ±HH:MM or ±HHMM. */
const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Midnight UTC of a calendar day, also for years 0001–0099 (Date.UTC maps those to 19xx). */
function utcDay(year: number, month: number, day: number): number {
  if (year >= 100) return Date.UTC(year, month - 1, day);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The days of `month` (1–12) in `year`, leap years by the Gregorian rule. Arithmetic: this is every row's hot path. */
function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : MONTH_DAYS[month - 1];
}

/**
 * A calendar date written YYYY-MM-DD that exists: 2016-02-29 does, 2015-02-29, 2016-04-31 and 0000-01-01 do not.
 * `ms` is its midnight UTC, which is how daily bars are stored.
 */
export function parseIsoDate(text: string): DateParse {
  const m = ISO_DATE.exec(text);
  if (!m) return { ok: false, reason: `date ${JSON.stringify(text)} is not a date (expected YYYY-MM-DD)` };
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return { ok: false, reason: `date ${text} does not exist` };
  return { ok: true, date: text, ms: utcDay(year, month, day) };
}

/** True when `text` is a YYYY-MM-DD date that exists. */
export const isIsoDate = (text: string): boolean => parseIsoDate(text).ok;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock in `timeZone` at an instant (Intl, so no tz database dependency). */
export function wallClockAt(epochMs: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(epochMs))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return { year: out.year, month: out.month, day: out.day, hour: out.hour, minute: out.minute, second: out.second };
}

/** The zone's offset from UTC (ms) at an instant. */
function offsetAt(epochMs: number, timeZone: string): number {
  const whole = Math.floor(epochMs / 1000) * 1000;
  const p = wallClockAt(whole, timeZone);
  return utcDay(p.year, p.month, p.day) + ((p.hour * 60 + p.minute) * 60 + p.second) * 1000 - whole;
}

/** The instant a wall-clock time in `timeZone` names; undefined in a DST gap. An ambiguous (repeated) hour is its first. */
function zonedToUtc(wallMs: number, timeZone: string): number | undefined {
  // The offsets a day either side cover both readings of a transition; an instant is one whose own offset agrees.
  const offsets = new Set([offsetAt(wallMs - 86_400_000, timeZone), offsetAt(wallMs, timeZone), offsetAt(wallMs + 86_400_000, timeZone)]);
  return [...offsets].map((o) => wallMs - o).sort((a, b) => a - b).find((t) => offsetAt(t, timeZone) === wallMs - t);
}

/** A YYYY-MM-DD date (its midnight UTC: the day a daily bar or a filing belongs to) or a timestamp (parseInstant). */
export function parseDateOrInstant(text: string, options: InstantOptions = {}): InstantParse {
  if (text.includes(':')) return parseInstant(text, options);
  const day = parseIsoDate(text);
  return day.ok ? { ok: true, instant: new Date(day.ms) } : day;
}

export interface InstantOptions {
  /**
   * IANA zone a timestamp without Z or an offset is wall-clock time in (e.g. Alpha Vantage's US/Eastern). A wall time
   * skipped by a DST change is refused; a repeated one is its first occurrence. @default none: a zone is required
   */
  timeZone?: string;
}

/**
 * A timestamp that names one real instant: YYYY-MM-DD, T or a space, HH:MM[:SS[.fff]], then Z or an offset
 * (or, with `timeZone`, a wall-clock time there). The date must exist and the clock fields be in range.
 */
export function parseInstant(text: string, options: InstantOptions = {}): InstantParse {
  const m = ISO_INSTANT.exec(text);
  if (!m) return { ok: false, reason: `timestamp ${JSON.stringify(text)} is not YYYY-MM-DDTHH:MM[:SS] with Z or an offset` };
  const day = parseIsoDate(m[1]);
  if (!day.ok) return { ok: false, reason: `timestamp ${text}: ${day.reason}` };
  const [hour, minute, second] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, reason: `timestamp ${text}: time ${m[2]}:${m[3]}${m[4] ? `:${m[4]}` : ''} does not exist` };
  const fraction = m[5] ? Math.floor(Number(`0.${m[5]}`) * 1000) : 0;
  const wall = day.ms + ((hour * 60 + minute) * 60 + second) * 1000 + fraction;
  const zone = m[6];
  if (zone) {
    if (zone.toUpperCase() === 'Z') return { ok: true, instant: new Date(wall) };
    const [oh, om] = [Number(zone.slice(1, 3)), Number(zone.slice(-2))];
    if (oh > 18 || om > 59) return { ok: false, reason: `timestamp ${text}: offset ${zone} does not exist` };
    return { ok: true, instant: new Date(wall - (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000) };
  }
  if (!options.timeZone) return { ok: false, reason: `timestamp ${text} has no zone (add Z or an offset like -05:00)` };
  const utc = zonedToUtc(wall, options.timeZone);
  if (utc === undefined) return { ok: false, reason: `timestamp ${text} does not exist in ${options.timeZone} (skipped by a daylight-saving change)` };
  return { ok: true, instant: new Date(utc) };
}
