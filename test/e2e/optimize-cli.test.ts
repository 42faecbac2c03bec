// The optimisation loop as a user runs it: a pipeline that trains the baseline model and predicts, then
// `tickflow optimize run` on those predictions (point in time), allocating whole shares and booking them into a
// portfolio through bookTrades; an infeasible run that explains itself; the frontier and the HTML report rendered in
// headless Chromium. Real PostgreSQL, Temporal dev server and a worker (in this process; the CLI runs --no-worker).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { PortfolioRepository } from '../../src/repositories/portfolio-repository';
import { marketDataPipeline } from '../../workflows';
import { childEnv, spawnTickflow, waitFor } from '../helpers/processes';
import { testDatabaseUrl, useTestWorker } from '../helpers/services';

jest.setTimeout(240_000);
const CHROMIUM = '/usr/bin/chromium';

describe('tickflow optimize', () => {
  const h = useTestWorker('optimize');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-optimize-cli-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cli = async (...args: string[]) => {
    const p = spawnTickflow(args, childEnv({ DATABASE_URL: testDatabaseUrl(), TEMPORAL_ADDRESS: h.env.address, TEMPORAL_TASK_QUEUE: h.taskQueue, REDIS_URL: undefined, TICKFLOW_EXPORT_DIR: h.exportDir }));
    const code = await p.exited;
    const output = p.output();
    return { code, output, json: () => JSON.parse(output.slice(output.indexOf('{'))) };
  };

  it('optimises from model predictions, books the shares, explains an infeasible run and reports the frontier', async () => {
    const symbols = ['AAPL', 'GOOG', 'SPY'];
    const pipeline = await h.env.client.workflow.execute(marketDataPipeline, {
      taskQueue: h.taskQueue, workflowId: `optimize-pipeline-${Date.now()}`,
      args: [{ symbols, from: '2016-01-04', to: '2016-12-30', export: { enabled: true, path: path.join(h.exportDir, 'train.csv') }, model: { enabled: true } }],
    });
    const modelRun = pipeline.model!.training.modelTrainingRunId;
    await new PortfolioRepository(h.ds).create({ id: 'opt', name: 'optimized', currency: 'USD', lotMethod: 'fifo', allowShort: false, benchmarkSymbol: null });

    const base = ['optimize', 'run', '--symbols', symbols.join(','), '--as-of', '2016-12-30', '--no-worker'];
    const ran = await cli(...base, '--returns', 'model_predictions', '--model-run', modelRun, '--risk', 'ledoit_wolf_constant_variance',
      '--objective', 'max_quadratic_utility', '--risk-aversion', '2', '--bounds', '0.05,0.6', '--budget', '100000', '--method', 'exact', '--book', 'opt', '--json');
    expect(ran.code).toBe(0);
    const s = ran.json();
    expect(s.optimization.status).toBe('optimal');
    const weights: Record<string, number> = s.optimization.weights;
    expect(Object.values(weights).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    for (const w of Object.values(weights)) expect(w >= 0.05 - 1e-9 && w <= 0.6 + 1e-9).toBe(true);

    // One row with its inputs: the predictions it read are of the last bar on or before as-of, solver and version named.
    const [row] = await h.ds.query(`SELECT id, pipeline_run_id, status, inputs, outputs FROM portfolio_optimization WHERE id = $1`, [s.optimization.optimizationId]);
    expect(row.pipeline_run_id).toBe(s.pipelineRunId);
    expect(row.inputs.solver.version).toMatch(/^HiGHS 1\.15/);
    expect(Object.keys(row.inputs.returns.predictions).sort()).toEqual(symbols.slice().sort());
    for (const p of Object.values(row.inputs.returns.predictions) as { day: string }[]) expect(p.day).toBe('2016-12-30');
    expect(row.outputs.frontier).toHaveLength(20);
    const lineage = await h.ds.query(`SELECT activity_type, input_datasets, output_dataset FROM data_lineage WHERE pipeline_run_id = $1 ORDER BY id`, [s.pipelineRunId]);
    const optimizeStep = lineage.find((l: { activity_type: string }) => l.activity_type === 'optimizePortfolio');
    expect(optimizeStep.output_dataset).toBe(`portfolio_optimization:${row.id}`);
    expect(optimizeStep.input_datasets).toEqual(expect.arrayContaining([
      'price_data:1d:AAPL,GOOG,SPY:2013-12-31..2016-12-30', `model_prediction:${modelRun}`, expect.stringMatching(/^feature_data:default-[0-9a-f]+:1d:AAPL,GOOG,SPY:2016-12-30\.\.2016-12-30$/),
    ]));

    // The proposed trades were booked into "opt" (deposit + one buy per symbol) and its positions are the shares.
    const shares: Record<string, number> = s.allocation.shares;
    expect(s.booking.booking).toMatchObject({ booked: s.allocation.trades.length + 1, quarantined: 0 });
    const positions = await h.ds.query(`SELECT symbol, quantity::float8 AS q FROM portfolio_position WHERE portfolio_id = 'opt' AND as_of = '2016-12-30' AND symbol <> '$CASH'`);
    expect(Object.fromEntries(positions.map((p: { symbol: string; q: number }) => [p.symbol, p.q]))).toEqual(shares);
    const spent = s.allocation.trades.reduce((a: number, t: { quantity: number; price: number }) => a + t.quantity * t.price, 0);
    expect(spent + s.allocation.leftover).toBeCloseTo(100000, 6);

    // Point in time: the model has no prediction of a bar by mid-2016, so that as-of is refused, naming why.
    const early = await cli('optimize', 'run', '--symbols', symbols.join(','), '--as-of', '2016-06-30', '--no-worker', '--returns', 'model_predictions', '--model-run', modelRun);
    expect(early.code).toBe(1);
    expect(early.output).toContain('has no prediction of a bar on or before 2016-06-30 for AAPL, GOOG, SPY');

    const infeasible = await cli(...base, '--objective', 'min_volatility', '--bounds', '0.4,1');
    expect(infeasible.code).toBe(1);
    expect(infeasible.output).toContain('weight bounds vs budget: the lower bounds sum to 1.2, above the budget 1 by 0.2');

    const frontier = await cli('optimize', 'frontier', row.id, '--json');
    const points: { expectedReturn: number; volatility: number }[] = frontier.json().frontier;
    for (let i = 1; i < points.length; i++) expect(points[i].expectedReturn).toBeGreaterThan(points[i - 1].expectedReturn);

    // The monthly rebalance: a Temporal Schedule of optimizePortfolio without asOf (the last stored bar), triggered now.
    const schedule = JSON.stringify({ symbols, objective: { kind: 'min_volatility' }, frontierPoints: 0 });
    expect((await cli('schedule', 'create', 'opt-monthly', '--workflow', 'optimizePortfolio', '--cron', '0 18 1 * *', '--input', schedule)).code).toBe(0);
    await h.env.client.schedule.getHandle('opt-monthly').trigger();
    const scheduled = await waitFor('the scheduled optimization', async () => (await h.ds.query(
      `SELECT o.as_of::text AS "asOf", o.status FROM portfolio_optimization o JOIN pipeline_run r ON r.id = o.pipeline_run_id WHERE r.schedule_id = 'opt-monthly'`))[0]);
    expect(scheduled).toEqual({ asOf: '2016-12-30', status: 'optimal' });

    const html = path.join(dir, 'optimization.html');
    const shown = await cli('optimize', 'show', row.id, '--html', html);
    expect(shown.code).toBe(0);
    expect(shown.output).toMatch(/✓ optimization .* \(max_quadratic_utility, as of 2016-12-30\): optimal/);
    const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(dir, 'chromium-')), {
      executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    try {
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${html}`);
      const chart = page.locator('svg.frontier');
      expect(await chart.isVisible()).toBe(true);
      const box = await chart.boundingBox();
      expect(box!.width).toBeGreaterThan(300);
      expect(await page.locator('svg.frontier polyline.frontier-line').getAttribute('points')).toMatch(/^(\d+\.\d,\d+\.\d ?){20}$/);
      expect(await page.locator('svg.frontier circle.chosen').count()).toBe(1);
      expect(await page.locator('svg.frontier circle.asset').count()).toBe(3);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
