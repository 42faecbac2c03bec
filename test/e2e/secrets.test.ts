// Issue 18 item 3: no configured secret (provider API keys, the database and Redis passwords) appears in any stored
// row, export file, manifest, model artefact, worker log, printed setting or Temporal history — failed HTTP calls
// whose error bodies echo the key and the URL with ?apikey= included. A worker process runs with sentinel secrets
// against a replay server; then every table's text, every file, the logs and every history are searched for them.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { marketDataPipeline } from '../../workflows';
import { childEnv, spawnTickflow, waitFor, type Spawned } from '../helpers/processes';
import { ReplayServer } from '../helpers/replay-server';
import { openTestDataSource, resetData, startTemporal, testDatabaseUrl, testRedisUrl } from '../helpers/services';

jest.setTimeout(180_000);

// One random stem: every secret contains it, so one search finds any of them.
const STEM = `sentinel${randomBytes(6).toString('hex')}`;
const KEYS = { av: `${STEM}av`, polygon: `${STEM}pg`, tiingo: `${STEM}tg`, db: `${STEM}db`, redis: `${STEM}rd` };

const withPassword = (url: string, password: string) => {
  const u = new URL(url);
  u.password = password;
  return u.toString();
};

/** A history as text: payload bytes decoded (they are JSON), so a secret inside any payload shows. */
const historyText = async (h: WorkflowHandle) => JSON.stringify(await h.fetchHistory(), (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('secrets stay secret', () => {
  let env: TestWorkflowEnvironment;
  let ds: DataSource;
  let server: ReplayServer;
  let worker: Spawned | undefined;
  const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-secrets-'));
  const taskQueue = `secrets-${Date.now()}`;
  let workerEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    [env, ds, server] = await Promise.all([startTemporal(), openTestDataSource(), ReplayServer.start([
      { path: '/query', query: { function: 'INCOME_STATEMENT', symbol: 'IBM' }, file: 'alphavantage/INCOME_STATEMENT_IBM.json' },
      { path: '/query', query: { function: 'OVERVIEW', symbol: 'IBM' }, file: 'alphavantage/OVERVIEW_IBM.json' },
    ])]);
    // No recorded balance sheet for IBM: an empty (valid) one.
    server.fail({ path: '/query', query: { function: 'BALANCE_SHEET' } }, { malformed: JSON.stringify({ symbol: 'IBM', annualReports: [], quarterlyReports: [] }) });
    await resetData(ds);
    workerEnv = childEnv({
      // Trust authentication accepts any password: the sentinel travels in the URL the worker connects with.
      DATABASE_URL: withPassword(testDatabaseUrl(), KEYS.db),
      REDIS_URL: testRedisUrl() ? withPassword(testRedisUrl()!, KEYS.redis) : undefined,
      TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue, TICKFLOW_EXPORT_DIR: exportDir, TICKFLOW_WORKER_LOG_LEVEL: 'INFO',
      ALPHAVANTAGE_API_KEY: KEYS.av, POLYGON_API_KEY: KEYS.polygon, TIINGO_API_KEY: KEYS.tiingo,
      ALPHAVANTAGE_BASE_URL: server.baseUrl, POLYGON_BASE_URL: server.baseUrl, TIINGO_BASE_URL: server.baseUrl,
      ALPHAVANTAGE_RATE_LIMIT_PER_MIN: '6000', POLYGON_RATE_LIMIT_PER_MIN: '6000', TIINGO_RATE_LIMIT_PER_MIN: '6000',
    });
    worker = spawnTickflow(['worker'], workerEnv);
    await waitFor('the worker to poll', async () => worker!.output().includes('worker polling'), 90_000);
  });
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await server?.stop();
    await env?.teardown();
    await ds?.destroy();
    fs.rmSync(exportDir, { recursive: true, force: true });
  });

  const start = (input: object, id: string) => env.client.workflow.start(marketDataPipeline, { taskQueue, workflowId: `${id}-${Date.now()}`, args: [input] });

  it('appears in no row, file, log or history, after runs that used every key and HTTP errors that echoed them', async () => {
    // 1. A full run (import, fundamentals over ?apikey=, features, quality, export, model) with every stored artefact.
    const full = await start({
      symbols: ['IBM'], from: '2019-01-02', to: '2020-12-31', source: 'synthetic', seed: 3, fundamentalsSource: 'alphavantage', lookbackDays: 30,
      model: { enabled: true },
    }, 'secrets-full');
    // 2. Vendors that answer 401 with the key and the whole request URL in the body (non-retryable).
    server.fail({ path: '/query', query: { function: 'TIME_SERIES_DAILY' } }, {
      status: 401, body: JSON.stringify({ error: `invalid key ${KEYS.av}`, url: `${server.baseUrl}/query?function=TIME_SERIES_DAILY&apikey=${KEYS.av}` }),
    });
    server.fail({ path: '/v2/aggs/ticker/AAPL/range/1/day/2016-01-01/2016-01-31' }, { status: 403, body: `{"error":"key ${KEYS.polygon} expired","next_url":"/x?apiKey=${KEYS.polygon}"}` });
    const avDenied = await start({ symbols: ['IBM'], from: '2016-01-04', to: '2016-01-29', source: 'alphavantage', lookbackDays: 3, export: { enabled: false } }, 'secrets-av');
    const polygonDenied = await start({ symbols: ['AAPL'], from: '2016-01-04', to: '2016-01-31', source: 'polygon', lookbackDays: 3, export: { enabled: false } }, 'secrets-pg');
    // 3. A 500 (retried): its last failure is kept in Temporal's mutable state; then the run is terminated.
    server.fail({ path: '/tiingo/daily/GOOGL/prices' }, { status: 500, body: `{"detail":"token ${KEYS.tiingo}"}` });
    const tiingoDown = await start({ symbols: ['GOOGL'], from: '2018-04-02', to: '2018-04-12', source: 'tiingo', lookbackDays: 0, export: { enabled: false } }, 'secrets-tg');

    const summary = await full.result();
    expect(summary.model?.training.modelTrainingRunId).toBeDefined();
    for (const denied of [avDenied, polygonDenied]) expect(await denied.result().catch((e) => e)).toBeInstanceOf(WorkflowFailedError);
    const lastFailure = await waitFor('the tiingo import to fail once', async () => (await tiingoDown.describe()).raw.pendingActivities?.[0]?.lastFailure?.message);
    expect(lastFailure).toContain('HTTP 500');
    await tiingoDown.terminate('test done');

    // The keys were live: the vendors received them.
    expect(server.requests.some((r) => r.query.apikey === KEYS.av)).toBe(true);
    expect(server.requests.some((r) => r.headers.authorization === `Bearer ${KEYS.polygon}`)).toBe(true);
    expect(server.requests.some((r) => r.headers.authorization === `Token ${KEYS.tiingo}`)).toBe(true);

    // Every table, as text.
    const tables: { tablename: string }[] = await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    const leaks: string[] = [];
    for (const { tablename } of tables) {
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM "${tablename}" t WHERE t::text LIKE '%' || $1 || '%'`, [STEM]);
      if (n) leaks.push(`${tablename}: ${n} rows`);
    }
    expect(leaks).toEqual([]);
    const [stored] = await ds.query(`SELECT (SELECT count(*) FROM pipeline_run)::int AS runs, (SELECT count(*) FROM data_lineage)::int AS lineage,
      (SELECT count(*) FROM model_training_run)::int AS models, (SELECT count(*) FROM company_fundamental)::int AS fundamentals`);
    expect(stored.runs).toBe(4);
    expect(stored.lineage).toBeGreaterThan(5);
    expect(stored.models).toBe(1);
    expect(stored.fundamentals).toBeGreaterThan(10);
    const errors = (await ds.query(`SELECT error FROM pipeline_run WHERE status = 'failed' ORDER BY workflow_id`)).map((r: { error: string }) => r.error);
    expect(errors.join('\n')).toContain('***'); // the echoed keys were there, masked

    // Every export, manifest and model artefact.
    const files = filesUnder(exportDir);
    expect(files.filter((f) => f.endsWith('.manifest.json'))).toHaveLength(1);
    expect(files.filter((f) => f.includes(`${path.sep}models${path.sep}`))).toHaveLength(1);
    expect(files.filter((f) => fs.readFileSync(f, 'utf8').includes(STEM))).toEqual([]);

    // Every history, payloads decoded; the failed ones hold the masked messages.
    const histories = await Promise.all([full, avDenied, polygonDenied, tiingoDown].map(historyText));
    expect(histories.filter((h) => h.includes(STEM))).toEqual([]);
    expect(histories[1]).toContain('invalid key ***');
    expect(histories[1]).toContain('apikey=***');
    expect(histories[2]).toContain('apiKey=***');

    // The worker's log, and the settings the CLI prints.
    expect(worker!.output()).not.toContain(STEM);
    const status = spawnTickflow(['services', 'status'], workerEnv);
    expect(await status.closed).toBe(0);
    expect(status.output()).not.toContain(STEM);
    if (testRedisUrl()) expect(status.output()).toContain(':***@');
  });
});
