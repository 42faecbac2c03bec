// The `tickflow` command line: run the pipeline, run a worker, manage the schema, inspect runs.
import crypto from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { loadConfig, type Config } from '../config';
import { ConfigError, InputError, ServiceUnavailableError } from '../errors';
import { RunRepository } from '../repositories/run-repository';
import { openRuntime, connectWorkerNative, type Runtime } from '../runtime';
import { stopDevServer } from '../services/temporal-server';
import { isPortOpen } from '../services/net';
import { createWorker } from '../worker';
import { marketDataPipeline, progressQuery, type PipelineSummary } from '../../workflows';
import { describeInputIssues, pipelineInputSchema, type PipelineInputArgs } from '../../workflows/pipeline-input';
import { parse } from './args';

const HELP: Record<string, string> = {
  main: `tickflow — durable market-data pipeline (Temporal + PostgreSQL)

Usage: tickflow <command> [options]

Commands:
  run                 run the pipeline (import → features → quality → export) and wait for it
  worker              run a Temporal worker for Tickflow's workflows and activities
  db migrate|revert|status   apply, undo the last, or list schema migrations
  runs list|show <id> list pipeline runs, or show one with its lineage
  services status|stop       state of, or stop, the dev server started by tickflow

Every command takes --help. Settings come from environment variables (see README).`,
  run: `Usage: tickflow run [options]

Starts marketDataPipeline, runs a worker in this process, and waits for the result.
  --symbols A,B,C     tickers (default AAPL,GOOG,SPY: the bundled data)
  --from YYYY-MM-DD   first day (default 2015-01-02)
  --to YYYY-MM-DD     last day (default 2017-12-29)
  --source NAME       bundled | csv | synthetic (default bundled)
  --source-path DIR   folder of <SYMBOL>.csv for --source csv
  --seed N            seed for --source synthetic (default 42)
  --export PATH       write the training CSV here (default <state>/exports/<workflow id>.csv)
  --no-export         stop after the quality gate
  --horizon N         label: forward return over N bars (default 5)
  --workflow-id ID    workflow id (default tickflow-pipeline-<random>)
  --no-worker         do not run a worker here (one is already running)
  --json              print the summary as JSON`,
  worker: `Usage: tickflow worker

Polls TEMPORAL_TASK_QUEUE and runs Tickflow's workflows and activities until SIGINT/SIGTERM.`,
  db: `Usage: tickflow db migrate|revert|status [--json]

  migrate   apply every pending migration
  revert    undo the most recent migration
  status    list migrations and whether each is applied`,
  runs: `Usage: tickflow runs list [--limit N] [--json]
       tickflow runs show <pipeline-run-id | workflow-id> [--json]`,
  services: `Usage: tickflow services status|stop

  status    show which services tickflow would use and whether they answer
  stop      stop the Temporal dev server that tickflow started (its data is kept)`,
};

const out = (s: string) => process.stdout.write(`${s}\n`);
const err = (s: string) => process.stderr.write(`${s}\n`);

function workflowUiLink(config: Config, workflowId: string, runId: string): string {
  return `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}/${runId}/history`;
}

