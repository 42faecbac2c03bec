// Starting children under deterministic ids: a child id that already COMPLETED is never run again (the server
// rejects it under ALLOW_DUPLICATE_FAILED_ONLY), so a restarted parent skips finished work and redoes only
// failed, cancelled or terminated ranges.
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { proxyActivities, sleep, startChild, type Workflow } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { bookkeeping } from './activity-profiles';
import { PARENT_RUN_MEMO } from './execution-meta';

const book = proxyActivities<Activities>(bookkeeping);

export type ChildOutcome<R> = { kind: 'ran'; result: R } | { kind: 'skipped'; counts: Record<string, number> };

/**
 * Runs `workflow` as a child under `workflowId` and returns its result, or — when a completed execution with that
 * id exists — the counts its PipelineRun recorded. A child of the same id still running elsewhere is waited for.
 */
export async function runChildOnce<W extends Workflow>(
  workflow: W, workflowId: string, args: Parameters<W>, parentRunId: string,
): Promise<ChildOutcome<Awaited<ReturnType<W>>>> {
  for (;;) {
    try {
      const handle = await startChild(workflow as Workflow, {
        workflowId, args: args as unknown[], memo: { [PARENT_RUN_MEMO]: parentRunId }, workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      });
      return { kind: 'ran', result: (await handle.result()) as Awaited<ReturnType<W>> };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const done = await book.completedRunCounts(workflowId);
      if (done) return { kind: 'skipped', counts: done };
      await sleep('5 seconds'); // running under another parent: wait for it to close
    }
  }
}
