// Past one machine: the backfill on one task queue with 1, then 2, then 4 worker processes (`tickflow worker`, the
// real worker) against one Temporal dev server. Workers are added between runs, so run k has exactly k pollers.
// Each run completes with every batch exactly once (PipelineRun children, lineage, stored rows) and every worker
// ran some of its activities (Temporal's ActivityTaskStarted identities).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { backfill } from '../../workflows';
import { spawnTestWorker, waitFor, type Spawned } from '../helpers/processes';
import { openTestDataSource, resetData, startTemporal } from '../helpers/services';
import { activityPollers, activityRuns, spreadOver } from '../helpers/worker-spread';

jest.setTimeout(180_000);

const RANGE = { from: '2019-01-02', to: '2019-06-28' };
const SYMBOLS_PER_RUN = 8;
/** Activities each batch child runs: start, import, features, quality, finish. */
const ACTIVITIES_PER_BATCH = 5;

describe('the backfill scaled out over worker processes on one task queue', () => {
  let env: TestWorkflowEnvironment;
  let ds: DataSource;
  const workers: Spawned[] = [];
  const taskQueue = `scale-workers-${Date.now()}`;

  beforeAll(async () => {
    [env, ds] = await Promise.all([startTemporal(), openTestDataSource()]);
    await resetData(ds);
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await env?.teardown();
    await ds?.destroy();
  });

  /** Starts workers until `n` are polling; returns the identities of all of them. */
  const scaleTo = async (n: number): Promise<string[]> => {
    while (workers.length < n) {
      workers.push(spawnTestWorker(env.address, taskQueue));
    }
    const pids = workers.map((w) => `${w.child.pid}@`);
    return waitFor(`${n} activity pollers on ${taskQueue}`, async () => {
      const polling = await activityPollers(env.client, env.namespace ?? 'default', taskQueue);
      const ours = pids.map((p) => polling.find((id) => id.startsWith(p)));
      return ours.every(Boolean) ? (ours as string[]) : undefined;
    }, 120_000);
  };

  it.each([1, 2, 4])('with %i worker(s): every batch once, activities on every worker', async (n) => {
    const identities = await scaleTo(n);
    const symbols = Array.from({ length: SYMBOLS_PER_RUN }, (_, i) => `W${n}S${String(i).padStart(2, '0')}`);
    const workflowId = `scale-workers-${n}-${Date.now()}`;
    const summary = await env.client.workflow.execute(backfill, {
      taskQueue, workflowId,
      args: [{ symbols, ...RANGE, source: 'synthetic', seed: 11, lookbackDays: 0, batchSize: 1, concurrency: 4 }],
    });
    expect(summary).toMatchObject({ stage: 'completed', batchesTotal: SYMBOLS_PER_RUN, batchesDone: SYMBOLS_PER_RUN, batchesSkipped: 0, failed: [] });

    // No batch skipped or run twice: one completed child per symbol, each with exactly one lineage row per data step.
    const children: { id: string; symbols: string[]; status: string }[] = await ds.query(
      `SELECT c.id, c.input->'symbols' AS symbols, c.status FROM pipeline_run c WHERE c.parent_run_id = $1 ORDER BY c.started_at`, [summary.pipelineRunId]);
    expect(children.map((c) => c.symbols).flat().sort()).toEqual(symbols);
    expect(children.every((c) => c.status === 'completed')).toBe(true);
    const steps: { activity_type: string; n: number; children: number }[] = await ds.query(
      `SELECT activity_type, count(*)::int AS n, count(DISTINCT pipeline_run_id)::int AS children FROM data_lineage
        WHERE pipeline_run_id = ANY($1) GROUP BY activity_type ORDER BY activity_type`, [children.map((c) => c.id)]);
    expect(steps).toEqual(['computeFeatures', 'importPrices', 'runQualityChecks'].map((t) => ({ activity_type: t, n: SYMBOLS_PER_RUN, children: SYMBOLS_PER_RUN })));
    const bars = SyntheticProvider.tradingDays(RANGE).length;
    const [stored] = await ds.query(
      `SELECT count(*)::int AS n, count(DISTINCT (symbol, ts))::int AS d, count(DISTINCT symbol)::int AS s FROM price_data WHERE symbol = ANY($1)`, [symbols]);
    expect(stored).toEqual({ n: SYMBOLS_PER_RUN * bars, d: SYMBOLS_PER_RUN * bars, s: SYMBOLS_PER_RUN });
    expect(summary.rowsImported).toBe(SYMBOLS_PER_RUN * bars);

    // The spread, from Temporal's history: every attempt ran on one of our workers, and each worker ran some.
    const runs = (await activityRuns(env.client, workflowId)).filter((r) => r.workflowId !== workflowId);
    expect(runs).toHaveLength(SYMBOLS_PER_RUN * ACTIVITIES_PER_BATCH);
    const spread = spreadOver(runs, identities);
    process.stdout.write(`scale-workers: ${n} worker(s), activities per worker: ${[...spread.values()].join(', ')}\n`);
    expect([...spread.keys()].sort()).toEqual([...identities].sort());
    // 40 activities with 4 concurrent batches: a worker that ran none would mean it never got work from the queue.
    for (const count of spread.values()) expect(count).toBeGreaterThan(0);
  });
});
