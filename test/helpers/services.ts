// Real services for tests: the run's PostgreSQL database, Redis, and a Temporal dev server per test file.
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import Redis from 'ioredis';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities';
import type { ActivityDeps } from '../../activities/deps';
import { importPrices, importRepositories, type ImportRepositories, type ImportSummary } from '../../src/import/import-prices';
import type { Bar } from '../../src/providers/bar';
import type { PriceProvider } from '../../src/providers/provider';
import { loadConfig, type Config } from '../../src/config';
import { formatDatasetRef, parseDatasetRef } from '../../src/contracts/dataset-ref';
import { openDataSource } from '../../src/db/data-source';
import { FeatureCache } from '../../src/features/feature-cache';
import { activityDeps, installWorkerLogging, workflowBundle } from '../../src/worker';
import { searchAttributeKeys } from '../../workflows/search-attributes';

export const projectRoot = path.resolve(__dirname, '..', '..', '..');
export const bundledDataDir = path.join(projectRoot, 'data', 'prices');
export const fixturesDir = path.join(projectRoot, 'test', 'fixtures');

function required(name: string): string {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is not set: run the suite through jest's global setup (npm test)`);
  return v;
}

/** Which jest worker runs this file (1 with --runInBand): it owns one database and one Redis db index. */
const jestWorker = () => Number(process.env.JEST_WORKER_ID ?? '1');

/** This worker's copy of the run's migrated database (global setup made one per worker). */
export const testDbName = () => `${required('TICKFLOW_TEST_DB_NAME')}_w${jestWorker()}`;
export const testDatabaseUrl = () => {
  const url = new URL(required('TICKFLOW_TEST_DATABASE_URL'));
  url.pathname = `/${testDbName()}`;
  return url.toString();
};
export const testAdminUrl = () => required('TICKFLOW_TEST_ADMIN_URL');
export const temporalCliPath = () => required('TICKFLOW_TEST_TEMPORAL_CLI');
/** Redis db index = jest worker, so feature caches of parallel test files never meet. */
export const testRedisUrl = () => {
  const base = process.env.TICKFLOW_TEST_REDIS_URL;
  if (!base) return undefined;
  const url = new URL(base);
  url.pathname = `/${jestWorker()}`;
  return url.toString();
};

export function openTestDataSource(poolMax = 5): Promise<DataSource> {
  return openDataSource({ url: testDatabaseUrl(), poolMax, applicationName: 'tickflow-test' });
}

/** Reference data that migrations seed; tests must not wipe it. */
const REFERENCE_TABLES = ['tickflow_migrations', 'exchange_calendar', 'database_identity'];

