// Risk end to end on real PostgreSQL and a Temporal dev server: a portfolio of real AAPL and SPY prices (the bundled
// files) is booked and valued by bookTrades, riskRun computes every method × level × horizon over a quarter and
// backtests it, a re-run is idempotent, stale positions are refused (and brought up to date with revalue: true), and
// the edge cases (too little history, a long gap, point in time, resume after a chunk) are checked on the engine. The
// report is written by `tickflow risk report` and rendered offline in headless Chromium.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { chromium } from 'playwright-core';
import type { DataSource } from 'typeorm';
import { RISK_METHOD_NAMES, riskOptionsSchema } from '../../src/contracts/risk';
import { evaluateRules } from '../../src/quality/run-quality';
import { riskRules } from '../../src/quality/rules';
import { DerivedStalenessRepository } from '../../src/repositories/derived-staleness-repository';
import { PortfolioRepository } from '../../src/repositories/portfolio-repository';
import { RiskRepository } from '../../src/repositories/risk-repository';
import { computeRisk, RISK_CHUNK } from '../../src/risk/risk-run';
import { bookTrades, riskRun } from '../../workflows';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { bundledBars, createTestWorker, insertRawBars, openTestDataSource, resetData, startTemporal, testDatabaseUrl } from '../helpers/services';

jest.setTimeout(240_000);

const CHROMIUM = '/usr/bin/chromium';
const FROM = '2016-10-03';
const TO = '2016-12-30';

