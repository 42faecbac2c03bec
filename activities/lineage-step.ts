// Runs an activity's writes and its DataLineage row in one transaction. A retry of an attempt that already
// committed finds the row and returns the committed result: no half-written step, no duplicate.
import { Context } from '@temporalio/activity';
import type { DataSource, EntityManager } from 'typeorm';
import { formatDatasetRef, type DatasetRef } from '../src/contracts/dataset-ref';
import type { RunRepository } from '../src/repositories/run-repository';

export interface StepOutput<T> {
  result: T;
  inputDatasets: DatasetRef[];
  outputDataset: DatasetRef;
  rowsIn: number;
  rowsOut: number;
  details?: Record<string, unknown>;
  contentHash?: string | null;
}

export async function lineageStep<T>(
  ds: DataSource,
  runs: RunRepository,
  pipelineRunId: string,
  work: (em: EntityManager) => Promise<StepOutput<T>>,
): Promise<T> {
  const info = Context.current().info;
  const key = { workflowId: info.workflowExecution!.workflowId, runId: info.workflowExecution!.runId, activityId: info.activityId };
  const done = await runs.findLineage(key);
  if (done) return done.details.result as T;
  return ds.transaction(async (em) => {
    // Steps run statements scoped to a batch of symbols: once the big tables have statistics their cost estimates
    // pass jit_above_cost, and compiling took ~250 ms of a 50 ms query (the export's staleness check, per backfill
    // batch). SET LOCAL, not a startup option: PgBouncer refuses `-c jit=off` in a connection's options.
    await em.query('SET LOCAL jit = off');
    const out = await work(em);
    await runs.recordLineage(em, {
      ...key,
      pipelineRunId,
      activityType: info.activityType,
      attempt: info.attempt,
      inputDatasets: out.inputDatasets.map(formatDatasetRef),
      outputDataset: formatDatasetRef(out.outputDataset),
      rowsIn: out.rowsIn,
      rowsOut: out.rowsOut,
      details: { ...out.details, result: out.result },
      contentHash: out.contentHash ?? null,
    });
    return out.result;
  });
}

/**
 * Where a resumable activity stands: its lineage key, the result an earlier attempt committed (then nothing is left to
 * do), and the cursor the last attempt heartbeated (`{ lastDay }`).
 */
export async function resumableStep<T>(runs: RunRepository): Promise<{ key: { workflowId: string; runId: string; activityId: string }; done: T | null; resumeAfter: string | null }> {
  const info = Context.current().info;
  const key = { workflowId: info.workflowExecution!.workflowId, runId: info.workflowExecution!.runId, activityId: info.activityId };
  const done = await runs.findLineage(key);
  return { key, done: done ? (done.details.result as T) : null, resumeAfter: (info.heartbeatDetails as { lastDay?: string } | undefined)?.lastDay ?? null };
}
