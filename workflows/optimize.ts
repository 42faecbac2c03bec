// optimizePortfolio: one optimisation as a PipelineRun — optimise (one PortfolioOptimization row), then optionally
// allocate whole shares at the latest stored prices and book the proposed trades into a portfolio (bookTrades as a
// child workflow). On demand (`tickflow optimize run`) or monthly from a Temporal Schedule with no asOf (the last
// stored bar). Deterministic: every read and write is an activity.
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AllocationResult } from '../activities/optimize';
import { parseWorkflowInput } from '../src/contracts/input';
import { optimizeInputSchema, type OptimizeResult } from '../src/contracts/optimize';
import { bookkeeping, sqlBatch } from './activity-profiles';
import { executionMeta, PARENT_RUN_MEMO } from './execution-meta';
import { bookTrades, type BookTradesSummary } from './portfolio';
import { recordFailedRun } from './run-record';

const book = proxyActivities<Activities>(bookkeeping);
const sql = proxyActivities<Activities>(sqlBatch);

export interface OptimizeSummary {
  pipelineRunId: string;
  optimization: OptimizeResult;
  allocation: AllocationResult | null;
  /** The bookTrades child's summary when the allocation was booked into a portfolio. */
  booking: BookTradesSummary | null;
}

export async function optimizePortfolio(rawInput: unknown): Promise<OptimizeSummary> {
  const input = parseWorkflowInput(optimizeInputSchema, rawInput, 'optimizePortfolio');
  const pipelineRunId = await book.startPipelineRun(input, executionMeta());
  const counts: Record<string, number> = {};
  try {
    const optimization = await sql.optimizePortfolio({ pipelineRunId, input });
    counts.optimizations = 1;
    let allocation: AllocationResult | null = null;
    let booking: BookTradesSummary | null = null;
    if (input.allocation && optimization.status === 'optimal') {
      allocation = await sql.allocateOptimization({ pipelineRunId, optimizationId: optimization.optimizationId });
      counts.proposedTrades = allocation.trades.length;
      if (input.allocation.portfolioId && allocation.tradeFile) {
        booking = await executeChild(bookTrades, {
          workflowId: `${workflowInfo().workflowId}-book`,
          args: [{ portfolioId: input.allocation.portfolioId, path: allocation.tradeFile, strict: false }],
          memo: { [PARENT_RUN_MEMO]: pipelineRunId },
        });
        counts.tradesBooked = booking.booking.booked;
      }
    }
    await book.finishPipelineRun({ pipelineRunId, status: 'completed', counts });
    return { pipelineRunId, optimization, allocation, booking };
  } catch (err) {
    await recordFailedRun(book.finishPipelineRun, pipelineRunId, counts, err);
    throw err;
  }
}
