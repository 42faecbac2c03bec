// The fundamentals import: provider figures → checked (zod) → staging → new versions only; rejected → quarantine.
// Invariant reported to the user: received = stored + unchanged + quarantined + exactDuplicates.
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { formatDatasetRef, type DatasetRef } from '../contracts/dataset-ref';
import { parseDateOrInstant, parseIsoDate } from '../contracts/dates';
import type { FundamentalsProvider, RawFundamentalRow } from '../providers/provider';
import type { Fundamental, FundamentalRepository } from '../repositories/fundamental-repository';
import type { QuarantinedRow } from '../repositories/quarantine-repository';

export interface FundamentalsImportRequest {
  symbols: string[];
  pipelineRunId: string | null;
  /** Figures published after this are refused as "in the future". @default now */
  now?: Date;
}

export interface FundamentalsImportSummary {
  /** Figures the provider gave. */
  received: number;
  /** New versions inserted. */
  stored: number;
  /** Versions already stored with the same value (a re-import). */
  unchanged: number;
  quarantined: number;
  /** The same version twice in one payload with the same value: counted once. */
  exactDuplicates: number;
  perSymbol: Record<string, { received: number; stored: number; quarantined: number }>;
  datasets: DatasetRef[];
}

const finite = (field: string) =>
  z.unknown().transform((v, ctx) => {
    // Figures arrive as numbers (JSON) or strings (CSV, Alpha Vantage); "" and "None" are not zero.
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      ctx.addIssue({ code: 'custom', message: `${field} ${JSON.stringify(v)} is not a finite number` });
      return z.NEVER;
    }
    return n;
  });

const dateOnly = (field: string) =>
  z.string({ error: (i) => `${field} ${JSON.stringify(i.input)} is not a YYYY-MM-DD date` })
    .trim()
    .superRefine((v, ctx) => {
      const d = parseIsoDate(v);
      if (!d.ok) ctx.addIssue({ code: 'custom', message: `${field}: ${d.reason}` });
    });

const instant = (field: string) =>
  z.union([z.string(), z.date()], { error: (i) => `${field} ${JSON.stringify(i.input)} is not a date` }).transform((v, ctx) => {
    if (v instanceof Date) return v;
    // A filing date without a time means that day; stored as midnight UTC. A time must carry its zone.
    const d = parseDateOrInstant(v.trim());
    if (!d.ok) {
      ctx.addIssue({ code: 'custom', message: `${field}: ${d.reason}` });
      return z.NEVER;
    }
    return d.instant;
  });

const fieldsSchema = z.object({
  symbol: z.string({ error: (i) => `symbol ${JSON.stringify(i.input)} is not a string` }).trim().min(1).max(32),
  metric: z.string({ error: (i) => `metric ${JSON.stringify(i.input)} is not a string` }).trim().regex(/^[a-z][a-z0-9_]{0,127}$/, 'metric must be snake_case, at most 128 characters'),
  fiscalPeriod: z.enum(['FY', 'Q1', 'Q2', 'Q3', 'Q4'], { error: (i) => `fiscal period ${JSON.stringify(i.input)} is not one of FY, Q1, Q2, Q3, Q4` }),
  fiscalYear: z.preprocess((v) => (typeof v === 'string' ? Number(v) : v), z.number({ error: (i) => `fiscal year ${JSON.stringify(i.input)} is not a year` }).int('fiscal year is not a whole number').min(1900, 'fiscal year before 1900').max(2200, 'fiscal year after 2200')),
  periodEnd: dateOnly('period end'),
  value: finite('value'),
  unit: z.union([z.string().trim().min(1).max(16, 'unit longer than 16 characters'), z.null(), z.undefined()]).transform((v) => v ?? null),
  publishedAt: instant('published at'),
});

type Check = { ok: true; fundamental: Fundamental } | { ok: false; reason: string };

