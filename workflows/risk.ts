// riskRun: VaR and ES of a portfolio for every session of a range by each method, level and horizon (resumable: the
// computation heartbeats the last date it committed), then the backtest of the stored series and the red-zone quality
// rule. With revalue: true it first values the portfolio (portfolioValuation's activities), so stale positions are
// brought up to date instead of refused. Deterministic: every read and write is an activity.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { parseWorkflowInput } from '../src/contracts/input';
import { riskRunInputSchema, type BacktestRiskResult, type ComputeRiskResult } from '../src/contracts/risk';
import { bookkeeping, resumableBatch, sqlBatch } from './activity-profiles';
import { executionMeta } from './execution-meta';
import { recordFailedRun } from './run-record';

const book = proxyActivities<Activities>(bookkeeping);
const sql = proxyActivities<Activities>(sqlBatch);
const resumable = proxyActivities<Activities>(resumableBatch);

export { riskRunInputSchema };

export interface RiskRunSummary {
  pipelineRunId: string;
  portfolioId: string;
  from: string;
  to: string;
  risk: ComputeRiskResult;
  backtest: BacktestRiskResult | null;
}

export async function riskRun(rawInput: unknown): Promise<RiskRunSummary> {
  const input = parseWorkflowInput(riskRunInputSchema, rawInput, 'riskRun');
  const pipelineRunId = await book.startPipelineRun(input, executionMeta());
  const counts: Record<string, number> = {};
  try {
    if (input.revalue) {
      const plan = await book.planPortfolioValuation({ portfolioId: input.portfolioId, to: input.to });
      if (plan.anything) counts.valuedSessions = (await resumable.valuePortfolio({ pipelineRunId, portfolioId: plan.portfolioId, from: plan.from, to: plan.to })).sessions;
    }
    const plan = await book.planRisk({ portfolioId: input.portfolioId, from: input.from, to: input.to });
    const risk = await resumable.computeRisk({
      pipelineRunId, portfolioId: plan.portfolioId, from: plan.from, to: plan.to, methods: input.methods, levels: input.levels, horizons: input.horizons, options: input.options,
    });
    counts.varRows = risk.rows;
    const backtest = input.backtest ? await sql.backtestRisk({ pipelineRunId, portfolioId: plan.portfolioId, from: plan.from, to: plan.to }) : null;
    if (backtest) counts.backtests = backtest.backtests.length;
    await book.finishPipelineRun({ pipelineRunId, status: 'completed', counts });
    return { pipelineRunId, portfolioId: plan.portfolioId, from: plan.from, to: plan.to, risk, backtest };
  } catch (err) {
    await recordFailedRun(book.finishPipelineRun, pipelineRunId, counts, err);
    throw err;
  }
}
