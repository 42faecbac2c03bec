// dailyPipeline: what a Temporal Schedule starts every trading day. Imports each symbol since its last stored bar,
// updates features incrementally, runs quality and exports — the body is marketDataPipeline itself, not a copy.
// The day it works on is the schedule's nominal time, so a run started late (or by a schedule backfill) still
// processes the day it was meant for.
import { executeChild, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { bookkeeping } from './activity-profiles';
import { z } from 'zod';
import { isoDateSchema, tickerSchema } from '../src/contracts/schemas';
import { executionMeta } from './execution-meta';
import { marketDataPipeline, type PipelineSummary } from './market-data-pipeline';
import { minusDays, parseWorkflowInput } from './pipeline-input';
import { portfolioValuation, type PortfolioValuationSummary } from './portfolio';

const book = proxyActivities<Activities>(bookkeeping);

export const dailyInputSchema = z
  .object({
    symbols: z.array(tickerSchema).min(1).max(5000),
    source: z.enum(['bundled', 'csv', 'synthetic']).default('bundled'),
    sourcePath: z.string().min(1).optional(),
    seed: z.number().int().default(42),
    featureSet: z.string().default('default'),
    /** The day to process. Default: the schedule's nominal date, or today (UTC) for a run started by hand. */
    date: isoDateSchema.optional(),
    /** Days before `date` that quality checks and features cover (features resume after their last stored bar). */
    windowDays: z.number().int().min(1).max(366).default(7),
    lookbackDays: z.number().int().min(0).max(3660).default(120),
    export: z.object({ enabled: z.boolean().default(true), horizon: z.number().int().min(1).max(252).default(5), path: z.string().min(1).optional(), overwrite: z.boolean().optional() }).prefault({}),
    /** Revalue the portfolios that have traded any of the symbols, from the first day this run covered. */
    revaluePortfolios: z.boolean().default(true),
  })
  .strict();

export type DailyInput = z.infer<typeof dailyInputSchema>;
export type DailyInputArgs = z.input<typeof dailyInputSchema>;

export interface DailySummary extends PipelineSummary {
  /** The portfolioValuation children this run started (one per portfolio holding its symbols). */
  portfolios?: PortfolioValuationSummary[];
}

export async function dailyPipeline(rawInput: unknown): Promise<DailySummary> {
  const input = parseWorkflowInput(dailyInputSchema, rawInput, 'daily');
  // Workflow time is deterministic: Date.now() is the time of the first workflow task, replayed identically.
  const date = input.date ?? (executionMeta().nominalTime ?? new Date(Date.now()).toISOString()).slice(0, 10);
  const from = minusDays(date, input.windowDays);
  const summary = await marketDataPipeline({
    symbols: input.symbols, from, to: date, source: input.source,
    ...(input.sourcePath ? { sourcePath: input.sourcePath } : {}), seed: input.seed, featureSet: input.featureSet, sinceLast: true,
    lookbackDays: input.lookbackDays, export: input.export,
  });
  // Runs started before portfolios existed replay without this step.
  if (!input.revaluePortfolios || !patched('daily-portfolio-revaluation')) return summary;
  const holders = await book.portfoliosHolding(input.symbols);
  const portfolios: PortfolioValuationSummary[] = [];
  for (const portfolioId of holders) {
    portfolios.push(await executeChild(portfolioValuation, {
      workflowId: `${workflowInfo().workflowId}-value-${portfolioId}`, args: [{ portfolioId, from, to: date }],
    }));
  }
  return { ...summary, portfolios };
}
