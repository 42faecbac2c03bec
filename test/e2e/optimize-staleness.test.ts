// Derived data follows its inputs, for models and optimizations: a revised bar marks the model run's predictions of
// that symbol and every optimization that read the symbol by its as-of stale (visibly: `tickflow optimize show`,
// `tickflow models show`); optimizing on stale predictions and allocating a stale optimization are refused; a
// booking in an optimization's turnover portfolio marks it whole. Real PostgreSQL, Temporal dev server, worker.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { createActivities } from '../../activities';
import { importPrices, importRepositories } from '../../src/import/import-prices';
import { LocalFilesProvider } from '../../src/providers/local-files';
import { DerivedStalenessRepository } from '../../src/repositories/derived-staleness-repository';
import { PortfolioRepository } from '../../src/repositories/portfolio-repository';
import { bookTrades, marketDataPipeline, optimizePortfolio } from '../../workflows';
import { callActivity } from '../helpers/call-activity-workflow';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { writeRevisedCopy } from '../helpers/price-csv';
import { bundledDataDir, testActivityDeps, testDatabaseUrl, useTestWorker } from '../helpers/services';

jest.setTimeout(240_000);

const SYMBOLS = ['AAPL', 'GOOG', 'SPY'];

describe('models and optimizations follow their inputs', () => {
  const h = useTestWorker('optimize-stale');
  const staleness = () => new DerivedStalenessRepository(h.ds);
  const cli = async (...args: string[]) => {
    const p = spawnTickflow(args, childEnv({ DATABASE_URL: testDatabaseUrl(), TEMPORAL_ADDRESS: h.env.address, TEMPORAL_TASK_QUEUE: h.taskQueue, REDIS_URL: undefined }));
    return { code: await p.exited, output: p.output() };
  };
  const optimize = (input: Record<string, unknown>) => h.env.client.workflow.execute(optimizePortfolio, {
    taskQueue: h.taskQueue, workflowId: `stale-opt-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`, args: [{ risk: { model: 'sample_cov' }, objective: { kind: 'min_volatility' }, ...input }],
  });
  const book = (file: string, rows: string) => {
    fs.writeFileSync(file, `trade_id,kind,date,symbol,quantity,price,amount\n${rows}`);
    return h.env.client.workflow.execute(bookTrades, { taskQueue: h.taskQueue, workflowId: `stale-book-${Date.now()}`, args: [{ portfolioId: 'cur', path: file }] });
  };

  it('marks predictions and optimizations on a revised bar and a booking, shows it, and refuses to build on them', async () => {
    const pipeline = await h.env.client.workflow.execute(marketDataPipeline, {
      taskQueue: h.taskQueue, workflowId: `stale-opt-pipeline-${Date.now()}`,
      args: [{ symbols: SYMBOLS, from: '2016-01-04', to: '2016-12-30', export: { enabled: true, path: path.join(h.exportDir, 'train.csv') }, model: { enabled: true } }],
    });
    const modelRun = pipeline.model!.training.modelTrainingRunId;
    await new PortfolioRepository(h.ds).create({ id: 'cur', name: 'current', currency: 'USD', lotMethod: 'fifo', allowShort: false, benchmarkSymbol: null });
    await book(path.join(h.exportDir, 't1.csv'), 'd1,deposit,2016-06-01,,,,50000\nb1,buy,2016-06-01,AAPL,100,98,\n');

    // A: model predictions as of the year end, turnover against "cur", with an allocation. B: history only, as of September.
    const a = await optimize({
      symbols: SYMBOLS, asOf: '2016-12-30', returns: { model: 'model_predictions', modelTrainingRunId: modelRun }, objective: { kind: 'max_quadratic_utility', riskAversion: 2 },
      constraints: { turnover: { max: 2, portfolioId: 'cur' } }, allocation: { budget: 100000, method: 'greedy' },
    });
    const b = await optimize({ symbols: ['AAPL', 'GOOG'], asOf: '2016-09-30', returns: { model: 'mean_historical' } });
    expect([a.optimization.status, b.optimization.status]).toEqual(['optimal', 'optimal']);
    const idA = a.optimization.optimizationId;
    const idB = b.optimization.optimizationId;
    expect(await staleness().open({ kind: 'portfolio_optimization' })).toEqual([]);

    // The vendor revises AAPL from 2016-11-01 on (+1%).
    const dir = path.join(h.exportDir, 'revised');
    writeRevisedCopy(bundledDataDir, dir, 'AAPL', '2016-11-01');
    const revision = await h.ds.transaction((em) => importPrices(em, importRepositories(h.ds), new LocalFilesProvider(dir, 'csv'),
      { symbols: ['AAPL'], interval: '1d', range: { from: '2016-01-01', to: '2016-12-31' }, pipelineRunId: null, now: new Date('2024-01-01T00:00:00Z') }));
    expect(revision.revised).toBeGreaterThan(0);

    const marks = (kind: 'model_prediction' | 'portfolio_optimization') => staleness().open({ kind }).then((ms) => ms.map((m) => [m.key, m.scope, m.staleFrom.slice(0, 10), m.cause.input]));
    expect(await marks('model_prediction')).toEqual([[modelRun, 'AAPL', '2016-11-01', 'price_data']]);
    // A read AAPL up to 2016-12-30; B's as-of (2016-09-30) is before the revision, GOOG and SPY were not revised.
    expect(await marks('portfolio_optimization')).toEqual([[idA, 'AAPL', '2016-11-01', 'price_data']]);

    // Built on stale predictions: refused, naming the run, the symbol and what to do.
    const refused = await optimize({ symbols: SYMBOLS, asOf: '2016-12-30', returns: { model: 'model_predictions', modelTrainingRunId: modelRun } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowFailedError);
    const cause = (refused as WorkflowFailedError).cause as { cause?: { type?: string; message?: string } };
    expect(cause.cause?.type).toBe('StaleDataError');
    expect(cause.cause?.message).toContain(`the predictions of model training run ${modelRun} is stale`);
    expect(cause.cause?.message).toContain(`${modelRun} AAPL from 2016-11-01`);
    // History-only optimizations still run: they read the revised closes themselves.
    expect((await optimize({ symbols: SYMBOLS, asOf: '2016-12-30', returns: { model: 'mean_historical' } })).optimization.status).toBe('optimal');

    // Allocating the stale optimization A (its activity through the production retry profile): refused once.
    const queue = `${h.taskQueue}-alloc`;
    const worker = await Worker.create({
      connection: h.env.nativeConnection, namespace: h.env.namespace ?? 'default', taskQueue: queue, workflowsPath: require.resolve('../helpers/call-activity-workflow'),
      activities: createActivities(testActivityDeps(h.ds, { dataDir: bundledDataDir, exportDir: h.exportDir })),
    });
    const allocation = await worker.runUntil(h.env.client.workflow.execute(callActivity, {
      taskQueue: queue, workflowId: `stale-alloc-${Date.now()}`, args: ['sqlBatch', 'allocateOptimization', [{ pipelineRunId: a.pipelineRunId, optimizationId: idA }]],
    }).catch((e: unknown) => e));
    const allocCause = ((allocation as WorkflowFailedError).cause as { cause?: { type?: string; message?: string } }).cause;
    expect(allocCause?.type).toBe('StaleDataError');
    expect(allocCause?.message).toContain(`portfolio optimization ${idA} is stale`);

    // A booking in "cur" on 2016-12-01 marks A (it read cur's positions as of 2016-12-30) whole; B did not read cur.
    await book(path.join(h.exportDir, 't2.csv'), 'b2,buy,2016-12-01,GOOG,10,750,\n');
    expect(await marks('portfolio_optimization')).toEqual([[idA, 'AAPL', '2016-11-01', 'price_data'], [idA, '*', '2016-12-01', 'trade']]);
    expect((await staleness().open({ kind: 'portfolio_optimization', keys: [idB] }))).toEqual([]);

    // Visible where a user looks.
    const shown = await cli('optimize', 'show', idA);
    expect(shown.code).toBe(0);
    expect(shown.output).toContain('STALE           AAPL revised from 2016-11-01 (price_data): run the optimization again');
    expect(shown.output).toContain('STALE           its turnover portfolio was rebooked from 2016-12-01 (trade');
    const listed = await cli('optimize', 'list');
    expect(listed.output.split('\n').find((l) => l.startsWith(idA))).toContain('STALE from 2016-11-01');
    expect(listed.output.split('\n').find((l) => l.startsWith(idB))).not.toContain('STALE');
    const model = await cli('models', 'show', modelRun);
    expect(model.output).toContain("STALE      predictions of AAPL from 2016-11-01: their features' price_data changed since training; train a new model");
  });
});
