// `tickflow portfolio` exactly as a user runs it (a worker inside the CLI process), then a dailyPipeline run that
// revalues the portfolio holding the symbols it updated.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { dailyPipeline } from '../../workflows';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { createTestWorker, openTestDataSource, resetData, startTemporal, testDatabaseUrl } from '../helpers/services';

jest.setTimeout(240_000);

describe('tickflow portfolio', () => {
  let env: TestWorkflowEnvironment;
  let ds: DataSource;
  const taskQueue = `cli-portfolio-${Date.now()}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-portfolio-cli-'));

  beforeAll(async () => {
    [env, ds] = await Promise.all([startTemporal(), openTestDataSource()]);
    await resetData(ds);
  });
  afterAll(async () => {
    await env?.teardown();
    await ds?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (...args: string[]) => {
    const p = spawnTickflow(args, childEnv({ DATABASE_URL: testDatabaseUrl(), TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_URL: undefined }));
    const code = await p.exited;
    const output = p.output();
    return { code, output, json: () => JSON.parse(output.slice(output.search(/[[{]/))) };
  };

  it('creates, books, values and reports; bad input exits 2 naming what was wrong', async () => {
    const imported = await cli('run', '--symbols', 'AAPL,SPY', '--from', '2016-01-04', '--to', '2016-06-30', '--no-export', '--json');
    expect(imported.code).toBe(0);

    expect((await cli('portfolio', 'create', 'growth', '--benchmark', 'SPY', '--lot-method', 'average')).code).toBe(0);
    const dup = await cli('portfolio', 'create', 'growth');
    expect(dup.code).toBe(2);
    expect(dup.output).toContain('portfolio growth already exists');

    const trades = path.join(dir, 'trades.jsonl');
    fs.writeFileSync(trades, [
      { trade_id: 'd1', kind: 'deposit', date: '2016-01-04', amount: '50000' },
      { trade_id: 'b1', kind: 'buy', executed_at: '2016-01-05T15:30:00-05:00', symbol: 'AAPL', quantity: '100', price: '103.5', fees: '1' },
      { trade_id: 'b2', kind: 'buy', date: '2016-02-01', symbol: 'AAPL', quantity: '100', price: '96.5' },
      { trade_id: 's1', kind: 'sell', date: '2016-03-01', symbol: 'AAPL', quantity: '50', price: '100.5', fees: '1' },
      { trade_id: 'bad', kind: 'buy', date: '2016-02-30', symbol: 'AAPL', quantity: '1', price: '1' },
    ].map((o) => JSON.stringify(o)).join('\n') + '\n');
    const booked = await cli('portfolio', 'import-trades', trades, '--portfolio', 'growth', '--json');
    expect(booked.code).toBe(0);
    expect(booked.json().result.booking).toMatchObject({ received: 5, booked: 4, quarantined: 1 });

    const q = await cli('portfolio', 'trades', 'growth', '--quarantined', '--json');
    expect(q.json()).toEqual([expect.objectContaining({ tradeRef: 'bad', reason: 'date 2016-02-30 does not exist' })]);

    const positions = await cli('portfolio', 'positions', 'growth', '--as-of', '2016-03-01', '--json');
    const aapl = positions.json().find((p: { symbol: string }) => p.symbol === 'AAPL');
    // average cost: 200 shares for 20001, 50 sold relieve 5000.25
    expect([aapl.quantity, aapl.costBasis, aapl.realisedPnl]).toEqual(['150', '15000.75', String(5025 - 1 - 5000.25)]);

    const perf = await cli('portfolio', 'performance', 'growth', '--period', 'inception', '--json');
    expect(perf.code).toBe(0);
    const metrics = Object.fromEntries(perf.json().map((m: { metric: string; value: number }) => [m.metric, m.value]));
    expect(Object.keys(metrics)).toEqual(expect.arrayContaining(['time_weighted_return', 'money_weighted_return', 'sharpe_ratio', 'max_drawdown', 'beta', 'tracking_error']));

    const text = await cli('portfolio', 'pnl', 'growth', '--from', '2016-03-01', '--to', '2016-03-01');
    expect(text.output).toMatch(/^2016-03-01 {2}NAV +[\d,.]+ {2}return/m);

    const badFlag = await cli('portfolio', 'positions', 'growth', '--as-of', '2016-04-31');
    expect(badFlag.code).toBe(2);
    expect(badFlag.output).toContain('--as-of="2016-04-31": date 2016-04-31 does not exist');
    const missing = await cli('portfolio', 'import-trades', path.join(dir, 'nope.csv'), '--portfolio', 'growth');
    expect(missing.code).not.toBe(0);
    expect(missing.output).toMatch(/nope\.csv/);
  });

  it('dailyPipeline revalues the portfolios holding the symbols it updated', async () => {
    const worker = await createTestWorker(env, taskQueue, { dataSource: ds, redis: null, exportDir: dir });
    const summary = await worker.runUntil(env.client.workflow.execute(dailyPipeline, {
      taskQueue, workflowId: `daily-portfolio-${Date.now()}`, args: [{ symbols: ['AAPL', 'SPY'], date: '2016-07-15', export: { enabled: false } }],
    }));
    expect(summary.portfolios?.map((p) => p.portfolioId)).toEqual(['growth']);
    expect(summary.portfolios?.[0].to).toBe('2016-07-15');
    const [v] = await ds.query(`SELECT max(as_of)::text AS last FROM portfolio_valuation WHERE portfolio_id = 'growth'`);
    expect(v.last).toBe('2016-07-15');
  });
});
