// `tickflow worker`: a long-running Temporal worker for Tickflow's workflows and activities.
import { connectWorkerNative } from '../../runtime';
import { activityDeps, createWorker } from '../../worker';
import { parse } from '../args';
import { err, out, withRuntime, type Command } from '../context';

const help = `Usage: tickflow worker

Polls TEMPORAL_TASK_QUEUE and runs Tickflow's workflows and activities until SIGINT/SIGTERM.`;

async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {}, 'worker');
  if (values.help) return out(help), 0;
  return withRuntime({ temporal: true, migrate: true }, async (rt) => {
    const worker = await createWorker({
      connection: await connectWorkerNative(rt.config, rt.temporal!.address), namespace: rt.config.temporal.namespace, taskQueue: rt.config.temporal.taskQueue,
      deps: activityDeps(rt),
    });
    err(`· worker polling task queue "${rt.config.temporal.taskQueue}" on ${rt.temporal!.address} (namespace ${rt.config.temporal.namespace})`);
    await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
    return 0;
  });
}

export const workerCommand: Command = { name: 'worker', summary: 'run a Temporal worker for the workflows and activities', help, run };
