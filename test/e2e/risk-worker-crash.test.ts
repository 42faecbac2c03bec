// riskRun survives its worker: a real `tickflow worker` process is killed with SIGKILL while computeRisk is part way
// through a long range (chunks committed, the server holding a heartbeated cursor), a second worker picks the
// activity up, resumes after the cursor without recomputing the committed chunks, and the run ends with every
// (date, method, level, horizon) row exactly once, the same numbers the engine computes uninterrupted, and totals
// that count the chunks the dead attempt committed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { PortfolioRepository } from '../../src/repositories/portfolio-repository';
import { RiskRepository } from '../../src/repositories/risk-repository';
import { computeRisk, RISK_CHUNK } from '../../src/risk/risk-run';
import { riskOptionsSchema, type RiskMethodName } from '../../src/contracts/risk';
import { bookTrades, riskRun } from '../../workflows';
import { spawnTestWorker, waitFor, type Spawned } from '../helpers/processes';
import { bundledBars, insertRawBars, openTestDataSource, resetData, startTemporal } from '../helpers/services';

jest.setTimeout(120_000);

const FROM = '2016-03-01';
const TO = '2016-12-30';
const METHODS: RiskMethodName[] = ['historical', 'parametric_normal', 'monte_carlo'];
const LEVELS = [0.99];
const HORIZONS = [1, 10];
// Monte Carlo's paths set the pace: long enough per date that a throttled heartbeat (capped at 250 ms for the child
// worker, TICKFLOW_HEARTBEAT_THROTTLE_MS) reaches the server with a cursor well before the range is done, on an idle
// machine as on a loaded one.
const OPTIONS = { window: 60, paths: 120_000, seed: 11 };

