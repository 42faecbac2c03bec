// Portfolio activities: book a trade file, plan and run a daily valuation (resumable: heartbeats the last committed
// day), and compute performance. Each writes its rows and its DataLineage row in one transaction (the valuation: its
// last window), so a retry after a commit returns the committed result.
import { Context } from '@temporalio/activity';
import type {
  BookTradesArgs, BookTradesResult, PerformanceArgs, PerformanceResult, PlanValuationArgs, ValuationPlan, ValuePortfolioArgs, ValuePortfolioResult,
} from '../src/contracts/portfolio';
import { formatDatasetRef, type DatasetRef } from '../src/contracts/dataset-ref';
import { InputError } from '../src/contracts/errors';
import { bookTrades } from '../src/portfolio/booking';
import { performanceMetrics } from '../src/portfolio/performance-report';
import { readTradeFile } from '../src/portfolio/trade-file';
import { valuePortfolio } from '../src/portfolio/valuation';
import { DerivedStalenessRepository } from '../src/repositories/derived-staleness-repository';
import { PortfolioRepository } from '../src/repositories/portfolio-repository';
import { RunRepository } from '../src/repositories/run-repository';
import type { ActivityDeps } from './deps';
import { lineageStep } from './lineage-step';
import { confinePath, sourceRoots } from '../src/security/path-policy';


/** What a valuation reads: the ledger and the daily bars of the symbols it traded (with their corporate actions). */
function valuationInputs(args: ValuePortfolioArgs, symbols: string[]): DatasetRef[] {
  return [
    { kind: 'trade', portfolioId: args.portfolioId },
    ...(symbols.length ? [{ kind: 'price_data' as const, interval: '1d', symbols, from: null, to: args.to }] : []),
  ];
}

