// The one normalized bar shape every provider's rows are checked against before they may reach PriceData.
import { z } from 'zod';
import { parseDateOrInstant } from '../contracts/dates';

export interface Bar {
  symbol: string;
  interval: string;
  ts: Date;
  open: number;
  high: number;
  low: number;
  close: number;
  adjClose: number | null;
  volume: number;
}

/** A row as a provider read it: where it was, and its fields before any parsing. */
export interface RawPriceRow {
  location: string;
  raw: Record<string, unknown> | string;
  /** Set when the row could not even be split into fields (e.g. a line that is not JSON): quarantined as is. */
  error?: string;
  /** Fields mapped onto our names; strings (from files) or numbers (from JSON/generators). */
  fields: { date: unknown; open: unknown; high: unknown; low: unknown; close: unknown; adjClose?: unknown; volume: unknown };
}

const finiteNumber = (field: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === '' ? Number.NaN : Number(v.trim())) : v),
    z.number({ error: `${field} is not a finite number` }).refine(Number.isFinite, `${field} is not a finite number`),
  );

/**
 * A row's date through the strict parsers: YYYY-MM-DD is the trading day (midnight UTC); other text must be a
 * timestamp with Z or an offset; numbers are epoch milliseconds. An impossible date is refused, never rolled over.
 */
function readDate(v: unknown): { ok: true; date: Date } | { ok: false; reason: string } {
  if (typeof v === 'string') {
    const at = parseDateOrInstant(v.trim());
    return at.ok ? { ok: true, date: at.instant } : at;
  }
  const d = typeof v === 'number' ? new Date(v) : v instanceof Date ? v : undefined;
  return d && Number.isFinite(d.getTime()) ? { ok: true, date: d } : { ok: false, reason: `date ${JSON.stringify(v ?? null)} is not a date` };
}

/** The row's timestamp in ms if its date field can be read, else null: for range filtering before checks. */
export function rowTime(row: RawPriceRow): number | null {
  const d = readDate(row.fields?.date);
  return d.ok ? d.date.getTime() : null;
}

const fieldsSchema = z.object({
  date: z.unknown().transform((v, ctx) => {
    const d = readDate(v);
    if (!d.ok) {
      ctx.addIssue({ code: 'custom', message: d.reason });
      return z.NEVER;
    }
    return d.date;
  }),
  open: finiteNumber('open'),
  high: finiteNumber('high'),
  low: finiteNumber('low'),
  close: finiteNumber('close'),
  adjClose: z.union([finiteNumber('adj_close'), z.undefined(), z.null()]).transform((v) => v ?? null),
  volume: finiteNumber('volume'),
});

export type BarCheck = { ok: true; bar: Bar } | { ok: false; reason: string };

/** Parses and checks one row. `now` bounds timestamps: bars from the future are refused. */
/** Plain numbers and numeric strings, without zod: the hot path of a million-row import. */
function fastNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return Number.NaN;
}

type ParsedFields = { date: Date; open: number; high: number; low: number; close: number; adjClose: number | null; volume: number };

/** Returns the parsed fields when every one is plainly valid; undefined sends the row to zod for exact reasons. */
function parseFast(f: RawPriceRow['fields']): ParsedFields | undefined {
  const read = readDate(f.date);
  if (!read.ok) return undefined;
  const date = read.date;
  const open = fastNumber(f.open);
  const high = fastNumber(f.high);
  const low = fastNumber(f.low);
  const close = fastNumber(f.close);
  const volume = fastNumber(f.volume);
  const adjClose = f.adjClose === undefined || f.adjClose === null ? null : fastNumber(f.adjClose);
  const all = [date.getTime(), open, high, low, close, volume, adjClose ?? 0];
  return all.every(Number.isFinite) ? { date, open, high, low, close, adjClose, volume } : undefined;
}

export function checkBar(row: RawPriceRow, symbol: string, interval: string, now: Date): BarCheck {
  if (row.error) return { ok: false, reason: row.error };
  let f = parseFast(row.fields);
  if (!f) {
    const parsed = fieldsSchema.safeParse(row.fields);
    if (!parsed.success) {
      return { ok: false, reason: parsed.error.issues.map((i) => i.message).join('; ') };
    }
    f = parsed.data;
  }
  const problems: string[] = [];
  if (f.open <= 0 || f.high <= 0 || f.low <= 0 || f.close <= 0) problems.push('non-positive price');
  if (f.adjClose !== null && f.adjClose <= 0) problems.push('non-positive adj_close');
  if (f.volume < 0) problems.push('negative volume');
  if (f.high < f.low) problems.push(`high ${f.high} < low ${f.low}`);
  else {
    if (f.open < f.low || f.open > f.high) problems.push(`open ${f.open} outside [low ${f.low}, high ${f.high}]`);
    if (f.close < f.low || f.close > f.high) problems.push(`close ${f.close} outside [low ${f.low}, high ${f.high}]`);
  }
  if (f.date.getTime() > now.getTime()) problems.push(`timestamp ${f.date.toISOString()} is in the future`);
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return {
    ok: true,
    bar: { symbol, interval, ts: f.date, open: f.open, high: f.high, low: f.low, close: f.close, adjClose: f.adjClose, volume: f.volume },
  };
}

/** Same bar twice with identical values: harmless, counted and skipped. Different values: a conflict to quarantine. */
export function sameValues(a: Bar, b: Bar): boolean {
  return a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close && a.adjClose === b.adjClose && a.volume === b.volume;
}
