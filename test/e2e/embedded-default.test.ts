// The main job's path with nothing configured: embedded PostgreSQL from the npm package and the Temporal dev server
// from the cached CLI binary, started by `tickflow run` itself. Keeps that path from rotting while CI uses the
// machine's services everywhere else.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrations } from '../../migrations';
import { freePort, isPortOpen } from '../../src/services/net';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { temporalCliPath, testRedisUrl } from '../helpers/services';

jest.setTimeout(300_000);

describe('the embedded default (tickflow run with no services configured)', () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-embedded-'));
  let env: NodeJS.ProcessEnv;
  let temporalPort: number;
  let pgPort: number;

  beforeAll(async () => {
    [temporalPort, pgPort] = [await freePort(), await freePort()];
    env = childEnv({
      TICKFLOW_STATE_DIR: stateDir, TICKFLOW_PG_PORT: String(pgPort), TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(await freePort()), TEMPORAL_CLI_PATH: temporalCliPath(), REDIS_URL: testRedisUrl(),
    });
  });
  afterAll(async () => {
    await spawnTickflow(['services', 'stop'], env).exited;
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('runs the pipeline, then answers runs/db commands from the same embedded database', async () => {
    const run = spawnTickflow(['run', '--symbols', 'AAPL', '--from', '2017-01-03', '--to', '2017-06-30', '--json'], env);
    const code = await run.exited;
    expect({ code, output: code === 0 ? '' : run.output() }).toEqual({ code: 0, output: '' });
    const summary = JSON.parse(run.output().slice(run.output().indexOf('{')));
    expect(summary).toMatchObject({ status: 'completed', quality: { blockingFailures: [] } });
    expect(summary.import.stored).toBeGreaterThan(200);
    expect(summary.export.rows).toBeGreaterThan(80);
    expect(summary.link).toMatch(new RegExp(`^http://localhost:\\d+/namespaces/default/workflows/${summary.workflowId}/${summary.runId}/history$`));
    expect(fs.readFileSync(summary.export.path, 'utf8').split('\n')[0]).toMatch(/^symbol,ts,split,sma_10,/);

    // The embedded PostgreSQL stops with the command; the dev server stays up for the Web UI, with a persistent db file.
    expect(await isPortOpen(pgPort)).toBe(false);
    expect(await isPortOpen(temporalPort)).toBe(true);
    expect(fs.existsSync(path.join(stateDir, 'temporal.db'))).toBe(true);
    expect(fs.existsSync(path.join(stateDir, 'pg', 'data', 'PG_VERSION'))).toBe(true);

    const list = spawnTickflow(['runs', 'list', '--json'], env);
    expect(await list.exited).toBe(0);
    const runs = JSON.parse(list.output().slice(list.output().indexOf('[')));
    expect(runs).toEqual([expect.objectContaining({ id: summary.pipelineRunId, status: 'completed', workflowId: summary.workflowId })]);

    const show = spawnTickflow(['runs', 'show', summary.pipelineRunId], env);
    expect(await show.exited).toBe(0);
    expect(show.output()).toContain(`PipelineRun ${summary.pipelineRunId}`);
    expect(show.output()).toMatch(/importPrices \(attempt 1\)/);

    const status = spawnTickflow(['db', 'status', '--json'], env);
    expect(await status.exited).toBe(0);
    expect(JSON.parse(status.output().slice(status.output().indexOf('[')))).toEqual(migrations.map((m) => ({ name: m.name, applied: true })));
  });

  it('refuses bad flags and bad settings with exit code 2 and a message naming them', async () => {
    const badFlag = spawnTickflow(['run', '--symbols', 'aapl'], env);
    expect(await badFlag.exited).toBe(2);
    expect(badFlag.output()).toContain('tickflow run: symbols[0]: symbols are upper-case tickers');
    const unknown = spawnTickflow(['run', '--frm', '2017-01-01'], env);
    expect(await unknown.exited).toBe(2);
    expect(unknown.output()).toContain("Unknown option '--frm'");
    const badEnv = spawnTickflow(['runs', 'list'], { ...env, TICKFLOW_PG_PORT: 'x' });
    expect(await badEnv.exited).toBe(2);
    expect(badEnv.output()).toContain('TICKFLOW_PG_PORT="x"');
  });
});
