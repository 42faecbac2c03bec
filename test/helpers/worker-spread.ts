// Which worker ran what, from Temporal's own record: every ActivityTaskStarted event carries the identity of the
// worker that polled it (the SDK's default is `<pid>@<host>`), and the task queue lists its pollers' identities.
// Shared by the multi-worker e2e test and the scale bench, so both count the same way.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;

export interface ActivityRun {
  workflowId: string;
  activityType: string;
  /** The worker identity that started this attempt. */
  identity: string;
  attempt: number;
}

/** Every started activity attempt of a workflow and, recursively, of the children it started. */
export async function activityRuns(client: Client, workflowId: string): Promise<ActivityRun[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, string>();
  const runs: ActivityRun[] = [];
  const children: string[] = [];
  for (const e of history.events ?? []) {
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      scheduled.set(String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?');
    } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const a = e.activityTaskStartedEventAttributes!;
      runs.push({ workflowId, activityType: scheduled.get(String(a.scheduledEventId)) ?? '?', identity: a.identity ?? '', attempt: a.attempt ?? 1 });
    } else if (e.eventType === EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
      children.push(e.childWorkflowExecutionStartedEventAttributes!.workflowExecution!.workflowId!);
    }
  }
  for (const child of children) runs.push(...(await activityRuns(client, child)));
  return runs;
}

/** Activities started per worker identity, every expected identity present (0 when it ran none). */
export function spreadOver(runs: ActivityRun[], identities: string[]): Map<string, number> {
  const spread = new Map<string, number>(identities.map((i) => [i, 0]));
  for (const r of runs) spread.set(r.identity, (spread.get(r.identity) ?? 0) + 1);
  return spread;
}

/** Identities polling the task queue for activities right now. */
export async function activityPollers(client: Client, namespace: string, taskQueue: string): Promise<string[]> {
  const res = await client.workflowService.describeTaskQueue({
    namespace, taskQueue: { name: taskQueue }, taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return (res.pollers ?? []).map((p) => p.identity ?? '').filter(Boolean);
}