/** Empties every data table (TRUNCATE does not fire the trade table's append-only trigger). */
export async function resetData(ds: DataSource): Promise<void> {
  const tables: { tablename: string }[] = await ds.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND NOT (tablename = ANY($1))`,
    [REFERENCE_TABLES],
  );
  await ds.query(`TRUNCATE ${tables.map((t) => `"${t.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
}

export function connectTestRedis(): Redis | null {
  const url = testRedisUrl();
  return url ? new Redis(url, { maxRetriesPerRequest: 1 }) : null;
}

/** A real Temporal dev server from the cached CLI binary, with our search attributes registered. */
export async function startTemporal(): Promise<TestWorkflowEnvironment> {
  installWorkerLogging('WARN');
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: temporalCliPath() }, ip: '127.0.0.1', searchAttributes: searchAttributeKeys },
  });
}

export interface TestWorkerDeps {
  dataSource: DataSource;
  redis?: Redis | null;
  exportDir: string;
  dataDir?: string;
  /** Provider settings, e.g. base URLs pointing at a replay server. */
  config?: Config;
  /** Activities the worker runs at once (production: 4). @default the SDK's */
  maxConcurrentActivities?: number;
  /** Folders workflow inputs may read (see testActivityDeps). */
  sourceRoots?: string[];
  /** E.g. the payload codec (src/security/payload-codec.ts). @default the SDK's */
  dataConverter?: DataConverter;
}

export async function createTestWorker(env: TestWorkflowEnvironment, taskQueue: string, deps: TestWorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(deps.dataConverter?.failureConverterPath),
    ...(deps.maxConcurrentActivities ? { maxConcurrentActivityTaskExecutions: deps.maxConcurrentActivities } : {}),
    ...(deps.dataConverter ? { dataConverter: deps.dataConverter } : {}),
    activities: createActivities(testActivityDeps(deps.dataSource, deps)),
  });
}

export interface TestActivityOptions {
  exportDir?: string;
  /** @default the bundled price files */
  dataDir?: string;
  redis?: Redis | null;
  featureCache?: FeatureCache;
  /** @default loadConfig() of the test process */
  config?: Config;
  /** Folders workflow inputs may read. @default the config's plus the OS temp folder (tests write their inputs there) */
  sourceRoots?: string[];
}

/** Activity dependencies for a test, built by the worker's own activityDeps: the test's folders, its Redis if any. */
export function testActivityDeps(dataSource: DataSource, o: TestActivityOptions = {}): ActivityDeps {
  const config = o.config ?? loadConfig();
  return activityDeps({
    dataSource,
    featureCache: o.featureCache ?? new FeatureCache(o.redis ?? null, 3600, () => {}),
    config: {
      ...config, dataDir: o.dataDir ?? bundledDataDir, exportDir: o.exportDir ?? config.exportDir, sourceRoots: o.sourceRoots ?? [...config.sourceRoots, os.tmpdir()],
    },
  });
}

/** Rows of a Yahoo CSV (after the header) whose date falls in [from, to]. */
export function csvRowsInRange(content: string, from: string, to: string): string[][] {
  return content
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.split(','))
    .filter((c) => c[0] >= from && c[0] <= to);
}

/** A Temporal dev server, the run's database (emptied), optionally Redis, and a worker on a fresh task queue. */
export interface WorkerHarness {
  readonly taskQueue: string;
  readonly exportDir: string;
  env: TestWorkflowEnvironment;
  ds: DataSource;
  redis: Redis | null;
}

export interface WorkerHarnessOptions {
  /** Give the worker the test Redis (its feature cache). @default false */
  redis?: boolean;
  poolMax?: number;
  /** Activities the worker runs at once. @default the SDK's */
  maxConcurrentActivities?: number;
  /** Starts the Temporal server. @default startTemporal() */
  startEnv?: () => Promise<TestWorkflowEnvironment>;
  /** Folders workflow inputs may read. @default see testActivityDeps */
  sourceRoots?: string[];
  /** The worker's data converter (e.g. the payload codec). */
  dataConverter?: DataConverter;
  /** Runs once the services are up and the data reset, before the worker starts: seed data, start stub servers. */
  prepare?: (h: WorkerHarness) => Promise<Config | void>;
}

/** Registers the beforeAll/afterAll that start and stop a WorkerHarness; its fields are set once beforeAll ran. */
export function useTestWorker(name: string, opts: WorkerHarnessOptions = {}): WorkerHarness {
  const h = {
    taskQueue: `${name}-${Date.now()}`,
    exportDir: fs.mkdtempSync(path.join(os.tmpdir(), `tickflow-${name}-`)),
    redis: null,
  } as unknown as WorkerHarness;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    [h.env, h.ds] = await Promise.all([(opts.startEnv ?? startTemporal)(), openTestDataSource(opts.poolMax)]);
    if (opts.redis) h.redis = connectTestRedis();
    await resetData(h.ds);
    const config = (await opts.prepare?.(h)) ?? undefined;
    worker = await createTestWorker(h.env, h.taskQueue, {
      dataSource: h.ds, redis: h.redis, exportDir: h.exportDir, config, maxConcurrentActivities: opts.maxConcurrentActivities, sourceRoots: opts.sourceRoots,
      dataConverter: opts.dataConverter,
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await h.env?.teardown();
    await h.ds?.destroy();
    h.redis?.disconnect();
    fs.rmSync(h.exportDir, { recursive: true, force: true });
  });
  return h;
}

/** A bundled daily price file's bars (data/prices/<symbol>.csv) dated within [from, to]. */
export function bundledBars(symbol: string, from: string, to: string): Bar[] {
  return fs.readFileSync(path.join(bundledDataDir, `${symbol}.csv`), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','))
    .filter(([d]) => d >= from && d <= to)
    .map(([d, o, h, l, c, a, v]) => ({ symbol, interval: '1d', ts: new Date(`${d}T00:00:00Z`), open: +o, high: +h, low: +l, close: +c, adjClose: +a, volume: +v }));
}

/** Stores bars with one plain INSERT (no context, no quarantine): test data that skips the importer. */
export async function insertRawBars(ds: DataSource, rows: Bar[]): Promise<void> {
  await ds.query(
    `INSERT INTO price_data (symbol, interval, ts, open, high, low, close, adj_close, volume, source)
     SELECT s, '1d', t, o, h, l, c, a, v, 'test' FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[])
       AS x(s, t, o, h, l, c, a, v)`,
    [rows.map((b) => b.symbol), rows.map((b) => b.ts), rows.map((b) => b.open), rows.map((b) => b.high), rows.map((b) => b.low),
      rows.map((b) => b.close), rows.map((b) => b.adjClose), rows.map((b) => b.volume)],
  );
}

export interface ImportHarness {
  ds: DataSource;
  repo: ImportRepositories;
  /** A scratch folder for the files a test imports; removed after the suite. */
  dir: string;
  /** importPrices over [from, to] in one transaction, with `now` fixed. */
  run(provider: PriceProvider, symbols: string[], from: string, to: string, interval?: string): Promise<ImportSummary>;
}

/** Registers the hooks of an import suite: a connection, data reset before each test, the scratch folder removed after. */
export function useImportHarness(name: string, now: Date): ImportHarness {
  const h = { dir: fs.mkdtempSync(path.join(os.tmpdir(), `tickflow-${name}-`)) } as ImportHarness;
  h.run = (provider, symbols, from, to, interval = '1d') =>
    h.ds.transaction((em) => importPrices(em, h.repo, provider, { symbols, interval, range: { from, to }, pipelineRunId: null, now }));
  beforeAll(async () => {
    h.ds = await openTestDataSource();
    h.repo = importRepositories(h.ds);
  });
  beforeEach(() => resetData(h.ds));
  afterAll(async () => {
    await h.ds.destroy();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });
  return h;
}

/** Every dataset reference in every lineage row of the database, each parsed and formatted back to the same text. */
export async function lineageReferences(ds: DataSource): Promise<{ rows: number; references: string[]; unreadable: string[] }> {
  const rows: { input_datasets: string[]; output_dataset: string }[] = await ds.query(`SELECT input_datasets, output_dataset FROM data_lineage ORDER BY id`);
  const references = rows.flatMap((r) => [...r.input_datasets, r.output_dataset]);
  const unreadable = references.filter((text) => {
    try {
      return formatDatasetRef(parseDatasetRef(text)) !== text;
    } catch (err) {
      return true;
    }
  });
  return { rows: rows.length, references, unreadable };
}
