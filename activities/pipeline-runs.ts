// PipelineRun bookkeeping: one row per workflow execution, created at its start and closed at its end.
import { Context } from '@temporalio/activity';
import { RunRepository } from '../src/repositories/run-repository';
import type { FinishArgs } from '../workflows/activity-types';
import type { ActivityDeps } from './deps';

export function createRunActivities(deps: ActivityDeps) {
  const runs = new RunRepository(deps.dataSource);
  return {
    async startPipelineRun(input: unknown): Promise<string> {
      const info = Context.current().info;
      return runs.start({
        workflowId: info.workflowExecution!.workflowId,
        runId: info.workflowExecution!.runId,
        workflowType: info.workflowType ?? 'unknown',
        taskQueue: info.taskQueue,
        input,
        startedAt: new Date(),
      });
    },

    async finishPipelineRun(args: FinishArgs): Promise<void> {
      await runs.finish(args.pipelineRunId, args.status, args.counts, args.error ?? null, new Date());
    },
  };
}
