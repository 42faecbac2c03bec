// The zod schemas every edge validates tickers and dates with: workflow input, CLI flags, activity arguments.
import { z } from 'zod';
import { ISO_DATE, parseInstant, parseIsoDate } from './dates';

/** Upper-case tickers like AAPL, BRK-B or EURUSD=X. */
export const TICKER = /^[A-Z0-9][A-Z0-9.\-^=]{0,31}$/;

export const tickerSchema = z.string().regex(TICKER, 'symbols are upper-case tickers like AAPL or BRK-B');

/** A YYYY-MM-DD date that exists: "2016-02-30" fails with "date 2016-02-30 does not exist". */
export const isoDateSchema = z.string({ error: 'expected a date YYYY-MM-DD' }).superRefine((text, ctx) => {
  const parsed = parseIsoDate(text);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: ISO_DATE.test(text) ? parsed.reason : 'expected a date YYYY-MM-DD' });
});

/** A YYYY-MM-DD date (the end of that day, UTC) or a timestamp with Z or an offset; parsed to the instant it names. */
export const dayEndOrInstantSchema = z.string({ error: 'expected a date YYYY-MM-DD or a timestamp with a zone' }).transform((text, ctx) => {
  const day = parseIsoDate(text);
  if (day.ok) return new Date(day.ms + 86_400_000 - 1);
  const at = parseInstant(text);
  if (at.ok) return at.instant;
  ctx.addIssue({ code: 'custom', message: ISO_DATE.test(text) ? day.reason : at.reason });
  return z.NEVER;
});

/** Adds "from must not be after to" (on `from`) to an object schema with optional or required from/to dates. */
export function withDateRange<T extends z.ZodType<{ from?: string; to?: string }>>(schema: T): T {
  return schema.refine((i) => !i.from || !i.to || i.from <= i.to, { message: 'from must not be after to', path: ['from'] });
}
