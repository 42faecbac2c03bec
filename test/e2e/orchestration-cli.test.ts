// `tickflow backfill` and `tickflow reprocess` exactly as a user runs them: a worker inside the CLI process,
// progress on stderr, the summary as JSON; `backfill progress` queries a finished run.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { openTestDataSource, resetData, startTemporal, testDatabaseUrl } from '../helpers/services';

jest.setTimeout(180_000);

describe('tickflow backfill / reprocess', () => {
  let env: TestWorkflowEnvironment;
  let ds: DataSource;
  const taskQueue = `cli-orch-${Date.now()}`;

  beforeAll(async () => {
    [env, ds] = await Promise.all([startTemporal(), openTestDataSource()]);
    await resetData(ds);
  });
  afterAll(async () => {
    await env?.teardown();
    await ds?.destroy();
  });

  const cli = async (...args: string[]) => {
    const p = spawnTickflow(args, childEnv({ DATABASE_URL: testDatabaseUrl(), TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_URL: undefined }));
    const code = await p.exited;
    const output = p.output();
    return { code, output, json: () => JSON.parse(output.slice(output.indexOf('{'))) };
  };

  it('backfills a universe, reports progress, then reprocesses a new version over it', async () => {
    const bf = await cli('backfill', 'start', '--universe', 'synthetic:6', '--from', '2018-01-02', '--to', '2018-12-31', '--source', 'synthetic',
      '--batch-size', '2', '--concurrency', '2', '--input', '{"lookbackDays":0}', '--workflow-id', 'cli-bf', '--json');
    expect(bf.code).toBe(0);
    const days = SyntheticProvider.tradingDays({ from: '2018-01-02', to: '2018-12-31' }).length;
    expect(bf.json()).toMatchObject({ workflowId: 'cli-bf', status: 'completed', result: { stage: 'completed', symbolsDone: 6, batchesDone: 3, rowsImported: 6 * days } });

    const progress = await cli('backfill', 'progress', 'cli-bf', '--json');
    expect(progress.code).toBe(0);
    expect(progress.json()).toMatchObject({ stage: 'completed', symbolsDone: 6, symbolsTotal: 6, etaSeconds: 0 });

    const rp = await cli('reprocess', '--set', 'cli', '--input', '{"definitions":[{"name":"sma_3","indicator":"sma","params":{"period":3}}]}', '--workflow-id', 'cli-rp', '--json');
    expect(rp.code).toBe(0);
    expect(rp.json().result).toMatchObject({ featureSet: 'cli', symbols: 6, featureRows: 6 * days, recomputed: true });

    const bad = await cli('backfill', 'start', '--symbols', 'AAPL', '--universe', 'bundled', '--from', '2018-01-02', '--to', '2018-01-05');
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('symbols: give exactly one of symbols or universe');
  });
});