async function withRuntime<T>(needs: Parameters<typeof openRuntime>[1], fn: (rt: Runtime) => Promise<T>, quiet = false): Promise<T> {
  const config = loadConfig();
  const rt = await openRuntime(config, { ...needs, log: quiet ? () => {} : (m) => err(`· ${m}`) });
  for (const n of rt.notices) err(`· ${n}`);
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

async function cmdRun(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    symbols: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, source: { type: 'string' },
    'source-path': { type: 'string' }, seed: { type: 'string' }, export: { type: 'string' }, 'no-export': { type: 'boolean' },
    horizon: { type: 'string' }, 'workflow-id': { type: 'string' }, 'no-worker': { type: 'boolean' }, json: { type: 'boolean' },
  }, 'run');
  if (values.help) return out(HELP.run), 0;
  const args: PipelineInputArgs = {
    symbols: (values.symbols ?? 'AAPL,GOOG,SPY').split(',').map((s) => s.trim()).filter(Boolean),
    from: values.from ?? '2015-01-02',
    to: values.to ?? '2017-12-29',
    source: (values.source ?? 'bundled') as PipelineInputArgs['source'],
    ...(values['source-path'] ? { sourcePath: values['source-path'] } : {}),
    ...(values.seed ? { seed: Number(values.seed) } : {}),
    export: {
      enabled: !values['no-export'],
      ...(values.export ? { path: values.export } : {}),
      ...(values.horizon ? { horizon: Number(values.horizon) } : {}),
    },
  };
  // Same schema as the workflow: a bad flag fails here, before anything starts.
  const checked = pipelineInputSchema.safeParse(args);
  if (!checked.success) throw new InputError(describeInputIssues(checked.error), 'tickflow run');
  const json = Boolean(values.json);
  const workflowId = values['workflow-id'] ?? `tickflow-pipeline-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;

  return withRuntime({ temporal: true, migrate: true }, async (rt) => {
    const { client, address } = rt.temporal!;
    const execute = async (): Promise<number> => {
      const handle = await client.workflow.start(marketDataPipeline, {
        taskQueue: rt.config.temporal.taskQueue, workflowId, args: [checked.data],
      });
      const link = workflowUiLink(rt.config, workflowId, handle.firstExecutionRunId);
      if (!json) err(`· workflow ${workflowId} started — ${link}`);
      let lastStage = '';
      const ticker = setInterval(() => {
        handle.query(progressQuery).then((p) => {
          if (p.stage !== lastStage && !json) err(`  [${p.stagesDone}/${p.stagesTotal}] ${p.stage}…`);
          lastStage = p.stage;
        }, () => {});
      }, 500);
      try {
        const summary = await handle.result();
        printSummary(summary, workflowId, handle.firstExecutionRunId, link, json);
        return 0;
      } catch (e) {
        if (e instanceof WorkflowFailedError) {
          const cause = e.cause?.message ?? e.message;
          if (json) out(JSON.stringify({ workflowId, runId: handle.firstExecutionRunId, status: 'failed', error: cause, link }));
          else err(`✗ pipeline failed: ${cause}\n  history: ${link}`);
          return 1;
        }
        throw e;
      } finally {
        clearInterval(ticker);
      }
    };
    if (values['no-worker']) return execute();
    const worker = await createWorker({
      connection: await connectWorkerNative(rt.config, address), namespace: rt.config.temporal.namespace, taskQueue: rt.config.temporal.taskQueue,
      deps: { dataSource: rt.dataSource, featureCache: rt.featureCache, dataDir: rt.config.dataDir, exportDir: rt.config.exportDir },
    });
    const code = await worker.runUntil(execute);
    if (!json && rt.temporal?.startedDevServer) {
      err(`· the Temporal dev server keeps running for the Web UI (${rt.config.temporal.uiUrl}); stop it with: npx tickflow services stop`);
    }
    return code;
  }, json);
}

function printSummary(s: PipelineSummary, workflowId: string, runId: string, link: string, json: boolean): void {
  if (json) {
    out(JSON.stringify({ workflowId, runId, status: 'completed', link, ...s }, null, 2));
    return;
  }
  const q = s.quality;
  out(`
