// Portfolios through Temporal: bookTrades books a file on a worker process and values ten years of 60 positions;
// the worker is killed (SIGKILL) after the valuation has committed windows and heartbeated its cursor. A new worker
// resumes after the cursor: every (portfolio, date, symbol) row exists exactly once and equals a fresh valuation.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { valuePortfolio } from '../../src/portfolio/valuation';
import { PortfolioRepository } from '../../src/repositories/portfolio-repository';
import { bookTrades } from '../../workflows';
import { spawnTestWorker, waitFor, type Spawned } from '../helpers/processes';
import { openTestDataSource, resetData, startTemporal } from '../helpers/services';

jest.setTimeout(300_000);

const SYMBOLS = 60;
const FROM = '2008-01-02';
const TO = '2017-12-29';

describe('portfolio valuation on a worker that dies', () => {
  let env: TestWorkflowEnvironment;
  let ds: DataSource;
  const workers: Spawned[] = [];
  const taskQueue = `portfolio-crash-${Date.now()}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-portfolio-e2e-'));

  beforeAll(async () => {
    [env, ds] = await Promise.all([startTemporal(), openTestDataSource()]);
    await resetData(ds);
    // Deterministic bars on every NYSE session: close = 50 + i + 20 sin(ordinal / 40 + i), a ±2% day range.
    await ds.query(`INSERT INTO price_data (symbol, interval, ts, open, high, low, close, adj_close, volume, source)
      SELECT 'P' || lpad(i::text, 3, '0'), '1d', c.day::timestamp AT TIME ZONE 'UTC', p.px, p.px * 1.02, p.px * 0.98, p.px, p.px, 1e6, 'test'
      FROM generate_series(0, $1 - 1) i CROSS JOIN exchange_calendar c CROSS JOIN LATERAL (SELECT round((50 + i + 20 * sin(c.ordinal / 40.0 + i))::numeric, 2)::float8 AS px) p
      WHERE c.exchange = 'XNYS' AND c.trading AND c.day BETWEEN $2 AND $3`, [SYMBOLS, FROM, TO]);
    await new PortfolioRepository(ds).create({ id: 'CRASH', name: 'crash test', currency: 'USD', lotMethod: 'fifo', allowShort: false, benchmarkSymbol: 'P000' });
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await env?.teardown();
    await ds?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const startWorker = () => {
    const w = spawnTestWorker(env.address, taskQueue);
    workers.push(w);
    return w;
  };

  it('resumes after the committed cursor with every row exactly once', async () => {
    const closes: { symbol: string; day: string; close: number }[] = await ds.query(
      `SELECT symbol, to_char(ts, 'YYYY-MM-DD') AS day, close FROM price_data WHERE ts IN ('${FROM}T00:00:00Z', '2012-06-01T00:00:00Z') ORDER BY symbol, ts`);
    const rows = ['trade_id,kind,date,symbol,quantity,price,fees,amount', `dep,deposit,${FROM},,,,,10000000`];
    for (const c of closes) rows.push(`${c.day === FROM ? 'b' : 's'}-${c.symbol},${c.day === FROM ? 'buy' : 'sell'},${c.day},${c.symbol},${c.day === FROM ? 100 : 40},${c.close},1,`);
    const file = path.join(dir, 'trades.csv');
    fs.writeFileSync(file, rows.join('\n') + '\n');

    const first = startWorker();
    await waitFor('the first worker to poll', async () => first.output().includes('worker polling'));
    const handle = await env.client.workflow.start(bookTrades, { taskQueue, workflowId: `portfolio-crash-${Date.now()}`, args: [{ portfolioId: 'CRASH', path: file }] });
    // Kill it once the valuation has committed windows and the server holds a cursor from its heartbeats.
    const cursor = await waitFor('a heartbeated valuation cursor', async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const a = pending.find((p) => p.activityType?.name === 'valuePortfolio' && p.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
      const payload = a?.heartbeatDetails?.payloads?.[0]?.data;
      const details = payload ? (JSON.parse(Buffer.from(payload).toString()) as { lastDay: string | null }) : null;
      return details?.lastDay ?? null;
    }, 180_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const [midway] = await ds.query(`SELECT count(*)::int AS n, max(as_of)::text AS last FROM portfolio_valuation`);
    const sessions: number = (await ds.query(`SELECT count(*)::int AS n FROM exchange_calendar WHERE exchange = 'XNYS' AND trading AND day BETWEEN $1 AND $2`, [FROM, TO]))[0].n;
    expect(midway.n).toBeGreaterThan(0);
    expect(midway.n).toBeLessThan(sessions); // killed in the middle, not after
    expect(midway.last >= cursor).toBe(true);

    const second = startWorker();
    const summary = await handle.result();
    second.child.kill('SIGTERM');
    expect(summary.booking.booked).toBe(1 + 2 * SYMBOLS);
    expect(summary.valuation!.sessions).toBe(sessions);

    const [pos] = await ds.query(`SELECT count(*)::int AS n, count(DISTINCT (as_of, symbol))::int AS d FROM portfolio_position WHERE portfolio_id = 'CRASH'`);
    expect(pos).toEqual({ n: sessions * (SYMBOLS + 1), d: sessions * (SYMBOLS + 1) }); // every symbol held all along, plus cash
    const [val] = await ds.query(`SELECT count(*)::int AS n FROM portfolio_valuation WHERE portfolio_id = 'CRASH'`);
    expect(val.n).toBe(sessions);

    const lineage = await ds.query(`SELECT attempt, details FROM data_lineage WHERE activity_type = 'valuePortfolio'`);
    expect(lineage).toHaveLength(1);
    expect(lineage[0].attempt).toBeGreaterThanOrEqual(2);
    // The retry resumed after the last cursor the server held: the one seen above, or a later one.
    expect(lineage[0].details.resumedAfter >= cursor).toBe(true);

    // The resumed result equals a valuation from scratch.
    const snapshot = await ds.query(`SELECT as_of, symbol, quantity::text, market_value::text, realised_pnl::text FROM portfolio_position ORDER BY as_of, symbol`);
    await valuePortfolio(ds, new PortfolioRepository(ds), { portfolioId: 'CRASH', from: FROM, to: TO, pipelineRunId: null });
    expect(await ds.query(`SELECT as_of, symbol, quantity::text, market_value::text, realised_pnl::text FROM portfolio_position ORDER BY as_of, symbol`)).toEqual(snapshot);
  });
});
