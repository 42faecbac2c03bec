// Temporal Schedules for Tickflow's workflows: one place that turns "cron in a time zone, overlap policy, catch-up
// window, input" into a Schedule, and that lists, pauses, triggers, backfills and deletes them.
import { ScheduleOverlapPolicy, type Client, type ScheduleSummary } from '@temporalio/client';
import { z } from 'zod';
import { InputError } from '../contracts/errors';

export const scheduledWorkflows = ['dailyPipeline', 'backfill', 'reprocess', 'marketDataPipeline', 'optimizePortfolio'] as const;
export const overlapPolicies = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'] as const;

export const scheduleSpecSchema = z.object({
  scheduleId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/, 'schedule ids are letters, digits, ".", "_" and "-"'),
  workflowType: z.enum(scheduledWorkflows).default('dailyPipeline'),
  /** Standard 5-field cron, e.g. "30 18 * * 1-5" (18:30 on weekdays). */
  cron: z.string().regex(/^\S+( \S+){4}$/, 'expected a 5-field cron expression like "30 18 * * 1-5"'),
  timeZone: z.string().min(1).default('America/New_York'),
  /** What happens when a run is still going at the next tick: skip the new one by default. */
  overlap: z.enum(overlapPolicies).default('SKIP'),
  /** How far back missed ticks are still taken after the server was down, e.g. "1 day". */
  catchupWindow: z.string().regex(/^\d+ ?(ms|s|seconds?|m|minutes?|h|hours?|d|days?)$/, 'expected a duration like "1 day" or "12h"').default('1 day'),
  input: z.unknown(),
  taskQueue: z.string().min(1),
  paused: z.boolean().default(false),
});

export type ScheduleSpecArgs = z.input<typeof scheduleSpecSchema>;

export interface ScheduleListing {
  scheduleId: string;
  workflowType: string | undefined;
  paused: boolean;
  note: string | undefined;
  /** The calendar the cron became, as Temporal describes it. */
  calendars: string[];
  timeZone: string | undefined;
  nextActionTimes: string[];
  recentActions: { scheduledAt: string; takenAt: string; workflowId: string | undefined }[];
}

/** Workflow id prefix of every run a schedule starts (Temporal appends the nominal time). */
export const scheduledWorkflowId = (scheduleId: string) => `tickflow-sched-${scheduleId}`;

export async function createSchedule(client: Client, args: ScheduleSpecArgs): Promise<void> {
  const parsed = scheduleSpecSchema.safeParse(args);
  if (!parsed.success) {
    throw new InputError(parsed.error.issues.map((i) => `${i.path.join('.') || '(schedule)'}: ${i.message}`).join('; '), 'schedule');
  }
  const s = parsed.data;
  await client.schedule.create({
    scheduleId: s.scheduleId,
    spec: { cronExpressions: [s.cron], timezone: s.timeZone },
    action: { type: 'startWorkflow', workflowType: s.workflowType, taskQueue: s.taskQueue, args: [s.input], workflowId: scheduledWorkflowId(s.scheduleId) },
    policies: { overlap: s.overlap, catchupWindow: s.catchupWindow.replace(/^(\d+)(\D)/, '$1 $2') as `${number} days` },
    state: { paused: s.paused, note: s.paused ? 'created paused' : undefined },
  });
}

function toListing(s: ScheduleSummary): ScheduleListing {
  return {
    scheduleId: s.scheduleId,
    workflowType: s.action?.workflowType,
    paused: s.state.paused,
    note: s.state.note,
    calendars: (s.spec?.calendars ?? []).map((c) => JSON.stringify(c)),
    timeZone: s.spec?.timezone,
    nextActionTimes: s.info.nextActionTimes.map((d) => d.toISOString()),
    recentActions: s.info.recentActions.map((a) => ({
      scheduledAt: a.scheduledAt.toISOString(), takenAt: a.takenAt.toISOString(), workflowId: a.action.workflow?.workflowId,
    })),
  };
}

export async function listSchedules(client: Client): Promise<ScheduleListing[]> {
  const out: ScheduleListing[] = [];
  for await (const s of client.schedule.list()) out.push(toListing(s));
  return out.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

export async function pauseSchedule(client: Client, scheduleId: string, note = 'paused with tickflow schedule pause'): Promise<void> {
  await client.schedule.getHandle(scheduleId).pause(note);
}

export async function resumeSchedule(client: Client, scheduleId: string, note = 'resumed with tickflow schedule resume'): Promise<void> {
  await client.schedule.getHandle(scheduleId).unpause(note);
}

export async function deleteSchedule(client: Client, scheduleId: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).delete();
}

/** Runs the action now, whatever the calendar says (ALLOW_ALL: a manual trigger is never skipped). */
export async function triggerSchedule(client: Client, scheduleId: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
}

/**
 * Takes every tick of [start, end] that was missed. BUFFER_ALL: ticks run one after another and none is skipped,
 * which SKIP (the usual daily policy) would do to all but the first.
 */
export async function backfillSchedule(client: Client, scheduleId: string, start: Date, end: Date): Promise<void> {
  if (!(start <= end)) throw new InputError(`start ${start.toISOString()} is after end ${end.toISOString()}`, 'schedule backfill');
  await client.schedule.getHandle(scheduleId).backfill({ start, end, overlap: ScheduleOverlapPolicy.BUFFER_ALL });
}
