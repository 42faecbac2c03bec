// Starting a workflow from the CLI and following it to the end: shared by run, backfill, reprocess and features recompute.
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import type { z } from 'zod';
import { InputError } from '../contracts/errors';
import type { Runtime } from '../runtime';
import { connectWorkerNative } from '../runtime';
import { activityDeps, createWorker } from '../worker';
import { describeInputIssues } from '../../workflows/pipeline-input';
import { err, isVerbose, out, workflowUiLink } from './context';
import { failureReport, summarizeFailure } from './failure';

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
  /** Reads what the summary prints besides the result (stored rows), before it is printed. */
  beforeSummary?: (result: Awaited<ReturnType<W>>) => Promise<void>;
}

/** Starts a workflow, runs a worker here unless told not to, prints progress lines and the result. Exit code. */
export async function startAndFollow<W extends Workflow, P>(o: StartAndFollow<W, P>): Promise<number> {
  const { client } = o.rt.temporal!;
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
    // Once the result is in, a query answered late must not print a progress line under the summary or failure.
    let last = '';
    let settled = false;
    let inflight: Promise<void> | undefined;
    const progress = o.progress;
    const ticker = progress && !o.json
      ? setInterval(() => {
        inflight ??= progress.read(handle).then((p) => {
          const line = progress.line(p);
          if (!settled && line !== last) err(`  ${line}`);
          last = line;
        }, () => {}).finally(() => (inflight = undefined));
      }, 500)
      : undefined;
    const stopTicker = async (): Promise<void> => {
      settled = true;
      clearInterval(ticker);
      await inflight;
    };
    try {
      const result = (await handle.result().finally(stopTicker)) as Awaited<ReturnType<W>>;
      const meta = { workflowId: o.workflowId, runId: handle.firstExecutionRunId, link };
      await o.beforeSummary?.(result);
      if (o.json) out(JSON.stringify(o.jsonResult ? o.jsonResult(result, meta) : { workflowId: o.workflowId, status: 'completed', link, result }, null, 2));
      else out(`${o.summary(result, meta)}\n  Temporal UI     ${link}`);
      return 0;
    } catch (e) {
      if (!(e instanceof WorkflowFailedError)) throw e;
      const { cause, hint } = summarizeFailure(e, o.workflowId);
      if (o.json) out(JSON.stringify({ workflowId: o.workflowId, runId: handle.firstExecutionRunId, status: 'failed', error: cause, hint, link }));
      else err(failureReport(e, { workflowId: o.workflowId, link, verbose: isVerbose() }));
      return 1;
    } finally {
      await stopTicker();
    }
  };
  if (o.noWorker || !o.wait) return execute();
  return (await inProcessWorker(o.rt)).runUntil(execute);
}

/** A worker in this CLI process for the run it follows. Its log has no stacks unless --verbose: the command prints the failure. */
async function inProcessWorker(rt: Runtime): Promise<Worker> {
  return createWorker({
    connection: await connectWorkerNative(rt.config, rt.temporal!.address, isVerbose()),
    namespace: rt.config.temporal.namespace, taskQueue: rt.config.temporal.taskQueue, deps: activityDeps(rt),
  });
}

