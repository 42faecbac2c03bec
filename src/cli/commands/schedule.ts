// `tickflow schedule`: Temporal Schedules that start dailyPipeline (or another workflow) on a cron in a time zone.
import { parseDateOrInstant } from '../../contracts/dates';
import { InputError } from '../../contracts/errors';
import { dailyInputSchema } from '../../../workflows/daily-pipeline';
import { optimizeInputSchema } from '../../contracts/optimize';
import {
  backfillSchedule, createSchedule, deleteSchedule, listSchedules, overlapPolicies, pauseSchedule, resumeSchedule, scheduledWorkflows, triggerSchedule,
} from '../../services/schedules';
import { parse } from '../args';
import { out, usage, withRuntime, type Command } from '../context';
import { checkInput, parseJsonFlag } from '../follow';

const help = `Usage: tickflow schedule create <id> --input JSON [--cron "30 18 * * 1-5"] [--tz America/New_York]
                              [--overlap ${overlapPolicies.join('|')}] [--catchup "1 day"] [--workflow ${scheduledWorkflows.join('|')}] [--paused]
       tickflow schedule list [--json]
       tickflow schedule pause|resume|delete|trigger <id>
       tickflow schedule backfill <id> --start ISO --end ISO     take every missed tick in [start, end] (BUFFER_ALL: none skipped)

Defaults: dailyPipeline at 18:30 New York time on weekdays, overlap SKIP, catch-up window 1 day.
The runs' workflow ids start with tickflow-sched-<id>; their PipelineRun rows carry the schedule id and nominal time.`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    input: { type: 'string' }, cron: { type: 'string' }, tz: { type: 'string' }, overlap: { type: 'string' }, catchup: { type: 'string' },
    workflow: { type: 'string' }, paused: { type: 'boolean' }, start: { type: 'string' }, end: { type: 'string' }, json: { type: 'boolean' },
  }, 'schedule');
  const [action, id] = positionals;
  if (values.help || !action) return usage(help, values.help);
  if (action !== 'list' && !id) throw new InputError('needs a schedule id', `tickflow schedule ${action}`);
  // Flags are checked before any service starts: a bad date should not wait for Temporal.
  const at = (name: string, v: string | undefined) => {
    const d = parseDateOrInstant(v ?? '');
    if (!d.ok) throw new InputError(`expected a date YYYY-MM-DD or a timestamp with a zone: ${d.reason}`, `--${name}`);
    return d.instant;
  };
  const backfillRange = action === 'backfill' ? { start: at('start', values.start), end: at('end', values.end) } : null;
  return withRuntime({ temporal: true }, async (rt) => {
    const client = rt.temporal!.client;
    switch (action) {
      case 'create': {
        const workflowType = (values.workflow ?? 'dailyPipeline') as (typeof scheduledWorkflows)[number];
        const raw = parseJsonFlag(values.input, '--input');
        const input = workflowType === 'dailyPipeline' ? checkInput(dailyInputSchema, raw, 'tickflow schedule create --input')
          : workflowType === 'optimizePortfolio' ? checkInput(optimizeInputSchema, raw, 'tickflow schedule create --input') : raw;
        await createSchedule(client, {
          scheduleId: id, workflowType, cron: values.cron ?? '30 18 * * 1-5', timeZone: values.tz, overlap: values.overlap as never,
          catchupWindow: values.catchup, input, taskQueue: rt.config.temporal.taskQueue, paused: values.paused,
        });
        out(`schedule ${id} created`);
        return 0;
      }
      case 'list': {
        const all = await listSchedules(client);
        if (values.json) out(JSON.stringify(all, null, 2));
        else if (all.length === 0) out('no schedules');
        else for (const s of all) out(`${s.scheduleId}  ${s.workflowType}  ${s.paused ? 'paused' : 'active'}  tz ${s.timeZone ?? 'UTC'}  next ${s.nextActionTimes[0] ?? '-'}  recent ${s.recentActions.length}`);
        return 0;
      }
      case 'pause': await pauseSchedule(client, id); break;
      case 'resume': await resumeSchedule(client, id); break;
      case 'delete': await deleteSchedule(client, id); break;
      case 'trigger': await triggerSchedule(client, id); break;
      case 'backfill':
        await backfillSchedule(client, id, backfillRange!.start, backfillRange!.end);
        break;
      default:
        throw new InputError(`unknown action "${action}" (create, list, pause, resume, delete, trigger or backfill)`, 'tickflow schedule');
    }
    out(`schedule ${id}: ${action} done`);
    return 0;
  }, Boolean(values.json));
}

export const scheduleCommand: Command = { name: 'schedule', summary: 'manage Temporal Schedules (create, list, pause, resume, delete, trigger, backfill)', help, actions: ['create', 'list', 'pause', 'resume', 'delete', 'trigger', 'backfill'], run };
