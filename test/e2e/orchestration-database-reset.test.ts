// The database, not the Temporal namespace, is the record of what a backfill already did: the same backfill re-run
// on a dropped-and-recreated database, on a database that lost its rows, or against a second database behind the
// same namespace runs its batches again and terminates, instead of waiting for children only Temporal remembers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { openDataSource } from '../../src/db/data-source';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { backfill } from '../../workflows';
import type { BackfillSummary } from '../../workflows/backfill';
import { createTestWorker, lineageReferences, resetData, startTemporal, testAdminUrl, testDbName } from '../helpers/services';

jest.setTimeout(300_000);

/** A backfill that has not ended by then is waiting on something that will never happen. */
const TERMINATES_WITHIN_MS = 90_000;

const input = { symbols: ['RA', 'RB', 'RC', 'RD'], from: '2019-01-02', to: '2019-03-29', source: 'synthetic', seed: 5, lookbackDays: 0, batchSize: 2, concurrency: 2 };
const bars = 4 * SyntheticProvider.tradingDays({ from: input.from, to: input.to }).length;

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: testAdminUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** One database with its own worker (task queue) on the shared Temporal server. */
class Target {
  ds!: DataSource;
  private worker?: Worker;
  private running?: Promise<void>;
  readonly taskQueue: string;
  private readonly exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-db-reset-'));

  constructor(private readonly env: () => TestWorkflowEnvironment, readonly dbName: string) {
    this.taskQueue = `${dbName}-${Date.now()}`;
  }

  /** Creates and migrates the database (dropping one of that name), then starts a worker on it. */
  async create(): Promise<void> {
    await admin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS "${this.dbName}" WITH (FORCE)`);
      await c.query(`CREATE DATABASE "${this.dbName}"`);
    });
    const url = new URL(testAdminUrl());
    url.pathname = `/${this.dbName}`;
    this.ds = await openDataSource({ url: url.toString(), poolMax: 6 });
    await this.ds.runMigrations({ transaction: 'each' });
    this.worker = await createTestWorker(this.env(), this.taskQueue, { dataSource: this.ds, exportDir: this.exportDir });
    this.running = this.worker.run();
  }

  async stop(): Promise<void> {
    this.worker?.shutdown();
    await this.running;
    this.worker = undefined;
    await this.ds?.destroy();
  }

  async drop(): Promise<void> {
    await this.stop();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${this.dbName}" WITH (FORCE)`));
    fs.rmSync(this.exportDir, { recursive: true, force: true });
  }

  /** Runs the backfill under `workflowId`; fails (and terminates it) when it has not ended in TERMINATES_WITHIN_MS. */
  async backfill(workflowId: string): Promise<BackfillSummary> {
    const handle = await this.env().client.workflow.start(backfill, { taskQueue: this.taskQueue, workflowId, args: [input] });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`backfill ${workflowId} did not terminate within ${TERMINATES_WITHIN_MS / 1000} s`)), TERMINATES_WITHIN_MS);
    });
    try {
      return await Promise.race([handle.result(), timedOut]);
    } catch (err) {
      await handle.terminate('test time bound').catch(() => {});
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async priceRows(): Promise<{ n: number; d: number }> {
    const [r] = await this.ds.query(`SELECT count(*)::int AS n, count(DISTINCT (symbol, ts))::int AS d FROM price_data`);
    return r;
  }

  async completedChildren(): Promise<string[]> {
    const rows = await this.ds.query(`SELECT workflow_id FROM pipeline_run WHERE workflow_type = 'marketDataPipeline' AND status = 'completed' ORDER BY 1`);
    return rows.map((r: { workflow_id: string }) => r.workflow_id);
  }
}

describe('backfill against a database the namespace outlived', () => {
  let env: TestWorkflowEnvironment;
  const targets: Target[] = [];
  const target = (suffix: string) => {
    const t = new Target(() => env, `${testDbName()}_${suffix}`);
    targets.push(t);
    return t;
  };

  beforeAll(async () => {
    env = await startTemporal();
  });
  afterAll(async () => {
    for (const t of targets) await t.drop();
    await env?.teardown();
  });

  const ranEveryBatch = { stage: 'completed', batchesDone: 2, batchesSkipped: 0, symbolsDone: 4, failedBatches: 0, rowsImported: bars };

  it('runs again on a dropped and recreated database, and still skips on the same one', async () => {
    const db = target('reset');
    await db.create();
    expect(await db.backfill('reset-bf')).toMatchObject(ranEveryBatch);
    const firstChildren = await db.completedChildren();

    await db.stop();
    await db.create(); // drop, create, migrate: same name, same namespace, nothing recorded
    expect(await db.priceRows()).toEqual({ n: 0, d: 0 });
    expect(await db.backfill('reset-bf')).toMatchObject(ranEveryBatch);
    expect(await db.priceRows()).toEqual({ n: bars, d: bars });
    const children = await db.completedChildren();
    expect(children).toHaveLength(2);
    expect(children).not.toEqual(firstChildren); // the new database's identity is part of the child ids

    // The same database still remembers: a third run skips both batches.
    expect(await db.backfill('reset-bf')).toMatchObject({ stage: 'completed', batchesDone: 2, batchesSkipped: 2, rowsImported: bars });
  });

  it('runs again on a database that lost its rows but kept its identity (restored from an old backup)', async () => {
    const db = targets[0];
    const children = await db.completedChildren();
    await resetData(db.ds); // every data table, pipeline_run included; not database_identity
    expect(await db.backfill('reset-bf')).toMatchObject(ranEveryBatch);
    expect(await db.completedChildren()).toEqual(children); // same ids: Temporal's completed runs were run again
    expect(await db.priceRows()).toEqual({ n: bars, d: bars });
  });

  it('keeps two databases behind one namespace apart: each backfill does its own work', async () => {
    const staging = target('staging');
    const production = target('production');
    await Promise.all([staging.create(), production.create()]);
    expect(await staging.backfill('staging-bf')).toMatchObject(ranEveryBatch);
    expect(await production.backfill('production-bf')).toMatchObject(ranEveryBatch);
    expect(await staging.priceRows()).toEqual({ n: bars, d: bars });
    expect(await production.priceRows()).toEqual({ n: bars, d: bars });
    for (const t of [staging, production]) expect((await lineageReferences(t.ds)).unreadable).toEqual([]);
    // At the same time, too: neither waits for the other's children.
    const [s, p] = await Promise.all([staging.backfill('staging-bf-2'), production.backfill('production-bf-2')]);
    expect(s).toMatchObject({ stage: 'completed', batchesSkipped: 2 });
    expect(p).toMatchObject({ stage: 'completed', batchesSkipped: 2 });
  });
});
