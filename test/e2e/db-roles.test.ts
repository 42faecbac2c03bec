// Least-privilege roles: `tickflow db migrate` (as the migration role, here the suite's superuser) creates the runtime
// role; marketDataPipeline then runs on a real Temporal test worker connected as that role, custom rules under the
// rules role, and every kind of DDL is refused to it. Roles are cluster-wide and shared by concurrent test runs.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { openDataSource } from '../../src/db/data-source';
import { addCustomRule } from '../../src/quality/custom-rules';
import { QualityRepository } from '../../src/repositories/quality-repository';
import { scramVerifier } from '../../src/repositories/role-repository';
import { marketDataPipeline } from '../../workflows';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { createTestWorker, openTestDataSource, resetData, startTemporal, testDatabaseUrl } from '../helpers/services';

jest.setTimeout(180_000);

const runtimeRole = 'tickflow_test_runtime';
const secret = `pw-${randomUUID()}`;

function urlAs(user: string): string {
  const u = new URL(testDatabaseUrl());
  u.username = user;
  u.password = '';
  return u.toString();
}

describe('least-privilege database roles', () => {
  const taskQueue = `db-roles-${Date.now()}`;
  const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-db-roles-'));
  let env: TestWorkflowEnvironment;
  let admin: DataSource;
  let runtime: DataSource;
  let worker: Worker;
  let running: Promise<void>;
  let migrate: { code: number | null; output: string };

  beforeAll(async () => {
    const child = spawnTickflow(['db', 'migrate', '--runtime-role', runtimeRole, '--json'],
      childEnv({ DATABASE_URL: testDatabaseUrl(), TICKFLOW_RUNTIME_ROLE_PASSWORD: secret }));
    [migrate, env, admin] = await Promise.all([child.closed.then((code) => ({ code, output: child.output() })), startTemporal(), openTestDataSource()]);
    await resetData(admin);
    runtime = await openDataSource({ url: urlAs(runtimeRole), poolMax: 5, applicationName: 'tickflow-runtime-test' });
    worker = await createTestWorker(env, taskQueue, { dataSource: runtime, exportDir });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await runtime?.destroy();
    await admin?.destroy();
    fs.rmSync(exportDir, { recursive: true, force: true });
  });

  it('`db migrate --runtime-role` creates the role with a SCRAM verifier of the password from the environment, and never prints it', async () => {
    expect(migrate.code).toBe(0);
    expect(JSON.parse(migrate.output.trim().split('\n').at(-1)!)).toMatchObject({ roles: { rules: 'tickflow_rules', runtime: runtimeRole }, notices: [] });
    expect(migrate.output).not.toContain(secret);
    const [role] = await admin.query(`SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolpassword FROM pg_authid WHERE rolname = $1`, [runtimeRole]);
    expect(role).toMatchObject({ rolcanlogin: true, rolsuper: false, rolcreaterole: false, rolcreatedb: false });
    // PostgreSQL kept our verifier as it is (a plain-text password would have been hashed with a salt of its own).
    const salt = Buffer.from(role.rolpassword.split('$')[1].split(':')[1], 'base64');
    expect(role.rolpassword).toBe(scramVerifier(secret, salt));
    const [owned] = await admin.query(`SELECT count(*)::int AS n FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = $1)`, [runtimeRole]);
    expect(owned.n).toBe(0);
  });

  it('runs marketDataPipeline as the runtime role, custom rules under the rules role', async () => {
    await addCustomRule(new QualityRepository(runtime), {
      name: 'custom.runtime_zero_volume', description: 'no zero-volume bars', targetTable: 'price_data', severity: 'error', blocking: true, maxFailingRows: 0,
      sql: `SELECT symbol, ts FROM price_data WHERE symbol = ANY($1) AND interval = $2 AND ts BETWEEN $3 AND $4 AND volume = 0`,
    });
    const input = { symbols: ['AAPL'], from: '2016-01-04', to: '2016-06-30' };
    const summary = await env.client.workflow.execute(marketDataPipeline, { taskQueue, workflowId: `db-roles-${Date.now()}`, args: [input] });
    expect(summary.quality).toMatchObject({ rulesEvaluated: 19, blockingFailures: [] });
    expect(summary.export!.rows).toBeGreaterThan(100);
    const [run] = await runtime.query(`SELECT status, current_user AS who FROM pipeline_run WHERE id = $1`, [summary.pipelineRunId]);
    expect(run).toEqual({ status: 'completed', who: runtimeRole });
    const [custom] = await runtime.query(`SELECT passed, rows_checked::int, sample FROM validation_result WHERE rule = 'custom.runtime_zero_volume'`);
    expect(custom).toEqual({ passed: true, rows_checked: 0, sample: [] });
  });

  it('refuses the runtime role every kind of DDL, the migrations table and other roles; temp tables still work', async () => {
    const refused: [string, RegExp][] = [
      ['CREATE TABLE tickflow_evil (a int)', /permission denied for schema public/],
      ['CREATE FUNCTION tickflow_evil() RETURNS int LANGUAGE sql AS $$SELECT 1$$', /permission denied for schema public/],
      ['CREATE SCHEMA tickflow_evil', /permission denied for database/],
      ['ALTER TABLE price_data ADD COLUMN evil int', /must be owner of table price_data/],
      ['CREATE INDEX tickflow_evil ON price_data (volume)', /must be owner of table price_data/],
      ['DROP TABLE pipeline_run', /must be owner of table pipeline_run/],
      ['TRUNCATE price_data', /permission denied for table price_data/],
      [`DELETE FROM tickflow_migrations`, /permission denied for table tickflow_migrations/],
      ['SET ROLE postgres', /permission denied to set role "postgres"/],
    ];
    for (const [sql, message] of refused) await expect(runtime.query(sql)).rejects.toThrow(message);
    await runtime.transaction(async (em) => {
      await em.query('CREATE TEMP TABLE staging_probe (a int) ON COMMIT DROP');
      await em.query('INSERT INTO staging_probe VALUES (1)');
    });
  });

  it('the CLI works as the runtime role, with migrations going through TICKFLOW_MIGRATION_DATABASE_URL', async () => {
    const child = spawnTickflow(['quality', 'rules', 'list', '--json'],
      childEnv({ DATABASE_URL: urlAs(runtimeRole), TICKFLOW_MIGRATION_DATABASE_URL: testDatabaseUrl() }));
    expect(await child.closed).toBe(0);
    expect(JSON.parse(child.stdout()).custom.map((r: { name: string }) => r.name)).toEqual(['custom.runtime_zero_volume']);
    expect(child.stderr()).not.toContain('custom quality rules will not run');
  });
});
