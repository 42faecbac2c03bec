// recomputeFeatures: computes one feature-set version over the stored history, in symbol chunks, without touching
// any other version; or (`stale: true`) every version marked stale, each symbol from its stale-from instant on. Deterministic: all I/O is in activities; this file only decides what runs next.
import { proxyActivities } from '@temporalio/workflow';
import { z } from 'zod';
import { isoDateSchema, tickerSchema, withDateRange } from '../src/contracts/schemas';
import type { Activities } from '../activities';
import { recordFailedRun } from './run-record';
import { bookkeeping, sqlBatch } from './activity-profiles';
import { parseWorkflowInput } from './pipeline-input';

const book = proxyActivities<Activities>(bookkeeping);
const sql = proxyActivities<Activities>(sqlBatch);

/**
 * The shape of one feature definition. Indicator names and parameters are checked by the activity against the
 * registry of indicators (application code a workflow may not import); it fails non-retryably naming the field.
 */
const definitionShape = z
  .object({
    name: z.string().min(1),
    indicator: z.string().min(1),
    params: z.record(z.string(), z.number()).optional(),
    input: z.enum(['adjusted', 'raw']).optional(),
  })
  .strict();
export type FeatureDefinitionInput = z.infer<typeof definitionShape>;

export const recomputeInputSchema = withDateRange(z
  .object({
    /** Name of a declared set (src/features/feature-set.ts), or the name given to `definitions`. */
    featureSet: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'feature-set names are lower-case, like default').default('default'),
    /** Expected version: a registered one (its stored definitions are used) or the hash of the definitions. */
    version: z.string().min(1).max(32).optional(),
    /** New definitions under `featureSet`'s name: their hash is the new version. */
    definitions: z.array(definitionShape).min(1).optional(),
    /** Default: every symbol with bars in `interval`. */
    symbols: z.array(tickerSchema).min(1).max(5000).optional(),
    interval: z.enum(['1d']).default('1d'),
    /** Default: the whole stored history. */
    from: isoDateSchema.optional(),
    to: isoDateSchema.optional(),
    /** Symbols per activity (one transaction each). */
    chunkSize: z.number().int().min(1).max(1000).default(50),
    /**
     * Recompute what is marked stale (derived_staleness) instead: every stale version (or only `version`), each symbol
     * (of `symbols`, if given) from its stale-from instant on; the marks are cleared. `featureSet`, `definitions`,
     * `from` and `to` do not apply.
     */
    stale: z.boolean().default(false),
  })
  .strict());

export type RecomputeInput = z.infer<typeof recomputeInputSchema>;
export type RecomputeInputArgs = z.input<typeof recomputeInputSchema>;

export interface RecomputePlanArgs {
  featureSet: string;
  version?: string;
  definitions?: FeatureDefinitionInput[];
  symbols?: string[];
  interval: string;
}

export interface RecomputePlan {
  version: string;
  name: string;
  definitions: FeatureDefinitionInput[];
  features: number;
  symbols: string[];
}

export interface StalePlanArgs {
  version?: string;
  symbols?: string[];
  interval: string;
}

/** One stale version: its symbols and, per symbol, the instant (ISO) its rows are stale from. */
export interface StaleRecomputePlan extends RecomputePlan {
  staleFrom: Record<string, string>;
}

export interface RecomputeChunkArgs {
  pipelineRunId: string;
  version: string;
  name: string;
  definitions: FeatureDefinitionInput[];
  symbols: string[];
  interval: string;
  from?: string;
  to?: string;
  /** Stale mode: per symbol, recompute from this instant (ISO) on instead of over [from, to]. */
  staleFrom?: Record<string, string>;
}

export interface RecomputeSummary {
  pipelineRunId: string;
  version: string;
  featureSet: string;
  features: number;
  symbols: number;
  rows: number;
  written: number;
  cached: number;
  /** Stale mode: the versions recomputed (`version` lists them comma-separated). */
  versions?: string[];
}

export async function recomputeFeatures(rawInput: unknown): Promise<RecomputeSummary> {
  const input = parseWorkflowInput(recomputeInputSchema, rawInput, 'recompute');
  const pipelineRunId = await book.startPipelineRun(input);
  const counts: Record<string, number> = {};
  try {
    if (input.stale) {
      const summary = await recomputeStale(pipelineRunId, input);
      counts.features = summary.rows;
      counts.written = summary.written;
      await book.finishPipelineRun({ pipelineRunId, status: 'completed', counts });
      return summary;
    }
    const plan = await sql.planFeatureRecompute({
      featureSet: input.featureSet, version: input.version, definitions: input.definitions, symbols: input.symbols, interval: input.interval,
    });
    const summary: RecomputeSummary = {
      pipelineRunId, version: plan.version, featureSet: plan.name, features: plan.features, symbols: plan.symbols.length, rows: 0, written: 0, cached: 0,
    };
    for (let i = 0; i < plan.symbols.length; i += input.chunkSize) {
      const done = await sql.recomputeFeatureChunk({
        pipelineRunId, version: plan.version, name: plan.name, definitions: plan.definitions, symbols: plan.symbols.slice(i, i + input.chunkSize),
        interval: input.interval, from: input.from, to: input.to,
      });
      summary.rows += done.rows;
      summary.written += done.written;
      summary.cached += done.cached;
    }
    counts.features = summary.rows;
    counts.written = summary.written;
    await book.finishPipelineRun({ pipelineRunId, status: 'completed', counts });
    return summary;
  } catch (err) {
    await recordFailedRun(book.finishPipelineRun, pipelineRunId, counts, err);
    throw err;
  }
}

async function recomputeStale(pipelineRunId: string, input: RecomputeInput): Promise<RecomputeSummary> {
  const plans = await sql.planStaleFeatureRecompute({ version: input.version, symbols: input.symbols, interval: input.interval });
  const summary: RecomputeSummary = {
    pipelineRunId, version: plans.map((p) => p.version).join(','), featureSet: [...new Set(plans.map((p) => p.name))].join(','),
    features: Math.max(0, ...plans.map((p) => p.features)), symbols: 0, rows: 0, written: 0, cached: 0, versions: plans.map((p) => p.version),
  };
  for (const plan of plans) {
    summary.symbols += plan.symbols.length;
    for (let i = 0; i < plan.symbols.length; i += input.chunkSize) {
      const symbols = plan.symbols.slice(i, i + input.chunkSize);
      const done = await sql.recomputeFeatureChunk({
        pipelineRunId, version: plan.version, name: plan.name, definitions: plan.definitions, symbols, interval: input.interval,
        staleFrom: Object.fromEntries(symbols.map((s) => [s, plan.staleFrom[s]])),
      });
      summary.rows += done.rows;
      summary.written += done.written;
      summary.cached += done.cached;
    }
  }
  return summary;
}
