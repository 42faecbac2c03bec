// Starting children under deterministic ids, with the database as the record of what is done. A child id carries
// the identity of the database its work lands in, so a restarted parent skips what THIS database recorded as
// completed and redoes the rest, even when the Temporal namespace outlived the database or serves several.
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { patched, proxyActivities, sleep, startChild, type Workflow } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { bookkeeping } from './activity-profiles';
import { PARENT_RUN_MEMO } from './execution-meta';

const book = proxyActivities<Activities>(bookkeeping);

/** Histories recorded before child ids carried the database identity replay without reading it. */
const DATABASE_IN_CHILD_IDS = 'database-in-child-ids';

/** Checks of a child id that another parent is running, before the batch fails: the backoff below makes it ≈1.6 h. */
export const MAX_BUSY_CHECKS = 24;
const busyDelayMs = (check: number) => Math.min(5_000 * 2 ** check, 300_000);

export type ChildOutcome<R> = { kind: 'ran'; result: R } | { kind: 'skipped'; counts: Record<string, number> };

/** The identity of the database the children will write to; undefined when replaying a history from before it. */
export async function targetDatabaseId(): Promise<string | undefined> {
  return patched(DATABASE_IN_CHILD_IDS) ? book.databaseIdentity() : undefined;
}

/** `tickflow-<kind>-db<first 8 of the database id>`, or `tickflow-<kind>` for ids from before the identity existed. */
export function childIdPrefix(kind: string, databaseId: string | undefined): string {
  return databaseId ? `tickflow-${kind}-db${databaseId.slice(0, 8)}` : `tickflow-${kind}`;
}

/**
 * Runs `workflow` as a child under `workflowId` and returns its result, or — when this database recorded a completed
 * run of that id — the counts it recorded. A completed execution this database does not know (a database restored
 * from a backup, or reset) is run again under the same id. One another parent is running is waited for, a bounded
 * number of times, then the call fails with a non-retryable ChildRunningElsewhere.
 */
export async function runChildOnce<W extends Workflow>(
  workflow: W, workflowId: string, args: Parameters<W>, parentRunId: string,
): Promise<ChildOutcome<Awaited<ReturnType<W>>>> {
  // First only failed runs may be redone; once the database says the completed one is not its own, any closed run.
  let reuse: WorkflowIdReusePolicy = WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY;
  // Bounded: each pass returns, throws, widens the reuse policy (once) or counts a busy check.
  for (let busyChecks = 0; ;) {
    try {
      const handle = await startChild(workflow as Workflow, {
        workflowId, args: args as unknown[], memo: { [PARENT_RUN_MEMO]: parentRunId }, workflowIdReusePolicy: reuse,
      });
      return { kind: 'ran', result: (await handle.result()) as Awaited<ReturnType<W>> };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const done = await book.completedRunCounts(workflowId);
      if (done) return { kind: 'skipped', counts: done };
      if (reuse !== WorkflowIdReusePolicy.ALLOW_DUPLICATE) {
        reuse = WorkflowIdReusePolicy.ALLOW_DUPLICATE;
        continue;
      }
      // Rejected even as a duplicate: an execution of this id is running now, under another parent.
      if (busyChecks >= MAX_BUSY_CHECKS) {
        throw ApplicationFailure.nonRetryable(
          `child workflow ${workflowId} is still running under another parent after ${MAX_BUSY_CHECKS} checks; let it finish, then start this run again`,
          'ChildRunningElsewhere',
        );
      }
      await sleep(busyDelayMs(busyChecks++));
    }
  }
}