✓ pipeline completed
  PipelineRun     ${s.pipelineRunId}
  workflow        ${workflowId} (run ${runId})
  rows imported   ${s.import.stored} stored of ${s.import.received} received (${s.import.inserted} new, ${s.import.revised} revised, ${s.import.unchanged} unchanged; ${s.import.quarantined} quarantined, ${s.import.exactDuplicates} exact duplicates)
  features        ${s.features.rows} bars × ${s.features.features} features, version ${s.features.featureSetVersion}
  quality         ${q.blockingFailures.length === 0 ? 'PASS' : 'BLOCKED'}: ${q.passed}/${q.rulesEvaluated} rules passed${q.warnings.length ? `; warnings: ${q.warnings.join(', ')}` : ''}
  export          ${s.export ? `${s.export.path} (${s.export.rows} rows, sha256 ${s.export.sha256.slice(0, 16)}…)` : 'skipped'}
  Temporal UI     ${link}`);
}

async function cmdWorker(argv: string[]): Promise<number> {
  const { values } = parse(argv, {}, 'worker');
  if (values.help) return out(HELP.worker), 0;
  return withRuntime({ temporal: true, migrate: true }, async (rt) => {
    const worker = await createWorker({
      connection: await connectWorkerNative(rt.config, rt.temporal!.address), namespace: rt.config.temporal.namespace, taskQueue: rt.config.temporal.taskQueue,
      deps: { dataSource: rt.dataSource, featureCache: rt.featureCache, dataDir: rt.config.dataDir, exportDir: rt.config.exportDir },
    });
    err(`· worker polling task queue "${rt.config.temporal.taskQueue}" on ${rt.temporal!.address} (namespace ${rt.config.temporal.namespace})`);
    await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
    return 0;
  });
}

async function cmdDb(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, 'db');
  const action = positionals[0];
  if (values.help || !action) return out(HELP.db), action ? 0 : 2;
  if (!['migrate', 'revert', 'status'].includes(action)) throw new InputError(`unknown action "${action}" (migrate, revert or status)`, 'tickflow db');
  return withRuntime({}, async ({ dataSource }) => {
    if (action === 'migrate') {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      values.json ? out(JSON.stringify({ applied: applied.map((m) => m.name) })) : out(applied.length ? `applied: ${applied.map((m) => m.name).join(', ')}` : 'schema is up to date');
    } else if (action === 'revert') {
      const before = await appliedMigrations(dataSource);
      await dataSource.undoLastMigration({ transaction: 'each' });
      const reverted = before.at(-1) ?? null;
      values.json ? out(JSON.stringify({ reverted })) : out(reverted ? `reverted: ${reverted}` : 'nothing to revert');
    } else {
      const applied = new Set(await appliedMigrations(dataSource));
      const rows = dataSource.migrations.map((m) => ({ name: m.name ?? m.constructor.name, applied: applied.has(m.name ?? m.constructor.name) }));
      values.json ? out(JSON.stringify(rows)) : rows.forEach((r) => out(`${r.applied ? '[x]' : '[ ]'} ${r.name}`));
    }
    return 0;
  }, Boolean(values.json));
}

async function appliedMigrations(ds: Runtime['dataSource']): Promise<string[]> {
  const exists = await ds.query(`SELECT to_regclass('tickflow_migrations') IS NOT NULL AS e`);
  if (!exists[0].e) return [];
  return (await ds.query(`SELECT name FROM tickflow_migrations ORDER BY id`)).map((r: { name: string }) => r.name);
}

async function cmdRuns(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, limit: { type: 'string' } }, 'runs');
  const [action, id] = positionals;
  if (values.help || !action) return out(HELP.runs), action ? 0 : 2;
  return withRuntime({ migrate: true }, async ({ dataSource, config }) => {
    const runs = new RunRepository(dataSource);
    if (action === 'list') {
      const rows = await runs.list(values.limit ? Number(values.limit) : 20);
      if (values.json) out(JSON.stringify(rows, null, 2));
      else if (rows.length === 0) out('no pipeline runs yet');
      else rows.forEach((r) => out(`${r.id}  ${r.status.padEnd(9)}  ${new Date(r.startedAt).toISOString()}  ${r.workflowId}  ${JSON.stringify(r.counts)}`));
      return 0;
    }
    if (action === 'show') {
      if (!id) throw new InputError('needs a pipeline-run id or workflow id', 'tickflow runs show');
      const run = await runs.get(id);
      if (!run) {
        err(`no pipeline run ${id}`);
        return 1;
      }
      const lineage = await runs.lineageOf(run.id);
      const link = workflowUiLink(config, run.workflowId, run.runId);
      if (values.json) out(JSON.stringify({ ...run, link, lineage }, null, 2));
      else {
        out(`PipelineRun ${run.id}\n  workflow  ${run.workflowType} ${run.workflowId} / ${run.runId}\n  status    ${run.status}${run.error ? ` — ${run.error}` : ''}`);
        out(`  started   ${new Date(run.startedAt).toISOString()}  finished ${run.finishedAt ? new Date(run.finishedAt).toISOString() : '-'}`);
        out(`  counts    ${JSON.stringify(run.counts)}\n  gate      ${JSON.stringify(run.gate)}\n  history   ${link}\n  lineage:`);
        for (const l of lineage) out(`    #${l.activityId} ${l.activityType} (attempt ${l.attempt}): ${l.rowsIn} in → ${l.rowsOut} out  ${l.outputDataset}`);
      }
      return 0;
    }
    throw new InputError(`unknown action "${action}" (list or show)`, 'tickflow runs');
  }, Boolean(values.json));
}

async function cmdServices(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {}, 'services');
  const action = positionals[0];
  if (values.help || !action) return out(HELP.services), action ? 0 : 2;
  const config = loadConfig();
  if (action === 'stop') {
    out((await stopDevServer(config.stateDir)) ? 'stopped the Temporal dev server' : 'no dev server started by tickflow is running');
    return 0;
  }
  if (action === 'status') {
    const pg = config.databaseUrl ? `DATABASE_URL (${new URL(config.databaseUrl).host})` : `embedded on 127.0.0.1:${config.embeddedPgPort}`;
    const pgUp = config.databaseUrl ? 'n/a' : (await isPortOpen(config.embeddedPgPort)) ? 'running' : 'stopped (starts on demand)';
    const t = config.temporal.address ?? `dev server on 127.0.0.1:${config.temporal.devServerPort}`;
    const tUp = config.temporal.address ? 'n/a' : (await isPortOpen(config.temporal.devServerPort)) ? 'running' : 'stopped (starts on demand)';
    out(`PostgreSQL  ${pg}: ${pgUp}\nTemporal    ${t}: ${tUp} — UI ${config.temporal.uiUrl}\nRedis       ${config.redisUrl ?? 'redis://127.0.0.1:6379 if it answers'}`);
    return 0;
  }
  throw new InputError(`unknown action "${action}" (status or stop)`, 'tickflow services');
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  run: cmdRun, worker: cmdWorker, db: cmdDb, runs: cmdRuns, services: cmdServices,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    out(HELP.main);
    return command ? 0 : 2;
  }
  const fn = COMMANDS[command];
  if (!fn) {
    err(`tickflow: unknown command "${command}"\n\n${HELP.main}`);
    return 2;
  }
  try {
    return await fn(rest);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof InputError) {
      err(`tickflow: ${e.message}`);
      return 2;
    }
    if (e instanceof ServiceUnavailableError) {
      err(`tickflow: ${e.message}`);
      return 3;
    }
    err(`tickflow: unexpected error: ${(e as Error).stack ?? e}`);
    return 1;
  }
}
