// Runs once before the suite: a fresh, migrated database on the real PostgreSQL (embedded only when none answers),
// the real Redis (required under CI), and a warm Temporal CLI binary for TestWorkflowEnvironment.createLocal.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../../src/config';
import { openDataSource } from '../../src/db/data-source';
import { migrateDatabase } from '../../src/db/migrate';
import { startEmbeddedPostgres } from '../../src/services/embedded-postgres';
import { freePort } from '../../src/services/net';
import { connectRedis } from '../../src/services/redis';
import { ensureTemporalCli, warmTemporalCli } from '../../src/services/temporal-cli';

const STATE_FILE = path.join(os.tmpdir(), `tickflow-test-state-${process.pid}.json`);

async function answers(url: string): Promise<boolean> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** Jest's worker count for this run (1 with --runInBand). */
function workerCount(globalConfig: { maxWorkers?: number } | undefined): number {
  return Math.max(1, globalConfig?.maxWorkers ?? 1);
}

export default async function globalSetup(globalConfig?: { maxWorkers?: number }): Promise<void> {
  const ci = process.env.CI === 'true';
  const config = loadConfig();
  let adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  let embeddedDir: string | undefined;
  if (!(await answers(adminUrl))) {
    if (process.env.TEST_DATABASE_URL) throw new Error(`TEST_DATABASE_URL=${adminUrl} does not answer`);
    embeddedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-test-pg-'));
    const pg = await startEmbeddedPostgres(embeddedDir, await freePort());
    adminUrl = pg.url.replace(/\/tickflow$/, '/postgres');
    (globalThis as Record<string, unknown>).__tickflowEmbeddedPg = pg;
    process.stderr.write(`\n[tests] no PostgreSQL at 127.0.0.1:5432: using an embedded one (${adminUrl})\n`);
  }
  const dbName = `tickflow_test_${Date.now()}_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.end();
  const testUrl = new URL(adminUrl);
  testUrl.pathname = `/${dbName}`;
  const ds = await openDataSource({ url: testUrl.toString() });
  // As `tickflow db migrate` does: the rules role (cluster-wide, shared by concurrent runs) gets this database's grants.
  await migrateDatabase(ds, { rulesRole: config.customRules.role }, { strict: true });
  await ds.destroy();
  // Each jest worker gets its own copy of the migrated database, so test files running side by side never see
  // each other's rows; teardown drops every database with the run's prefix.
  const copier = new Client({ connectionString: adminUrl });
  await copier.connect();
  for (let w = 1; w <= workerCount(globalConfig); w++) await copier.query(`CREATE DATABASE "${dbName}_w${w}" TEMPLATE "${dbName}"`);
  await copier.end();

  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = await connectRedis(redisUrl, { required: false }).catch((e: Error) => ({ client: null, reason: e.message }));
  if (redis.client) redis.client.disconnect();
  else if (ci) throw new Error(`Redis is required under CI: ${redis.reason}`);
  else process.stderr.write(`\n[tests] ${redis.reason}: Redis tests will be skipped (they fail under CI=true)\n`);

  const cli = ensureTemporalCli({ cliPath: config.temporal.cliPath, toolsDir: config.temporal.toolsDir }, (m) => process.stderr.write(`[tests] ${m}\n`));
  warmTemporalCli(cli);

  process.env.TICKFLOW_TEST_ADMIN_URL = adminUrl;
  process.env.TICKFLOW_TEST_DATABASE_URL = testUrl.toString();
  process.env.TICKFLOW_TEST_DB_NAME = dbName;
  process.env.TICKFLOW_TEST_REDIS_URL = redis.client ? redisUrl : '';
  process.env.TICKFLOW_TEST_TEMPORAL_CLI = cli;
  fs.writeFileSync(STATE_FILE, JSON.stringify({ adminUrl, dbName, embeddedDir }));
  process.env.TICKFLOW_TEST_STATE_FILE = STATE_FILE;
}
