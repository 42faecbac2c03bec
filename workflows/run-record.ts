// How a workflow closes its PipelineRun row when it fails or is cancelled. Shared so every workflow reports errors
// the same way (message plus the cause that explains it).
import { CancellationScope, isCancellation } from '@temporalio/workflow';
import type { FinishArgs } from '../src/contracts/activities';

export function failureMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
}

/** Records the run as failed or cancelled; runs even while the workflow is being cancelled. */
export function recordFailedRun(
  finish: (args: FinishArgs) => Promise<void>,
  pipelineRunId: string,
  counts: Record<string, number>,
  err: unknown,
): Promise<void> {
  return CancellationScope.nonCancellable(() =>
    finish({ pipelineRunId, status: isCancellation(err) ? 'cancelled' : 'failed', counts, error: failureMessage(err) }));
}
