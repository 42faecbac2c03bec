// Portfolio workflows. portfolioValuation values a date range (resumable: the valuation activity heartbeats the last
// day it committed) and recomputes performance; bookTrades books a trade file and revalues from the earliest date it
// touched. Deterministic: every read and write is an activity.
import { proxyActivities } from '@temporalio/workflow';
import { z } from 'zod';
import type { Activities } from '../activities';
import { portfolioIdSchema, type BookTradesResult, type PerformanceResult, type ValuePortfolioResult } from '../src/contracts/portfolio';
import { parseWorkflowInput } from '../src/contracts/input';
import { isoDateSchema, withDateRange } from '../src/contracts/schemas';
import { bookkeeping, resumableBatch, sqlBatch } from './activity-profiles';
import { executionMeta } from './execution-meta';
import { recordFailedRun } from './run-record';

const book = proxyActivities<Activities>(bookkeeping);
const sql = proxyActivities<Activities>(sqlBatch);
const resumable = proxyActivities<Activities>(resumableBatch);

const portfolioId = portfolioIdSchema;

export const portfolioValuationInputSchema = withDateRange(z.object({
  portfolioId,
  /** Default: the first ledger date. */
  from: isoDateSchema.optional(),
  /** Default: the last stored bar of the portfolio's symbols. */
  to: isoDateSchema.optional(),
  /** Annual risk-free rate for Sharpe, Sortino and alpha (default 0). */
  riskFreeAnnual: z.number().min(-0.5).max(1).optional(),
}).strict());

export const bookTradesInputSchema = z.object({
  portfolioId,
  path: z.string().min(1),
  strict: z.boolean().default(false),
  riskFreeAnnual: z.number().min(-0.5).max(1).optional(),
}).strict();

export type PortfolioValuationInput = z.infer<typeof portfolioValuationInputSchema>;
export type BookTradesInput = z.input<typeof bookTradesInputSchema>;

export interface PortfolioValuationSummary {
  pipelineRunId: string;
  portfolioId: string;
  from: string | null;
  to: string | null;
  valuation: ValuePortfolioResult | null;
  performance: PerformanceResult | null;
}

export interface BookTradesSummary extends PortfolioValuationSummary {
  booking: BookTradesResult;
}

async function valueAndMeasure(pipelineRunId: string, input: { portfolioId: string; from?: string; to?: string; riskFreeAnnual?: number }, counts: Record<string, number>) {
  const plan = await book.planPortfolioValuation({ portfolioId: input.portfolioId, from: input.from, to: input.to });
  if (!plan.anything) return { from: null, to: null, valuation: null, performance: null };
  const valuation = await resumable.valuePortfolio({ pipelineRunId, portfolioId: plan.portfolioId, from: plan.from, to: plan.to });
  counts.valuedSessions = valuation.sessions;
  const performance = await sql.computePortfolioPerformance({ pipelineRunId, portfolioId: plan.portfolioId, riskFreeAnnual: input.riskFreeAnnual });
  counts.metrics = performance.metrics;
  return { from: plan.from, to: plan.to, valuation, performance };
}

export async function portfolioValuation(rawInput: unknown): Promise<PortfolioValuationSummary> {
  const input = parseWorkflowInput(portfolioValuationInputSchema, rawInput, 'portfolioValuation');
  const pipelineRunId = await book.startPipelineRun(input, executionMeta());
  const counts: Record<string, number> = {};
  try {
    const out = await valueAndMeasure(pipelineRunId, input, counts);
    await book.finishPipelineRun({ pipelineRunId, status: 'completed', counts });
    return { pipelineRunId, portfolioId: input.portfolioId, ...out };
  } catch (err) {
    await recordFailedRun(book.finishPipelineRun, pipelineRunId, counts, err);
    throw err;
  }
}

export async function bookTrades(rawInput: unknown): Promise<BookTradesSummary> {
  const input = parseWorkflowInput(bookTradesInputSchema, rawInput, 'bookTrades');
  const pipelineRunId = await book.startPipelineRun(input, executionMeta());
  const counts: Record<string, number> = {};
  try {
    const booking = await sql.bookTradeFile({ pipelineRunId, portfolioId: input.portfolioId, path: input.path, strict: input.strict });
    counts.tradesBooked = booking.booked;
    counts.tradesQuarantined = booking.quarantined;
    // Only what the booking changed is revalued: from its earliest date on.
    const out = booking.earliestDate
      ? await valueAndMeasure(pipelineRunId, { portfolioId: input.portfolioId, from: booking.earliestDate, riskFreeAnnual: input.riskFreeAnnual }, counts)
      : { from: null, to: null, valuation: null, performance: null };
    await book.finishPipelineRun({ pipelineRunId, status: 'completed', counts });
    return { pipelineRunId, portfolioId: input.portfolioId, booking, ...out };
  } catch (err) {
    await recordFailedRun(book.finishPipelineRun, pipelineRunId, counts, err);
    throw err;
  }
}
