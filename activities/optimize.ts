// Portfolio optimisation: optimizePortfolio reads the point-in-time inputs (closes ≤ as-of, model predictions of
// bars ≤ as-of, current weights), runs the optimiser and writes one PortfolioOptimization row; allocateOptimization
// turns its weights into whole shares at the latest stored prices and writes the proposed trades as a trade file.
// Each writes its rows and its DataLineage row in one transaction.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DatasetRef } from '../src/contracts/dataset-ref';
import { InputError, StaleDataError } from '../src/contracts/errors';
import { describeInputIssues, minusDays } from '../src/contracts/input';
import { optimizeInputSchema, type OptimizeInput, type OptimizeResult } from '../src/contracts/optimize';
import { exactAllocation, greedyAllocation } from '../src/optimize/discrete-allocation';
import { runOptimization, type OptimizationData } from '../src/optimize/optimize';
import { tradeFileCsv, tradesTowards } from '../src/optimize/proposed-trades';
import { alignTo, returnsFromPrices, type Panel } from '../src/optimize/returns';
import { SOLVER_OPTIONS, solverVersion } from '../src/optimize/solver';
import { DerivedStalenessRepository } from '../src/repositories/derived-staleness-repository';
import { ModelRepository } from '../src/repositories/model-repository';
import { OptimizationRepository } from '../src/repositories/optimization-repository';
import { PortfolioRepository } from '../src/repositories/portfolio-repository';
import { RunRepository } from '../src/repositories/run-repository';
import type { ActivityDeps } from './deps';
import { lineageStep } from './lineage-step';

export interface OptimizeArgs {
  pipelineRunId: string;
  input: unknown;
}

export interface AllocateArgs {
  pipelineRunId: string;
  optimizationId: string;
}

export type AllocationResult = NonNullable<OptimizeResult['allocation']>;

/** Closes by date into a Panel (symbols in the given order; NaN where a symbol has no bar that date). */
function panelOf(symbols: string[], rows: { symbol: string; day: string; close: number }[]): Panel {
  const dates = [...new Set(rows.map((r) => r.day))].sort();
  const at = new Map(dates.map((d, i) => [d, i]));
  const columns = symbols.map(() => new Float64Array(dates.length).fill(NaN));
  const col = new Map(symbols.map((s, j) => [s, j]));
  for (const r of rows) columns[col.get(r.symbol)!][at.get(r.day)!] = r.close;
  return { symbols, dates, columns };
}

/** fwd_return:N → N; other labels do not predict returns. */
function horizonOf(label: unknown, runId: string): number {
  const m = /^fwd_return:(\d+)$/.exec(String(label ?? ''));
  if (!m) throw new InputError(`model training run ${runId} predicts ${JSON.stringify(label)}, not a forward return (fwd_return:N): its predictions are not expected returns`, 'returns.modelTrainingRunId');
  return Number(m[1]);
}

