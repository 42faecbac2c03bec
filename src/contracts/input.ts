// Pure helpers for validating inputs at the workflow/activity boundary: safe inside Temporal's sandbox.
import type { z } from 'zod';
import { InputError, nonRetryableFailure } from './errors';

/** Human-readable list of what is wrong, each naming its field: "symbols[1]: symbols are upper-case tickers...". */
export function describeInputIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const field = i.path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
      return `${field || '(input)'}: ${i.message}`;
    })
    .join('; ');
}

/** `date` minus `days` calendar days, as YYYY-MM-DD. */
export function minusDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A workflow's input checked against its schema. A mismatch fails the workflow at once, non-retryably, as an
 * InputError "invalid <what> input: <field>: <problem>; …" (the same type name activities use for bad input).
 */
export function parseWorkflowInput<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw nonRetryableFailure(new InputError(describeInputIssues(parsed.error), `invalid ${what} input`));
  return parsed.data;
}