describe('riskRun with its worker killed mid-range', () => {
  let env: TestWorkflowEnvironment;
  let ds: DataSource;
  const workers: Spawned[] = [];
  const taskQueue = `risk-crash-${Date.now()}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-risk-crash-'));

  beforeAll(async () => {
    [env, ds] = await Promise.all([startTemporal(), openTestDataSource()]);
    await resetData(ds);
    await insertRawBars(ds, [...bundledBars('AAPL', '2015-06-01', TO), ...bundledBars('SPY', '2015-06-01', TO)]);
    await new PortfolioRepository(ds).create({ id: 'crashp', name: 'risk crash', currency: 'USD', lotMethod: 'fifo', allowShort: false, benchmarkSymbol: null });
    fs.writeFileSync(path.join(dir, 'trades.csv'), [
      'trade_id,kind,date,symbol,quantity,price,fees,amount',
      'd1,deposit,2016-01-04,,,,,100000',
      'b1,buy,2016-01-04,AAPL,300,105.35,1,',
      'b2,buy,2016-01-04,SPY,200,201.02,1,',
    ].join('\n') + '\n');
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await env?.teardown();
    await ds?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const startWorker = () => {
    const w = spawnTestWorker(env.address, taskQueue, { TICKFLOW_HEARTBEAT_THROTTLE_MS: '250' });
    workers.push(w);
    return w;
  };

  it('resumes after the heartbeated cursor on a second worker, recomputing nothing committed before it', async () => {
    const first = startWorker();
    await waitFor('the first worker to poll', async () => first.output().includes('worker polling'));
    await env.client.workflow.execute(bookTrades, { taskQueue, workflowId: `risk-crash-book-${Date.now()}`, args: [{ portfolioId: 'crashp', path: path.join(dir, 'trades.csv') }] });

    const repo = new RiskRepository(ds);
    const sessions = await repo.sessions(undefined, FROM, TO);
    const perDate = METHODS.length * LEVELS.length * HORIZONS.length;
    const total = sessions.length * perDate;
    expect(sessions.length).toBeGreaterThan(4 * RISK_CHUNK); // several resumable chunks

    const input = { portfolioId: 'crashp', from: FROM, to: TO, methods: METHODS, levels: LEVELS, horizons: HORIZONS, options: OPTIONS, backtest: false };
    const handle = await env.client.workflow.start(riskRun, { taskQueue, workflowId: `risk-crash-${Date.now()}`, args: [input] });
    // Kill the worker once the server holds a cursor from computeRisk's heartbeats (a committed chunk).
    const cursor = await waitFor('a heartbeated risk cursor', async () => {
      const described = (await handle.describe()).raw;
      if (described.workflowExecutionInfo?.status !== temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) throw new Error('riskRun ended before a cursor was heartbeated: raise OPTIONS.paths');
      const pending = described.pendingActivities ?? [];
      const a = pending.find((p) => p.activityType?.name === 'computeRisk' && p.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
      const payload = a?.heartbeatDetails?.payloads?.[0]?.data;
      return payload ? (JSON.parse(Buffer.from(payload).toString()) as { lastDay: string | null }).lastDay : null;
    }, 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const [killedAt] = await ds.query(`SELECT clock_timestamp() AS t`);
    const [midway] = await ds.query(`SELECT count(*)::int AS n, max(as_of)::text AS last FROM var_calculation WHERE portfolio_id = 'crashp'`);
    expect(midway.n).toBeGreaterThanOrEqual(RISK_CHUNK * perDate); // at least one chunk committed …
    expect(midway.n).toBeLessThan(total); // … but not all of them
    expect(midway.last >= cursor).toBe(true);

    const second = startWorker();
    const summary = await handle.result();
    second.child.kill('SIGTERM');

    // Every row exactly once, and totals that include the chunks committed by the dead attempt.
    const [counts] = await ds.query(`SELECT count(*)::int AS n, count(DISTINCT (as_of, method, confidence_level, horizon_days))::int AS d,
      count(DISTINCT as_of)::int AS dates FROM var_calculation WHERE portfolio_id = 'crashp'`);
    expect(counts).toEqual({ n: total, d: total, dates: sessions.length });
    expect(summary.risk).toMatchObject({ dates: sessions.length, rows: total, insufficient: 0, lastDay: TO });

    // One lineage row, written by a retry that resumed after the cursor the server held (the one seen or a later one).
    const lineage = await ds.query(`SELECT attempt, details FROM data_lineage WHERE activity_type = 'computeRisk' AND pipeline_run_id = $1`, [summary.pipelineRunId]);
    expect(lineage).toHaveLength(1);
    expect(lineage[0].attempt).toBeGreaterThanOrEqual(2);
    const resumedAfter: string = lineage[0].details.resumedAfter;
    expect(resumedAfter >= cursor).toBe(true);
    expect(resumedAfter < TO).toBe(true);
    // Rows up to the cursor were written by the dead worker and kept; every later row was written by the retry.
    const written = await ds.query(`SELECT as_of::text AS day, bool_and(computed_at < $1) AS before_kill, bool_and(computed_at > $1) AS after_kill
      FROM var_calculation WHERE portfolio_id = 'crashp' GROUP BY as_of ORDER BY as_of`, [killedAt.t]);
    expect(written.filter((w: { day: string }) => w.day <= resumedAfter).every((w: { before_kill: boolean }) => w.before_kill)).toBe(true);
    expect(written.filter((w: { day: string }) => w.day > resumedAfter).every((w: { after_kill: boolean }) => w.after_kill)).toBe(true);
    expect(written.filter((w: { day: string }) => w.day <= resumedAfter).length).toBeGreaterThanOrEqual(RISK_CHUNK);

    // The numbers equal the engine's uninterrupted computation: dates on both sides of the cursor.
    const i = sessions.indexOf(resumedAfter);
    const sample = [sessions[0], sessions[i], sessions[i + 1], sessions[sessions.length - 1]];
    const values = async () => (await repo.varRows('crashp', { from: FROM, to: TO })).filter((r) => sample.includes(r.asOf))
      .map((r) => [r.asOf, r.method, r.level, r.horizon, r.status, r.var, r.es]);
    const resumed = await values();
    expect(resumed).toHaveLength(sample.length * perDate);
    const options = riskOptionsSchema.parse(OPTIONS);
    for (const day of sample) {
      await computeRisk(ds, repo, { pipelineRunId: null as unknown as string, portfolioId: 'crashp', from: day, to: day, methods: METHODS, levels: LEVELS, horizons: HORIZONS, options });
    }
    expect(await values()).toEqual(resumed);
  });
});
