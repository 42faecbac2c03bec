// What the browser may send: query parameters parsed with zod. A bad value is a 400 naming the parameter, the
// value and what was expected; an id that names nothing is a 404. Nothing a browser sends reaches SQL unparsed.
import { z } from 'zod';

/** A query parameter failed its schema: rendered as HTTP 400 with this message. */
export class UiParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UiParamError';
  }
}

/** The thing a URL names does not exist (an unknown run, rule, portfolio): rendered as HTTP 404. */
export class UiNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UiNotFoundError';
  }
}

/** Reusable parameter schemas; empty strings (an untouched form field) count as absent. */
const blankAsUndefined = (v: unknown) => (v === '' ? undefined : v);
export const q = {
  optional: <T extends z.ZodType>(schema: T) => z.preprocess(blankAsUndefined, schema.optional()),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date'),
  uuid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected a UUID'),
  symbol: z.string().regex(/^[A-Za-z0-9.^=_-]{1,32}$/, 'expected a symbol (letters, digits, . ^ = _ -; at most 32)'),
  /** Comma- or space-separated symbols, upper-cased. */
  symbols: z.string().max(2000).transform((s) => s.split(/[\s,]+/).filter(Boolean).map((x) => x.toUpperCase()))
    .pipe(z.array(z.string().regex(/^[A-Z0-9.^=_-]{1,32}$/, 'expected symbols (letters, digits, . ^ = _ -) separated by commas')).max(200)),
  int: (min: number, max: number) => z.coerce.number().int().min(min).max(max),
  text: (max: number) => z.string().max(max),
};

/**
 * Parses the query (each parameter given once; repeated or unknown parameters are refused) against `shape`.
 * Throws UiParamError naming every bad parameter.
 */
export function parseQuery<S extends z.ZodRawShape>(url: string, shape: S): z.infer<z.ZodObject<S>> {
  const params = new URL(url, 'http://ui.invalid').searchParams;
  const raw: Record<string, string> = {};
  const problems: string[] = [];
  for (const [k, v] of params) {
    if (k === 'token') continue; // consumed by the auth middleware
    if (!(k in shape)) problems.push(`${k}: unknown parameter (expected ${Object.keys(shape).join(', ') || 'none'})`);
    else if (k in raw) problems.push(`${k}: given more than once`);
    else raw[k] = v;
  }
  if (problems.length === 0) {
    const parsed = z.object(shape).safeParse(raw);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '?');
      problems.push(`${name}=${JSON.stringify(raw[name] ?? null)}: ${issue.message}`);
    }
  }
  throw new UiParamError(`bad query parameter: ${problems.join('; ')}`);
}