export function createOptimizeActivities(deps: ActivityDeps) {
  const ds = deps.dataSource;
  const runs = new RunRepository(ds);
  const repo = new OptimizationRepository(ds);
  const staleness = new DerivedStalenessRepository(ds);
  const models = new ModelRepository(ds);
  const portfolios = new PortfolioRepository(ds);

  return {
    async optimizePortfolio(args: OptimizeArgs): Promise<OptimizeResult> {
      const parsed = optimizeInputSchema.safeParse(args.input);
      if (!parsed.success) throw new InputError(describeInputIssues(parsed.error), 'optimizePortfolio input');
      const input: OptimizeInput = parsed.data;
      const symbols = input.symbols;
      const asOf = input.asOf ?? (await repo.lastCommonBar(symbols));
      if (!asOf) throw new InputError(`not every symbol of ${symbols.join(', ')} has daily bars stored`, 'symbols');
      const from = minusDays(asOf, input.lookbackDays);
      const version = await solverVersion();
      return lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const read: DatasetRef[] = [];
        const market = input.returns.model === 'capm' ? input.returns.market : undefined;
        const rows = await repo.closes(em, market && !symbols.includes(market) ? [...symbols, market] : symbols, from, asOf);
        const prices = panelOf(symbols, rows.filter((r) => symbols.includes(r.symbol)));
        const missing = symbols.filter((_, j) => prices.columns[j].every(Number.isNaN));
        if (missing.length) throw new InputError(`no daily closes between ${from} and ${asOf} for ${missing.join(', ')}`, 'symbols');
        if (prices.dates.length < 3) throw new InputError(`only ${prices.dates.length} dates of closes between ${from} and ${asOf}: too few to estimate returns`, 'lookbackDays');
        read.push({ kind: 'price_data', interval: '1d', symbols: market && !symbols.includes(market) ? [...symbols, market] : symbols, from, to: asOf });
        const data: OptimizationData = { prices };
        if (market) {
          const m = returnsFromPrices(panelOf([market], rows.filter((r) => r.symbol === market)));
          if (m.dates.length === 0) throw new InputError(`no daily closes of the market ${market} between ${from} and ${asOf}`, 'returns.market');
          data.marketReturns = alignTo(returnsFromPrices(prices).dates, { dates: m.dates, values: m.columns[0] });
        }
        let predictions: Record<string, { day: string; value: number }> | undefined;
        if (input.returns.model === 'model_predictions') {
          const runId = input.returns.modelTrainingRunId!;
          const run = await models.get(runId, em);
          if (!run || run.status !== 'completed') throw new InputError(`no completed model training run ${runId}`, 'returns.modelTrainingRunId');
          const horizon = horizonOf(run.hyperParameters.label, runId);
          const p = await repo.predictionsAsOf(em, runId, symbols, asOf);
          const lacking = symbols.filter((s) => !p.some((r) => r.symbol === s));
          if (lacking.length) throw new InputError(`model training run ${runId} has no prediction of a bar on or before ${asOf} for ${lacking.join(', ')}`, 'returns.modelTrainingRunId');
          // A prediction whose features' inputs changed after training is not what the model would say now.
          const stale = (await staleness.open({ kind: 'model_prediction', keys: [runId], scopes: symbols }, em))
            .filter((m) => p.some((r) => r.symbol === m.scope && m.staleFrom.slice(0, 10) <= r.day));
          if (stale.length) throw new StaleDataError(`the predictions of model training run ${runId}`, stale, 'a new model training (tickflow run), then optimize with its id');
          // A forward return over `horizon` bars, compounded to a year of 252 bars.
          data.predictedReturns = Object.fromEntries(p.map((r) => [r.symbol, (1 + r.value) ** (252 / horizon) - 1]));
          predictions = Object.fromEntries(p.map((r) => [r.symbol, { day: r.day, value: r.value }]));
          const days = p.map((r) => r.day).sort();
          read.push({ kind: 'model_prediction', modelTrainingRunId: runId });
          for (const v of [...new Set(p.map((r) => r.featureSetVersion))]) {
            read.push({ kind: 'feature_data', version: v, interval: '1d', symbols: p.filter((r) => r.featureSetVersion === v).map((r) => r.symbol), from: days[0], to: days[days.length - 1] });
          }
        }
        let currentFrom: string | null = null;
        if (input.constraints.turnover) {
          const pid = input.constraints.turnover.portfolioId;
          if (!(await portfolios.find(pid, em))) throw new InputError(`portfolio ${pid} does not exist`, 'constraints.turnover.portfolioId');
          const current = await repo.positionWeights(em, pid, asOf);
          data.currentWeights = current.weights;
          currentFrom = current.day;
          if (current.day) read.push({ kind: 'portfolio_position', portfolioId: pid, from: current.day, to: current.day });
        }
        const out = await runOptimization(input, data);
        const id = randomUUID();
        const inputs = {
          universe: symbols, asOf, window: { from, to: asOf, dates: prices.dates.length, returnRows: out.returnRows },
          returns: { ...input.returns, frequency: 252, ...(predictions ? { predictions } : {}) }, risk: { ...input.risk, frequency: 252, psdFix: 'spectral' },
          objective: input.objective, constraints: { ...input.constraints, ...(data.currentWeights ? { currentWeights: data.currentWeights, currentAsOf: currentFrom } : {}) },
          riskFreeRate: input.riskFreeRate, solver: { name: 'HiGHS', version, options: SOLVER_OPTIONS }, tolerances: { zeroWeight: 1e-12, efficientRiskBisection: 1e-12 },
          ...(input.allocation ? { allocation: input.allocation } : {}),
        };
        await repo.save(em, {
          id, pipelineRunId: args.pipelineRunId, asOf, symbols, objective: input.objective.kind, status: out.status, inputs, weights: out.weights,
          expectedReturn: out.expectedReturn, volatility: out.volatility, sharpe: out.sharpe, diagnostics: out.diagnostics,
          outputs: { warnings: out.warnings, mu: out.mu, frontier: out.frontier, riskContributions: out.riskContributions, assetVolatility: out.assetVolatility, riskModel: out.riskModel, solves: out.solves, ...(out.cvar !== undefined ? { cvar: out.cvar } : {}) },
        });
        await runs.addCounts(em, args.pipelineRunId, { optimizationSolves: out.solves });
        return {
          result: {
            optimizationId: id, objective: input.objective.kind, status: out.status, asOf, weights: out.weights, expectedReturn: out.expectedReturn, volatility: out.volatility, sharpe: out.sharpe,
            diagnostics: out.diagnostics, warnings: out.warnings,
          },
          inputDatasets: read,
          outputDataset: { kind: 'portfolio_optimization', id },
          rowsIn: rows.length,
          rowsOut: 1,
          details: { objective: input.objective.kind, status: out.status, asOf },
        };
      });
    },

    async allocateOptimization(args: AllocateArgs): Promise<AllocationResult> {
      const run = await repo.get(args.optimizationId);
      if (!run) throw new InputError(`no portfolio optimization ${args.optimizationId}`, 'optimizationId');
      if (run.status !== 'optimal') throw new InputError(`portfolio optimization ${run.id} is ${run.status}: there are no weights to allocate`, 'optimizationId');
      const alloc = (run.inputs as { allocation?: OptimizeInput['allocation'] }).allocation;
      if (!alloc) throw new InputError(`portfolio optimization ${run.id} was not asked for an allocation`, 'allocation');
      // Shares from weights whose inputs were revised since would be booked as if nothing changed.
      const stale = await staleness.open({ kind: 'portfolio_optimization', keys: [run.id] });
      if (stale.length) throw new StaleDataError(`portfolio optimization ${run.id}`, stale, 'the optimization again (tickflow optimize run)');
      return lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const symbols = run.symbols;
        const latest = await repo.latestPrices(em, symbols, run.asOf);
        const prices = Object.fromEntries(latest.map((r) => [r.symbol, { close: r.close, day: r.day }]));
        const weights = Object.fromEntries(Object.entries(run.weights).filter(([, w]) => Math.abs(w) > 1e-9));
        const method = alloc.method === 'exact' ? exactAllocation : greedyAllocation;
        const a = await method({ weights, prices: Object.fromEntries(latest.map((r) => [r.symbol, r.close])), totalValue: alloc.budget, shortRatio: alloc.shortRatio }).catch((err: Error) => {
          throw new InputError(err.message, 'allocation');
        });
        if (alloc.portfolioId && !(await portfolios.find(alloc.portfolioId, em))) {
          throw new InputError(`portfolio ${alloc.portfolioId} does not exist (create it with: tickflow portfolio create)`, 'allocation.portfolioId');
        }
        // Holdings outside the universe are not this optimisation's to trade.
        const held = alloc.portfolioId ? await repo.latestShares(em, alloc.portfolioId, run.asOf) : {};
        const current = Object.fromEntries(Object.entries(held).filter(([s]) => symbols.includes(s)));
        const trades = tradesTowards(current, a.shares, prices);
        let tradeFile: string | null = null;
        if (trades.length) {
          tradeFile = path.join(deps.exportDir, 'optimizations', `${run.id}-trades.csv`);
          fs.mkdirSync(path.dirname(tradeFile), { recursive: true });
          const day = latest.map((r) => r.day).sort().pop()!;
          // A portfolio with an empty ledger gets the budget deposited first, so its NAV starts at the budget.
          const deposit = alloc.portfolioId && !(await portfolios.ledgerSpan(em, alloc.portfolioId)) ? { day, amount: alloc.budget } : undefined;
          fs.writeFileSync(tradeFile, tradeFileCsv(`opt-${run.id.slice(0, 8)}`, trades, deposit));
        }
        const result: AllocationResult = {
          shares: a.shares, leftover: a.leftover, rmse: a.rmse, tradeFile,
          trades: trades.map((t) => ({ symbol: t.symbol, side: t.side, quantity: t.quantity, price: t.price })),
        };
        await repo.setAllocation(em, run.id, { ...result, method: alloc.method, budget: alloc.budget, prices });
        return {
          result,
          inputDatasets: [{ kind: 'portfolio_optimization', id: run.id }, { kind: 'price_data', interval: '1d', symbols, from: null, to: run.asOf }],
          outputDataset: tradeFile ? { kind: 'file', path: tradeFile } : { kind: 'portfolio_optimization', id: run.id },
          rowsIn: latest.length,
          rowsOut: trades.length,
          details: { method: alloc.method, leftover: a.leftover, rmse: a.rmse },
        };
      });
    },
  };
}
