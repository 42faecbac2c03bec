// Starting a workflow from the CLI and following it to the end: shared by run, backfill and reprocess.
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { z } from 'zod';
import { InputError } from '../contracts/errors';
import type { Runtime } from '../runtime';
import { connectWorkerNative } from '../runtime';
import { createWorker } from '../worker';
import { describeInputIssues } from '../../workflows/pipeline-input';
import { err, out, workflowUiLink } from './context';

/** Parses a workflow's JSON input with its schema; the error names the field. */
export function checkInput<S extends z.ZodType>(schema: S, input: unknown, where: string): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new InputError(describeInputIssues(r.error), where);
  return r.data;
}

export function parseJsonFlag(text: string | undefined, where: string): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  throw new InputError(`expected one JSON object, got ${JSON.stringify(text.slice(0, 80))}`, where);
}

export interface FollowMeta {
  workflowId: string;
  runId: string;
  link: string;
}

export interface StartAndFollow<W extends Workflow, P> {
  rt: Runtime;
  workflow: W;
  input: unknown;
  workflowId: string;
  noWorker: boolean;
  wait: boolean;
  json: boolean;
  progress?: { read: (h: WorkflowHandle) => Promise<P>; line: (p: P) => string };
  summary: (result: Awaited<ReturnType<W>>, meta: FollowMeta) => string;
  /** The JSON printed on success. @default { workflowId, status, link, result } */
  jsonResult?: (result: Awaited<ReturnType<W>>, meta: FollowMeta) => unknown;
}

/** Starts a workflow, runs a worker here unless told not to, prints progress lines and the result. Exit code. */
export async function startAndFollow<W extends Workflow, P>(o: StartAndFollow<W, P>): Promise<number> {
  const { client, address } = o.rt.temporal!;
  const execute = async (): Promise<number> => {
    const handle = await client.workflow.start(o.workflow as Workflow, { taskQueue: o.rt.config.temporal.taskQueue, workflowId: o.workflowId, args: [o.input] });
    const link = workflowUiLink(o.rt.config, o.workflowId, handle.firstExecutionRunId);
    if (!o.json) err(`· workflow ${o.workflowId} started — ${link}`);
    if (!o.wait) {
      if (o.json) out(JSON.stringify({ workflowId: o.workflowId, runId: handle.firstExecutionRunId, link }));
      return 0;
    }
    // One progress query at a time, and the last one drained before returning: a query still retrying inside gRPC
    // when the connection closes throws from a timer and would crash the process after the workflow succeeded.
    let last = '';
    let inflight: Promise<void> | undefined;
    const progress = o.progress;
    const ticker = progress && !o.json
      ? setInterval(() => {
        inflight ??= progress.read(handle).then((p) => {
          const line = progress.line(p);
          if (line !== last) err(`  ${line}`);
          last = line;
        }, () => {}).finally(() => (inflight = undefined));
      }, 500)
      : undefined;
    try {
      const result = (await handle.result()) as Awaited<ReturnType<W>>;
      const meta = { workflowId: o.workflowId, runId: handle.firstExecutionRunId, link };
      if (o.json) out(JSON.stringify(o.jsonResult ? o.jsonResult(result, meta) : { workflowId: o.workflowId, status: 'completed', link, result }, null, 2));
      else out(`${o.summary(result, meta)}\n  Temporal UI     ${link}`);
      return 0;
    } catch (e) {
      if (!(e instanceof WorkflowFailedError)) throw e;
      const cause = e.cause?.message ?? e.message;
      if (o.json) out(JSON.stringify({ workflowId: o.workflowId, status: 'failed', error: cause, link }));
      else err(`✗ ${o.workflowId} failed: ${cause}\n  history: ${link}`);
      return 1;
    } finally {
      clearInterval(ticker);
      await inflight;
    }
  };
  if (o.noWorker || !o.wait) return execute();
  const worker = await createWorker({
    connection: await connectWorkerNative(o.rt.config, address), namespace: o.rt.config.temporal.namespace, taskQueue: o.rt.config.temporal.taskQueue,
    deps: { dataSource: o.rt.dataSource, featureCache: o.rt.featureCache, dataDir: o.rt.config.dataDir, exportDir: o.rt.config.exportDir, config: o.rt.config },
  });
  return worker.runUntil(execute);
}

