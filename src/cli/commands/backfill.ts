// `tickflow backfill`: start a backfill (symbols or a universe over a date range) and follow its progress, or
// pause / resume / cancel / inspect one that is running.
import path from 'node:path';
import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { InputError } from '../../contracts/errors';
import { backfill, backfillProgressQuery, cancelSignal, pauseSignal, resumeSignal } from '../../../workflows';
import { backfillInputSchema, type BackfillInputArgs, type BackfillProgress } from '../../../workflows/backfill';
import { parse } from '../args';
import { err, out, usage, withRuntime, type Command } from '../context';
import { checkInput, parseJsonFlag, startAndFollow } from '../follow';

const help = `Usage: tickflow backfill start [--input JSON | --symbols A,B | --universe bundled|synthetic:N] --from YYYY-MM-DD --to YYYY-MM-DD
                              [--source bundled|csv|synthetic] [--source-path DIR] [--seed N] [--batch-size N] [--concurrency N]
                              [--workflow-id ID] [--no-worker] [--no-wait] [--json]
       tickflow backfill progress|pause|resume|cancel <workflow-id> [--json]

start      starts the backfill workflow (one marketDataPipeline child per batch); flags override --input fields.
           Without --no-worker a worker runs in this process until the backfill ends.
progress   done/total symbols, rows, stage and ETA (the workflow's "backfillProgress" query)
pause      stop launching batches (running ones finish); resume continues; cancel stops after running batches finish`;

export const progressLine = (p: BackfillProgress) =>
  `[${p.stage}] ${p.symbolsDone}/${p.symbolsTotal} symbols, ${p.batchesDone}/${p.batchesTotal} batches (${p.batchesSkipped} already done), ` +
  `${p.running} running, ${p.rowsImported} bars, ${p.featureRows} feature rows${p.etaSeconds !== null ? `, ETA ${p.etaSeconds}s` : ''}`;

async function control(client: Client, action: string, workflowId: string, json: boolean): Promise<number> {
  const handle = client.workflow.getHandle<typeof backfill>(workflowId);
  const { status } = await handle.describe();
  let p: BackfillProgress;
  if (status.name === 'RUNNING') {
    if (action === 'pause') await handle.signal(pauseSignal);
    else if (action === 'resume') await handle.signal(resumeSignal);
    else if (action === 'cancel') await handle.signal(cancelSignal);
    p = await handle.query(backfillProgressQuery);
  } else {
    // A closed run needs no worker: its result is the final progress (a query would wait for a worker to replay).
    if (action !== 'progress') throw new InputError(`${workflowId} is ${status.name.toLowerCase()}, not running`, `tickflow backfill ${action}`);
    if (status.name !== 'COMPLETED') {
      err(`${workflowId} is ${status.name.toLowerCase()}`);
      return 1;
    }
    p = { ...(await handle.result()), running: 0, etaSeconds: 0 };
  }
  out(json ? JSON.stringify(p, null, 2) : progressLine(p));
  return 0;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    input: { type: 'string' }, symbols: { type: 'string' }, universe: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
    source: { type: 'string' }, 'source-path': { type: 'string' }, seed: { type: 'string' }, 'batch-size': { type: 'string' },
    concurrency: { type: 'string' }, 'workflow-id': { type: 'string' }, 'no-worker': { type: 'boolean' }, 'no-wait': { type: 'boolean' }, json: { type: 'boolean' },
  }, 'backfill');
  const [action, id] = positionals;
  if (values.help || !action) return usage(help, values.help);
  const json = Boolean(values.json);
  if (['progress', 'pause', 'resume', 'cancel'].includes(action)) {
    if (!id) throw new InputError('needs the backfill workflow id', `tickflow backfill ${action}`);
    return withRuntime({ temporal: true }, (rt) => control(rt.temporal!.client, action, id, json), json);
  }
  if (action !== 'start') throw new InputError(`unknown action "${action}" (start, progress, pause, resume or cancel)`, 'tickflow backfill');
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const flags: Partial<BackfillInputArgs> = {
    symbols: values.symbols?.split(',').map((s) => s.trim()).filter(Boolean), universe: values.universe, from: values.from, to: values.to,
    source: values.source as BackfillInputArgs['source'], sourcePath: values['source-path'] && path.resolve(values['source-path']), seed: num(values.seed),
    batchSize: num(values['batch-size']), concurrency: num(values.concurrency),
  };
  const merged = { ...parseJsonFlag(values.input, '--input'), ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) };
  const input = checkInput(backfillInputSchema, merged, 'tickflow backfill start');
  const workflowId = values['workflow-id'] ?? `tickflow-backfill-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
  return withRuntime({ temporal: true, migrate: true }, (rt) => startAndFollow({
    rt, workflow: backfill, input, workflowId, noWorker: Boolean(values['no-worker']), wait: !values['no-wait'], json,
    progress: { read: (h) => h.query(backfillProgressQuery), line: progressLine },
    summary: (s) => `✓ backfill ${s.stage}\n  PipelineRun     ${s.pipelineRunId}\n  symbols         ${s.symbolsDone}/${s.symbolsTotal} in ${s.batchesDone} batches (${s.batchesSkipped} already done, ${s.failedBatches} failed) over ${s.runs} run(s)\n  rows            ${s.rowsImported} bars, ${s.featureRows} feature rows`,
  }), json);
}

export const backfillCommand: Command = { name: 'backfill', summary: 'backfill symbols or a universe over a date range (child workflow per batch)', help, actions: ['start', 'progress', 'pause', 'resume', 'cancel'], run };