describe('risk: riskRun, backtests and the report', () => {
  let env: TestWorkflowEnvironment;
  let ds: DataSource;
  let worker: Worker;
  const taskQueue = `risk-${Date.now()}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-risk-'));
  let repo: RiskRepository;
  let staleness: DerivedStalenessRepository;

  beforeAll(async () => {
    [env, ds] = await Promise.all([startTemporal(), openTestDataSource()]);
    await resetData(ds);
    await insertRawBars(ds, [...bundledBars('AAPL', '2014-07-01', TO), ...bundledBars('SPY', '2014-07-01', TO)]);
    await new PortfolioRepository(ds).create({ id: 'riskp', name: 'risk test', currency: 'USD', lotMethod: 'fifo', allowShort: false, benchmarkSymbol: null });
    fs.writeFileSync(path.join(dir, 'trades.csv'), [
      'trade_id,kind,date,symbol,quantity,price,fees,amount',
      'd1,deposit,2015-01-02,,,,,100000',
      'b1,buy,2015-01-05,AAPL,300,106.25,1,',
      'b2,buy,2015-01-05,SPY,200,201.72,1,',
      'b3,buy,2016-06-01,AAPL,100,98.50,1,',
    ].join('\n') + '\n');
    worker = await createTestWorker(env, taskQueue, { dataSource: ds, exportDir: dir });
    repo = new RiskRepository(ds);
    staleness = new DerivedStalenessRepository(ds);
  });
  afterAll(async () => {
    await env?.teardown();
    await ds?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = <T>(wf: (input: unknown) => Promise<T>, input: unknown, id: string) =>
    env.client.workflow.execute(wf, { taskQueue, workflowId: `${id}-${Date.now()}`, args: [input] });

  it('computes every method, level and horizon for a range, backtests it, re-runs idempotently and refuses stale positions', async () => {
    await worker.runUntil(async () => {
      const booked = await start(bookTrades, { portfolioId: 'riskp', path: path.join(dir, 'trades.csv') }, 'risk-book');
      expect(booked.booking.booked).toBe(4);

      const input = { portfolioId: 'riskp', from: FROM, to: TO, options: { window: 250, paths: 2000, seed: 7 } };
      const first = await start(riskRun, input, 'risk-run');
      const sessions = first.risk.dates;
      expect(sessions).toBe(63);
      expect(first.risk.rows).toBe(sessions * RISK_METHOD_NAMES.length * 3 * 2);
      expect(first.risk.insufficient).toBe(0);
      const rows = await repo.varRows('riskp', { from: FROM, to: TO });
      expect(rows).toHaveLength(first.risk.rows);
      // Every row has a number, its parameters, and the horizon scaling its method allows.
      for (const r of rows) {
        expect(r.var).toBeGreaterThan(0);
        expect(r.es! + 1e-9).toBeGreaterThanOrEqual(r.var! * (r.method === 'cornish_fisher' && r.status === 'ok' ? 0.9 : 1));
        expect(r.parameters.window).toBe(250);
      }
      const scaling = (m: string) => rows.find((r) => r.method === m && r.horizon === 10)!.horizonScaling;
      expect(scaling('parametric_normal')).toBe('sqrt_time');
      expect(scaling('historical')).toBe('overlapping');
      expect(scaling('parametric_t')).toBe('overlapping');
      const mc = rows.find((r) => r.method === 'monte_carlo')!;
      expect(mc.parameters).toMatchObject({ paths: 2000, runSeed: 7 });
      const parametric = rows.find((r) => r.method === 'parametric_normal' && r.asOf === TO && r.level === 0.99 && r.horizon === 1)!;
      expect(parametric.contributions!.map((c) => c.symbol).sort()).toEqual(['AAPL', 'SPY']);
      expect(parametric.contributions!.reduce((s, c) => s + c.component, 0)).toBeCloseTo(parametric.var!, 6);

      // Backtests: one per series with realised P&L; the 10-day ones lose the last 10 dates (their P&L is not known yet).
      expect(first.backtest!.backtests).toHaveLength(RISK_METHOD_NAMES.length * 3 * 2);
      const hist = first.backtest!.backtests.find((b) => b.method === 'historical' && b.level === 0.99 && b.horizon === 1)!;
      expect(hist.observations).toBe(sessions - 1);
      expect(first.backtest!.backtests.find((b) => b.method === 'historical' && b.level === 0.99 && b.horizon === 10)!.observations).toBe(sessions - 10);
      const stored = await repo.backtests('riskp', first.pipelineRunId);
      const h = stored.find((b) => b.method === 'historical' && b.level === 0.99 && b.horizon === 1)!;
      expect(h.exceptionDates).toHaveLength(h.exceptions);
      const pnl = new Map((await repo.pnlRows('riskp', FROM, TO)).filter((p) => p.horizon === 1).map((p) => [p.asOf, p.pnl]));
      const expectedDates = rows.filter((r) => r.method === 'historical' && r.level === 0.99 && r.horizon === 1 && pnl.has(r.asOf) && pnl.get(r.asOf)! < -r.var!).map((r) => r.asOf);
      expect(h.exceptionDates).toEqual(expectedDates);
      const [quality] = await ds.query(`SELECT severity, passed FROM validation_result WHERE pipeline_run_id = $1 AND rule = 'risk.backtest_red_zone'`, [first.pipelineRunId]);
      expect(quality).toEqual({ severity: 'warn', passed: first.backtest!.redZone.length === 0 });

      // A PipelineRun, and one lineage row per data step.
      const [run] = await ds.query(`SELECT status, counts FROM pipeline_run WHERE id = $1`, [first.pipelineRunId]);
      expect(run.status).toBe('completed');
      const lineage = await ds.query(`SELECT activity_type, output_dataset FROM data_lineage WHERE pipeline_run_id = $1 ORDER BY activity_type`, [first.pipelineRunId]);
      expect(lineage).toEqual([
        { activity_type: 'backtestRisk', output_dataset: `var_backtest:riskp:${FROM}..${TO}` },
        { activity_type: 'computeRisk', output_dataset: `var_calculation:riskp:${FROM}..${TO}` },
      ]);

      // Idempotent: the same run again writes the same rows (Monte Carlo included: seeded per date).
      const again = await start(riskRun, { ...input, backtest: false }, 'risk-again');
      expect(again.risk.rows).toBe(first.risk.rows);
      const rows2 = await repo.varRows('riskp', { from: FROM, to: TO });
      expect(rows2.map((r) => [r.asOf, r.method, r.level, r.horizon, r.var, r.es])).toEqual(rows.map((r) => [r.asOf, r.method, r.level, r.horizon, r.var, r.es]));

      // A backdated trade makes positions and VaR rows stale: riskRun refuses, and with revalue: true brings them up to date.
      // (Booked here without the revaluation bookTrades would run, with the marks a booking writes in its transaction.)
      await ds.transaction(async (em) => {
        await em.query(`INSERT INTO trade (portfolio_id, trade_ref, kind, symbol, quantity, price, fees, currency, executed_at, trade_date, settle_date, source)
          VALUES ('riskp', 's1', 'sell', 'SPY', 50, 208.5, 1, 'USD', '2016-11-01', '2016-11-01', '2016-11-03', 'test')`);
        await staleness.markPortfolioChanged(em, 'riskp', '1d', new Date('2016-11-01T00:00:00Z'), null);
      });
      expect((await staleness.open({ kind: 'var_calculation', keys: ['riskp'] })).map((m) => m.staleFrom.slice(0, 10))).toEqual(['2016-11-01']);
      const refused = await start(riskRun, input, 'risk-stale').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(WorkflowFailedError);
      expect(((refused as WorkflowFailedError).cause?.cause as Error | undefined)?.message).toMatch(/positions of portfolio riskp is stale .*from 2016-11-01.*tickflow portfolio value riskp/);
      const revalued = await start(riskRun, { ...input, revalue: true, backtest: false }, 'risk-revalue');
      expect(revalued.risk.rows).toBe(first.risk.rows);
      const open = await ds.query(`SELECT derived_kind FROM derived_staleness WHERE derived_key = 'riskp' AND cleared_at IS NULL`);
      expect(open).toEqual([]);
      const after = await repo.varRows('riskp', { from: '2016-11-01', to: '2016-11-01', method: 'parametric_normal', level: 0.99, horizon: 1 });
      const before = rows.find((r) => r.asOf === '2016-11-01' && r.method === 'parametric_normal' && r.level === 0.99 && r.horizon === 1)!;
      expect(after[0].contributions!.find((c) => c.symbol === 'SPY')!.exposure).toBeLessThan(before.contributions!.find((c) => c.symbol === 'SPY')!.exposure);
    });
  });

  it('stores the reason when history is too short, names a long gap, stays point in time and resumes after a chunk', async () => {
    const options = riskOptionsSchema.parse({ window: 500, paths: 500 });
    const args = { pipelineRunId: '00000000-0000-4000-8000-000000000000', portfolioId: 'riskp', methods: [...RISK_METHOD_NAMES], levels: [0.99], horizons: [1], options };
    const short = await computeRisk(ds, repo, { ...args, pipelineRunId: null as unknown as string, from: '2015-06-01', to: '2015-06-01' });
    expect(short.insufficient).toBe(RISK_METHOD_NAMES.length);
    const [row] = await repo.varRows('riskp', { from: '2015-06-01', to: '2015-06-01', method: 'historical' });
    expect(row).toMatchObject({ status: 'insufficient_history', var: null });
    expect(row.reason).toMatch(/AAPL: daily closes start 2014-07-01; a 500-return window on 2015-06-01 needs them from 2013-/);

    // Point in time: bars after the as-of date do not change its row.
    const pit = { ...args, pipelineRunId: null as unknown as string, options: { ...options, window: 250 }, from: '2016-11-15', to: '2016-11-15' };
    await computeRisk(ds, repo, pit);
    const [v1] = await repo.varRows('riskp', { from: '2016-11-15', to: '2016-11-15', method: 'historical' });
    await ds.query(`UPDATE price_data SET adj_close = adj_close * 0.5 WHERE symbol = 'AAPL' AND ts > '2016-11-15'`);
    await computeRisk(ds, repo, pit);
    const [v2] = await repo.varRows('riskp', { from: '2016-11-15', to: '2016-11-15', method: 'historical' });
    expect(v2.var).toBe(v1.var);

    // Resume: chunks up to the heartbeat are not recomputed; the rest are.
    const sessions = await repo.sessions(undefined, FROM, TO);
    const chunks: string[] = [];
    await computeRisk(ds, repo, { ...pit, from: FROM, to: TO, resumeAfter: sessions[RISK_CHUNK - 1] }, { onChunk: (d) => chunks.push(d) });
    expect(chunks).toEqual([sessions[2 * RISK_CHUNK - 1], sessions[sessions.length - 1]]);

    // A gap longer than five sessions inside a window is an error naming the symbol and the dates.
    await ds.query(`DELETE FROM price_data WHERE symbol = 'SPY' AND ts BETWEEN '2016-08-01' AND '2016-08-10'`);
    await expect(computeRisk(ds, repo, pit)).rejects.toThrow(/SPY, held by portfolio riskp on 2016-11-15, has no stored daily close on 2016-08-01, 2016-08-02, .*2016-08-10/);
  });

  it('flags a red-zone backtest with the warn rule', async () => {
    const [{ id }] = await ds.query(`INSERT INTO pipeline_run (workflow_id, run_id, workflow_type, task_queue, status, input, started_at)
      VALUES ('wf-red', 'run-red', 'riskRun', 'q', 'completed', '{}', now()) RETURNING id`);
    await repo.saveBacktests(ds.manager, [{
      pipelineRunId: id, portfolioId: 'riskp', method: 'historical', level: 0.99, horizon: 1, from: '2016-01-04', to: TO, observations: 250, exceptions: 12,
      exceptionDates: [], kupiecLr: 20, kupiecP: 0, independenceLr: 0, independenceP: 1, conditionalCoverageLr: 20, conditionalCoverageP: 0,
      trafficLight: 'red', trafficLightObservations: 250, trafficLightExceptions: 12, esZ2: -2, esVerdict: 'reject_0.01pct', details: {},
    }]);
    const verdict = await ds.transaction((em) => evaluateRules(em, riskRules, { symbols: ['riskp'], interval: '1d', from: '2016-01-04', to: TO }, { pipelineRunId: id, workflowId: 'wf-red' }));
    expect(verdict.warnings).toEqual(['risk.backtest_red_zone']);
    expect(verdict.blockingFailures).toEqual([]);
  });

  (fs.existsSync(CHROMIUM) ? it : it.skip)('tickflow risk report writes a self-contained page that Chromium renders offline', async () => {
    const file = path.join(dir, 'risk.html');
    const p = spawnTickflow(['risk', 'report', 'riskp', '--out', file, '--run', (await repo.backtests('riskp'))[0].pipelineRunId!], childEnv({ DATABASE_URL: testDatabaseUrl(), REDIS_URL: undefined }));
    expect(await p.exited).toBe(0);
    const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-chromium-')), {
      executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    });
    try {
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${file}`);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
      expect(await page.$$eval('#red-zone li', (li) => li.map((l) => l.textContent))).toEqual(['historical 0.99 1d']);
      expect(await page.$$('#traffic-light tbody tr')).toHaveLength(1);
      expect(await page.$$eval('#methods tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-method')))).toEqual(expect.arrayContaining(['historical', 'parametric_normal', 'monte_carlo']));
      // The chart marks exactly the stored exceptions.
      const stored = (await repo.backtests('riskp'))[0];
      const marked = await page.$$eval('svg.chart.var[data-method="historical"] circle.exception', (cs) => cs.map((c) => c.getAttribute('data-date')));
      const rows = await repo.varRows('riskp', { from: stored.from, to: stored.to, method: 'historical', level: 0.99, horizon: 1 });
      const pnl = new Map((await repo.pnlRows('riskp', stored.from, stored.to)).filter((x) => x.horizon === 1).map((x) => [x.asOf, x.pnl]));
      expect(marked).toEqual(rows.filter((r) => r.var !== null && pnl.has(r.asOf) && pnl.get(r.asOf)! < -r.var).map((r) => r.asOf));
      const components = await page.$$eval('#contributors tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-symbol')));
      expect(components.sort()).toEqual(['AAPL', 'SPY']);
    } finally {
      await context.close();
    }
  });
});
