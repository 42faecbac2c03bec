// Kill -9 the worker process in the middle of a run, start a new one: the run finishes with no duplicate rows,
// and the activity that was interrupted left no lineage row for its failed attempt.
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { marketDataPipeline } from '../../workflows';
import { minusDays } from '../../workflows/pipeline-input';
import { spawnTestWorker, waitFor, type Spawned } from '../helpers/processes';
import { openTestDataSource, resetData, startTemporal } from '../helpers/services';

jest.setTimeout(240_000);

describe('a worker killed mid-run', () => {
  let env: TestWorkflowEnvironment;
  let ds: DataSource;
  const workers: Spawned[] = [];
  const taskQueue = `crash-${Date.now()}`;

  beforeAll(async () => {
    [env, ds] = await Promise.all([startTemporal(), openTestDataSource()]);
    await resetData(ds);
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await env?.teardown();
    await ds?.destroy();
  });

  const startWorker = () => {
    const w = spawnTestWorker(env.address, taskQueue);
    workers.push(w);
    return w;
  };

  it('finishes on a new worker with every row exactly once', async () => {
    const symbols = Array.from({ length: 150 }, (_, i) => `SYN${String(i).padStart(3, '0')}`);
    const input = { symbols, from: '2012-01-02', to: '2019-12-31', source: 'synthetic', seed: 7, export: { enabled: false } };
    const first = startWorker();
    await waitFor('the first worker to poll', async () => first.output().includes('worker polling'));
    const handle = await env.client.workflow.start(marketDataPipeline, { taskQueue, workflowId: `crash-${Date.now()}`, args: [input] });

    // Kill it while Temporal reports the features activity as started on it (the import has committed by then).
    const runRow = await waitFor('the PipelineRun row', async () => (await ds.query(`SELECT id FROM pipeline_run WHERE workflow_id = $1`, [handle.workflowId]))[0]);
    await waitFor('computeFeatures to start on the first worker', async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      return pending.some((a) => a.activityType?.name === 'computeFeatures' && a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
    }, 120_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const [midway] = await ds.query(`SELECT count(*)::int AS n FROM data_lineage WHERE pipeline_run_id = $1`, [runRow.id]);
    expect(midway.n).toBe(1); // features had not committed when the worker died

    const second = startWorker();
    const summary = await handle.result();
    second.child.kill('SIGTERM');

    const expectedBars = symbols.length * SyntheticProvider.tradingDays({ from: minusDays(input.from, 120), to: input.to }).length;
    const expectedFeatures = symbols.length * SyntheticProvider.tradingDays({ from: input.from, to: input.to }).length;
    const [p] = await ds.query(`SELECT count(*)::int AS n, count(DISTINCT (symbol, ts))::int AS d FROM price_data`);
    const [f] = await ds.query(`SELECT count(*)::int AS n, count(DISTINCT (symbol, ts))::int AS d FROM feature_data`);
    expect(p).toEqual({ n: expectedBars, d: expectedBars });
    expect(f).toEqual({ n: expectedFeatures, d: expectedFeatures });
    expect(summary.import.stored).toBe(expectedBars);
    expect(summary.features.rows).toBe(expectedFeatures);

    const lineage = await ds.query(`SELECT activity_id, activity_type, attempt FROM data_lineage WHERE pipeline_run_id = $1 ORDER BY id`, [runRow.id]);
    expect(lineage.map((l: { activity_type: string }) => l.activity_type)).toEqual(['importPrices', 'computeFeatures', 'runQualityChecks']);
    expect(new Set(lineage.map((l: { activity_id: string }) => l.activity_id)).size).toBe(3);
    // The interrupted features activity completed on a later attempt; its killed attempt left nothing behind.
    expect(lineage[1].attempt).toBeGreaterThanOrEqual(2);
    const [run] = await ds.query(`SELECT status, counts FROM pipeline_run WHERE id = $1`, [runRow.id]);
    expect(run.status).toBe('completed');
    expect(run.counts.features).toBe(expectedFeatures);
  });
});
