// Risk activities: plan a range, compute VaR/ES for it (resumable: heartbeats the last committed date), and backtest
// the stored series (with the red-zone quality rule). Each writes its rows and its DataLineage row in one transaction
// (the computation: its last chunk), so a retry after a commit returns the committed result.
import { Context } from '@temporalio/activity';
import { formatDatasetRef } from '../src/contracts/dataset-ref';
import { InputError } from '../src/contracts/errors';
import type { BacktestRiskArgs, BacktestRiskResult, ComputeRiskArgs, ComputeRiskResult, PlanRiskArgs, RiskPlan } from '../src/contracts/risk';
import { evaluateRules } from '../src/quality/run-quality';
import { riskRules } from '../src/quality/rules';
import { DerivedStalenessRepository } from '../src/repositories/derived-staleness-repository';
import { PortfolioRepository } from '../src/repositories/portfolio-repository';
import { RiskRepository } from '../src/repositories/risk-repository';
import { RunRepository } from '../src/repositories/run-repository';
import { assertPositionsFresh, backtestSeries, computeRisk, realisedPnl, summarise } from '../src/risk/risk-run';
import type { ActivityDeps } from './deps';
import { lineageStep, resumableStep } from './lineage-step';

/** Default range: one Basel backtest year (250 sessions) up to the last valued date. */
const DEFAULT_SESSIONS = 250;

export function createRiskActivities(deps: ActivityDeps) {
  const ds = deps.dataSource;
  const runs = new RunRepository(ds);
  const risk = new RiskRepository(ds);
  const portfolios = new PortfolioRepository(ds);
  const staleness = new DerivedStalenessRepository(ds);

  return {
    async planRisk(args: PlanRiskArgs): Promise<RiskPlan> {
      if (!(await portfolios.find(args.portfolioId))) throw new InputError(`portfolio ${args.portfolioId} does not exist (create it with: tickflow portfolio create)`, 'riskRun');
      const span = await risk.valuedSpan(undefined, args.portfolioId);
      if (!span) throw new InputError(`portfolio ${args.portfolioId} has no valued positions: run tickflow portfolio value ${args.portfolioId}`, 'riskRun');
      const to = args.to ?? span.last;
      const defaultFrom = (await risk.sessionsBefore(undefined, to, DEFAULT_SESSIONS - 1))[0] ?? to;
      const from = [args.from ?? defaultFrom, span.first].sort().pop()!;
      if (from > to) throw new InputError(`from ${from} is after to ${to} (valued ${span.first} … ${span.last})`, 'riskRun');
      if (to > span.last) throw new InputError(`portfolio ${args.portfolioId} is valued up to ${span.last}, not ${to}: run tickflow portfolio value ${args.portfolioId} --to ${to}`, 'riskRun');
      return { portfolioId: args.portfolioId, from, to, sessions: (await risk.sessions(undefined, from, to)).length };
    },

    async computeRisk(args: ComputeRiskArgs): Promise<ComputeRiskResult> {
      const ctx = Context.current();
      const info = ctx.info;
      const { key, done, resumeAfter } = await resumableStep<ComputeRiskResult>(runs);
      if (done) return done;
      await assertPositionsFresh(staleness, args.portfolioId, args.to);
      const readAt = new Date(); // marks made after this may not be reflected: they stay open
      // The totals travel with the cursor, so a resumed attempt's result still counts the chunks it skips.
      const resumedTotals = (info.heartbeatDetails as { totals?: ComputeRiskResult } | undefined)?.totals ?? null;
      ctx.heartbeat({ lastDay: resumeAfter, totals: resumedTotals });
      return computeRisk(ds, risk, { ...args, resumeAfter, resumedTotals }, {
        onChunk: (lastDay, totals) => ctx.heartbeat({ lastDay, totals }),
        onDate: (lastCommitted, totals) => ctx.heartbeat({ lastDay: lastCommitted, totals }),
        inLastTransaction: async (em, result) => {
          await runs.addCounts(em, args.pipelineRunId, { varRows: result.rows, varInsufficient: result.insufficient });
          await staleness.clearKey(em, 'var_calculation', args.portfolioId, '1d', new Date(`${args.from}T00:00:00Z`), readAt, args.pipelineRunId);
          const symbols = await portfolios.ledgerSymbols(em, args.portfolioId, args.to);
          await runs.recordLineage(em, {
            ...key, pipelineRunId: args.pipelineRunId, activityType: info.activityType, attempt: info.attempt,
            inputDatasets: [
              formatDatasetRef({ kind: 'portfolio_position', portfolioId: args.portfolioId, from: args.from, to: args.to }),
              ...(symbols.length ? [formatDatasetRef({ kind: 'price_data', interval: '1d', symbols, from: null, to: args.to })] : []),
            ],
            outputDataset: formatDatasetRef({ kind: 'var_calculation', portfolioId: args.portfolioId, from: args.from, to: args.to }),
            rowsIn: result.dates, rowsOut: result.rows, details: { result, resumedAfter: resumeAfter, methods: args.methods, levels: args.levels, horizons: args.horizons }, contentHash: null,
          });
        },
      });
    },

    async backtestRisk(args: BacktestRiskArgs): Promise<BacktestRiskResult> {
      return lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const vars = await risk.varRows(args.portfolioId, { from: args.from, to: args.to }, em);
        const horizons = [...new Set(vars.map((v) => v.horizon))];
        const pnl = horizons.length ? await realisedPnl(risk, args.portfolioId, args.from, args.to, horizons, em) : { rows: [], pending: 0 };
        await risk.upsertPnl(em, args.portfolioId, pnl.rows, args.pipelineRunId);
        const rows = backtestSeries(args.portfolioId, args.from, args.to, vars, pnl.rows, args.pipelineRunId);
        await risk.saveBacktests(em, rows);
        const verdict = await evaluateRules(em, riskRules, { symbols: [args.portfolioId], interval: '1d', from: args.from, to: args.to },
          { pipelineRunId: args.pipelineRunId, workflowId: Context.current().info.workflowExecution!.workflowId });
        const redZone = rows.filter((r) => r.trafficLight === 'red').map((r) => `${r.method} ${r.level} ${r.horizon}d`);
        await runs.addCounts(em, args.pipelineRunId, { backtests: rows.length, redZone: redZone.length });
        return {
          result: { backtests: summarise(rows), pnlRows: pnl.rows.length, qualityWarnings: verdict.warnings, redZone },
          inputDatasets: [
            { kind: 'var_calculation', portfolioId: args.portfolioId, from: args.from, to: args.to },
            { kind: 'portfolio_position', portfolioId: args.portfolioId, from: args.from, to: args.to },
          ],
          outputDataset: { kind: 'var_backtest', portfolioId: args.portfolioId, from: args.from, to: args.to },
          rowsIn: vars.length,
          rowsOut: rows.length,
          details: { pending: pnl.pending, qualityResults: verdict.outcomes.map((o) => o.id) },
        };
      });
    },
  };
}
