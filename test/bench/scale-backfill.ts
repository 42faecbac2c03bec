// One scale run: the real backfill workflow (import → features → quality → export per batch child) over a synthetic
// universe, on `workers` child processes running `tickflow worker` against one Temporal dev server, into one
// database. Timed from the start of the workflow to its result, with every process's memory and PostgreSQL's busy
// share sampled meanwhile, and the activities' spread over the workers read back from Temporal's history.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { backfill } from '../../workflows';
import { childEnv, spawnTickflow, waitFor, type Spawned } from '../helpers/processes';
import { activityPollers, activityRuns, spreadOver } from '../helpers/worker-spread';
import { startProbe, type ProbeReport } from './scale-probe';

export interface BackfillRun {
  symbols: number;
  bars: number;
  seconds: number;
  barsPerS: number;
  children: number;
  probe: ProbeReport;
  /** Activities started per worker process. */
  spread: number[];
}

export interface BackfillPlan {
  env: TestWorkflowEnvironment;
  databaseUrl: string;
  symbols: number;
  range: { from: string; to: string };
  workers: number;
  exportEnabled: boolean;
  log: (m: string) => void;
}

export const barsOf = (symbols: number, range: { from: string; to: string }) => symbols * SyntheticProvider.tradingDays(range).length;

async function stopAll(workers: Spawned[]): Promise<void> {
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => Promise.race([w.exited, new Promise((r) => setTimeout(r, 15_000))])));
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
}

export async function runBackfill(plan: BackfillPlan): Promise<BackfillRun> {
  const taskQueue = `bench-scale-${Date.now()}-${plan.workers}`;
  const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-bench-scale-'));
  const workers: Spawned[] = [];
  try {
    for (let i = 0; i < plan.workers; i++) {
      workers.push(spawnTickflow(['worker'], childEnv({
        DATABASE_URL: plan.databaseUrl, TEMPORAL_ADDRESS: plan.env.address, TEMPORAL_TASK_QUEUE: taskQueue, TICKFLOW_EXPORT_DIR: exportDir,
        REDIS_URL: process.env.REDIS_URL,
      })));
    }
    const namespace = plan.env.namespace ?? 'default';
    const identities = await waitFor(`${plan.workers} worker(s) polling`, async () => {
      for (const w of workers) if (w.child.exitCode !== null) throw new Error(`scale bench: a worker exited early:\n${w.output()}`);
      const polling = await activityPollers(plan.env.client, namespace, taskQueue);
      const ours = workers.map((w) => polling.find((id) => id.startsWith(`${w.child.pid}@`)));
      return ours.every(Boolean) ? (ours as string[]) : undefined;
    }, 300_000);
    const bars = barsOf(plan.symbols, plan.range);
    plan.log(`backfill of ${plan.symbols} symbols × ${plan.range.from}..${plan.range.to} (${bars} bars) on ${plan.workers} worker process(es)`);
    const probe = await startProbe({ databaseUrl: plan.databaseUrl, workerPids: workers.map((w) => w.child.pid!) });
    const workflowId = `bench-scale-${Date.now()}`;
    const t0 = process.hrtime.bigint();
    const result = await plan.env.client.workflow.execute(backfill, {
      taskQueue, workflowId,
      args: [{ universe: `synthetic:${plan.symbols}`, ...plan.range, source: 'synthetic', seed: 3, lookbackDays: 0, batchSize: 25, concurrency: 2, export: { enabled: plan.exportEnabled } }],
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const report = await probe.stop();
    if (result.stage !== 'completed' || result.rowsImported !== bars) throw new Error(`scale bench: unexpected backfill result ${JSON.stringify(result)}`);
    const spread = spreadOver((await activityRuns(plan.env.client, workflowId)).filter((r) => r.workflowId !== workflowId), identities);
    return { symbols: plan.symbols, bars, seconds, barsPerS: bars / seconds, children: result.batchesDone, probe: report, spread: identities.map((i) => spread.get(i) ?? 0) };
  } finally {
    await stopAll(workers);
    fs.rmSync(exportDir, { recursive: true, force: true });
  }
}