/** Parses and checks one figure. `now` bounds publication: figures from the future are refused. */
export function checkFundamental(row: RawFundamentalRow, symbol: string, now: Date): Check {
  if (row.error) return { ok: false, reason: row.error };
  const parsed = fieldsSchema.safeParse(row.fields);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues.map((i) => i.message).join('; ') };
  const f = parsed.data;
  const problems: string[] = [];
  if (f.symbol !== symbol) problems.push(`symbol ${f.symbol} in a payload requested for ${symbol}`);
  // Published before the period ended would be a figure known in advance: a mapping bug, or look-ahead in waiting.
  if (f.publishedAt.getTime() < Date.parse(`${f.periodEnd}T00:00:00Z`)) problems.push(`published at ${f.publishedAt.toISOString().slice(0, 10)} before period end ${f.periodEnd}`);
  if (f.publishedAt.getTime() > now.getTime()) problems.push(`published at ${f.publishedAt.toISOString()} is in the future`);
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return { ok: true, fundamental: { ...f, symbol } };
}

const versionKey = (f: Fundamental) => `${f.metric}|${f.periodEnd}|${f.fiscalPeriod}|${f.publishedAt.getTime()}`;

export async function importFundamentals(
  em: EntityManager,
  repo: FundamentalRepository,
  provider: FundamentalsProvider,
  req: FundamentalsImportRequest,
): Promise<FundamentalsImportSummary> {
  const now = req.now ?? new Date();
  const summary: FundamentalsImportSummary = { received: 0, stored: 0, unchanged: 0, quarantined: 0, exactDuplicates: 0, perSymbol: {}, datasets: [] };
  const quarantined: QuarantinedRow[] = [];
  let staged = 0;
  await repo.createStaging(em);

  for (const symbol of req.symbols) {
    summary.datasets.push(provider.datasetFor(symbol));
    const stats = { received: 0, stored: 0, quarantined: 0 };
    const reject = (location: string, raw: unknown, reason: string) => {
      quarantined.push({ source: provider.name, location, symbol, interval: null, reason, raw });
      stats.quarantined++;
    };
    const byVersion = new Map<string, Fundamental>();
    for await (const row of provider.fundamentals(symbol)) {
      stats.received++;
      const checked = checkFundamental(row, symbol, now);
      if (!checked.ok) {
        reject(row.location, row.raw, checked.reason);
        continue;
      }
      const f = checked.fundamental;
      const seen = byVersion.get(versionKey(f));
      if (!seen) byVersion.set(versionKey(f), f);
      else if (seen.value === f.value && seen.unit === f.unit && seen.fiscalYear === f.fiscalYear) summary.exactDuplicates++;
      else reject(row.location, row.raw, `${f.metric} ${f.fiscalPeriod} ending ${f.periodEnd} published ${f.publishedAt.toISOString().slice(0, 10)} given twice: ${seen.value} and ${f.value}`);
    }
    staged += await repo.stage(em, [...byVersion.values()], provider.name, req.pipelineRunId);
    summary.perSymbol[symbol] = stats;
    summary.received += stats.received;
  }

  for (const c of await repo.takeConflicts(em)) {
    const f = c.fundamental;
    quarantined.push({
      source: provider.name,
      location: `${formatDatasetRef(provider.datasetFor(f.symbol))}#${f.metric}/${f.fiscalPeriod}/${f.periodEnd}`,
      symbol: f.symbol,
      interval: null,
      reason: `${f.metric} ${f.fiscalPeriod} ending ${f.periodEnd} published ${f.publishedAt.toISOString().slice(0, 10)} is stored as ${c.storedValue}, now given as ${f.value}; a restatement needs a later publication date`,
      raw: f,
    });
    summary.perSymbol[f.symbol].quarantined++;
    staged--;
  }
  const inserted = await repo.mergeStaging(em);
  await repo.quarantine(em, quarantined, req.pipelineRunId);
  for (const [symbol, stats] of Object.entries(summary.perSymbol)) {
    stats.stored = inserted[symbol] ?? 0;
    summary.stored += stats.stored;
    summary.quarantined += stats.quarantined;
  }
  summary.unchanged = staged - summary.stored;
  return summary;
}