export function createPortfolioActivities(deps: ActivityDeps) {
  const ds = deps.dataSource;
  const runs = new RunRepository(ds);
  const portfolios = new PortfolioRepository(ds);
  const staleness = new DerivedStalenessRepository(ds);

  return {
    async bookTradeFile(args: BookTradesArgs): Promise<BookTradesResult> {
      const file = confinePath(args.path, sourceRoots(deps.config), { field: 'path' });
      const parsed = await readTradeFile(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'EACCES') throw new InputError(`cannot read the trade file: ${err.message}`, args.path);
        throw err;
      });
      return lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const r = await bookTrades(em, portfolios, { portfolioId: args.portfolioId, source: args.path, parsed, strict: args.strict, pipelineRunId: args.pipelineRunId });
        await runs.addCounts(em, args.pipelineRunId, { tradesBooked: r.booked, tradesQuarantined: r.quarantined });
        // Positions from the earliest date the booking touched are stale until revalued (in the booking's transaction).
        if (r.earliestDate) {
          await staleness.markPortfolioChanged(em, args.portfolioId, '1d', new Date(`${r.earliestDate}T00:00:00Z`), args.pipelineRunId);
        }
        const { bookedIds: _ids, ...result } = r;
        return {
          result: { ...result, warnings: result.warnings.slice(0, 100) },
          inputDatasets: [{ kind: 'file', path: args.path }],
          outputDataset: { kind: 'trade', portfolioId: args.portfolioId },
          rowsIn: r.received,
          rowsOut: r.booked,
          details: { quarantined: r.quarantined, alreadyBooked: r.alreadyBooked, warnings: r.warnings.length },
        };
      });
    },

    async planPortfolioValuation(args: PlanValuationArgs): Promise<ValuationPlan> {
      const portfolio = await portfolios.find(args.portfolioId);
      if (!portfolio) throw new InputError(`portfolio ${args.portfolioId} does not exist (create it with: tickflow portfolio create)`, 'portfolioValuation');
      const span = await portfolios.ledgerSpan(undefined, args.portfolioId);
      if (!span) return { portfolioId: args.portfolioId, from: args.from ?? '', to: args.to ?? '', anything: false };
      const symbols = await portfolios.ledgerSymbols(undefined, args.portfolioId, '9999-12-31');
      const lastBar = symbols.length ? (await portfolios.lastClosesBefore(undefined, symbols, '9999-12-31')).map((c) => c.day).sort().pop() : undefined;
      // Derived data follows its inputs: a revised bar or a booking marked the positions stale from some date; start there.
      const marks = await staleness.open({ kind: 'portfolio_position', keys: [args.portfolioId], interval: '1d' });
      const staleFrom = marks.map((m) => m.staleFrom.slice(0, 10)).sort()[0];
      const asked = args.from && staleFrom && staleFrom < args.from ? staleFrom : args.from;
      const from = asked && asked > span.first ? asked : span.first;
      const to = args.to ?? [lastBar ?? span.last, span.last].sort().pop()!;
      const anything = from <= to && (await portfolios.sessions(undefined, from, to)).length > 0;
      return { portfolioId: args.portfolioId, from, to, anything };
    },

    async valuePortfolio(args: ValuePortfolioArgs): Promise<ValuePortfolioResult> {
      const ctx = Context.current();
      const info = ctx.info;
      const key = { workflowId: info.workflowExecution!.workflowId, runId: info.workflowExecution!.runId, activityId: info.activityId };
      const done = await runs.findLineage(key);
      if (done) return done.details.result as ValuePortfolioResult;
      const resumeAfter = (info.heartbeatDetails as { lastDay?: string } | undefined)?.lastDay ?? null;
      let lastBeat = Date.now();
      const readAt = new Date(); // marks made after this may not be reflected: they stay open
      const symbols = await portfolios.ledgerSymbols(undefined, args.portfolioId, args.to);
      const summary = await valuePortfolio(ds, portfolios, { portfolioId: args.portfolioId, from: args.from, to: args.to, pipelineRunId: args.pipelineRunId, resumeAfter }, {
        onWindow: (lastDay) => ctx.heartbeat({ lastDay }),
        // While replaying the ledger, beat only every few seconds: the SDK sends the first heartbeat at once and
        // throttles the rest, so the first one should carry a committed window whenever the replay is short.
        onProgress: () => {
          if (Date.now() - lastBeat < 5_000) return;
          lastBeat = Date.now();
          ctx.heartbeat({ lastDay: resumeAfter });
        },
        inLastTransaction: async (em, s) => {
          const result: ValuePortfolioResult = { sessions: s.sessions, positionRows: s.positionRows, nav: s.nav, realisedPnl: s.realisedPnl, unrealisedPnl: s.unrealisedPnl, lastDay: s.lastDay };
          await runs.addCounts(em, args.pipelineRunId, { valuedSessions: s.sessions, positionRows: s.positionRows });
          await staleness.clearKey(em, 'portfolio_position', args.portfolioId, '1d', new Date(`${args.from}T00:00:00Z`), readAt, args.pipelineRunId);
          await runs.recordLineage(em, {
            ...key, pipelineRunId: args.pipelineRunId, activityType: info.activityType, attempt: info.attempt,
            inputDatasets: valuationInputs(args, symbols).map(formatDatasetRef),
            outputDataset: formatDatasetRef({ kind: 'portfolio_position', portfolioId: args.portfolioId, from: args.from, to: args.to }), rowsIn: s.sessions, rowsOut: s.positionRows,
            details: { result, resumedAfter: resumeAfter }, contentHash: null,
          });
        },
      });
      return { sessions: summary.sessions, positionRows: summary.positionRows, nav: summary.nav, realisedPnl: summary.realisedPnl, unrealisedPnl: summary.unrealisedPnl, lastDay: summary.lastDay };
    },

    async computePortfolioPerformance(args: PerformanceArgs): Promise<PerformanceResult> {
      const portfolio = await portfolios.find(args.portfolioId);
      if (!portfolio) throw new InputError(`portfolio ${args.portfolioId} does not exist`, 'computePortfolioPerformance');
      return lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const valuations = await portfolios.valuations(args.portfolioId, undefined, undefined, em);
        const first = valuations[0]?.asOf;
        const last = valuations[valuations.length - 1]?.asOf;
        const benchmark = portfolio.benchmarkSymbol && first
          ? { symbol: portfolio.benchmarkSymbol, closes: new Map((await portfolios.benchmarkCloses(em, portfolio.benchmarkSymbol, first, last!)).map((c) => [c.day, c.close])) }
          : null;
        const rf = args.riskFreeAnnual ?? 0;
        const rows = performanceMetrics({ valuations, benchmark, riskFreeAnnual: rf, riskFreeSource: args.riskFreeAnnual === undefined ? 'constant 0 (default)' : `constant ${rf} a year (input)` });
        await portfolios.replaceMetrics(em, args.portfolioId, rows, args.pipelineRunId);
        const inception = Object.fromEntries(rows.filter((r) => r.period === 'inception').map((r) => [r.metric, r.value]));
        return {
          result: { metrics: rows.length, periods: [...new Set(rows.map((r) => r.period))], inception },
          inputDatasets: [
            { kind: 'portfolio_valuation', portfolioId: args.portfolioId, from: first ?? null, to: last ?? null },
            ...(benchmark ? [{ kind: 'price_data' as const, interval: '1d', symbols: [benchmark.symbol], from: first ?? null, to: last ?? null }] : []),
          ],
          outputDataset: { kind: 'performance_metric', portfolioId: args.portfolioId },
          rowsIn: valuations.length,
          rowsOut: rows.length,
        };
      });
    },

    /** Portfolios that traded any of these symbols: a price update revalues them. */
    async portfoliosHolding(symbols: string[]): Promise<string[]> {
      return portfolios.holding(symbols);
    },
  };
}
