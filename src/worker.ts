// Builds a Temporal worker that runs Tickflow's workflows and activities on one task queue.
import {
  DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type LogEntry, type LogLevel, type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createActivities, type ActivityDeps } from '../activities';
import type { Config } from './config';
import { dataConverterFor } from './security/payload-codec';
import type { FeatureCache } from './features/feature-cache';

export const workflowsPath = require.resolve('../workflows');

/** One line per entry, the error's message without its stack. The workflow's own failure is left to the command that follows it. */
function oneLineLog({ level, message, meta }: LogEntry): void {
  if (message === 'Workflow failed') return;
  const m = (meta ?? {}) as { activityType?: string; workflowType?: string; attempt?: number; error?: unknown };
  const where = m.activityType ? ` (${m.activityType}, attempt ${m.attempt})` : m.workflowType ? ` (${m.workflowType})` : '';
  const why = m.error instanceof Error ? `: ${m.error.message.split('\n')[0]}` : '';
  process.stderr.write(`· worker ${level.toLowerCase()}: ${message}${where}${why}\n`);
}

let runtimeInstalled = false;
/**
 * The SDK logs every state change at INFO; a CLI user wants warnings. `stacks: false` logs each entry on one line
 * (a run in the CLI, without --verbose). Call before the first worker: the SDK's runtime is installed once per process.
 */
export function installWorkerLogging(level: LogLevel = 'WARN', stacks = true): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger(level, stacks ? undefined : oneLineLog) });
  runtimeInstalled = true;
}

/** What a process hosting activities hands them: the one place their dependencies are assembled. */
export function activityDeps(host: { config: Config; dataSource: DataSource; featureCache: FeatureCache }): ActivityDeps {
  return { dataSource: host.dataSource, featureCache: host.featureCache, dataDir: host.config.dataDir, exportDir: host.config.exportDir, config: host.config };
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();
/**
 * Bundling the workflow code takes seconds; do it once per process (and failure converter: the payload codec's
 * encodes failures inside the workflow sandbox too, so it is bundled in).
 */
export function workflowBundle(failureConverterPath?: string): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(failureConverterPath ?? '');
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN'), ...(failureConverterPath ? { failureConverterPath } : {}) });
    bundles.set(failureConverterPath ?? '', bundle);
  }
  return bundle;
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Bound concurrent activities: each holds a database connection for its transaction. */
  maxConcurrentActivityTaskExecutions?: number;
}

export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  installWorkerLogging();
  // The payload codec when TICKFLOW_PAYLOAD_KEY is set: the same converter as the client's (runtime.ts).
  const dataConverter = dataConverterFor(opts.deps.config);
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: await workflowBundle(dataConverter?.failureConverterPath),
    activities: createActivities(opts.deps),
    ...(dataConverter ? { dataConverter } : {}),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 4,
    shutdownGraceTime: '10 seconds',
    ...(opts.deps.config.heartbeatThrottleMs ? { maxHeartbeatThrottleInterval: opts.deps.config.heartbeatThrottleMs } : {}),
  });
}
