// `tickflow run`: start marketDataPipeline, run a worker in-process, print progress and the summary.
import crypto from 'node:crypto';
import path from 'node:path';
import { InputError } from '../../contracts/errors';
import { marketDataPipeline, progressQuery, type PipelineSummary } from '../../../workflows';
import { describeInputIssues, pipelineInputSchema, type PipelineInputArgs } from '../../../workflows/pipeline-input';
import { parse } from '../args';
import { err, out, withRuntime, type Command } from '../context';
import { runDemoOptimize } from '../demo-optimize';
import { runDemoPortfolio } from '../demo-portfolio';
import { runDemoRisk } from '../demo-risk';
import { runDemoDocuments } from '../demo-documents';
import { runDemoSecurity } from '../demo-security';
import { runSecurityIoDemo } from '../demo-security-io';
import { startAndFollow, type FollowMeta } from '../follow';

const help = `Usage: tickflow run [options]

Starts marketDataPipeline, runs a worker in this process, and waits for the result.
  --symbols A,B,C     tickers (default AAPL,GOOG,SPY: the bundled data)
  --from YYYY-MM-DD   first day (default 2015-01-02)
  --to YYYY-MM-DD     last day (default 2017-12-29)
  --source NAME       bundled | csv | synthetic (default bundled)
  --source-path DIR   folder of <SYMBOL>.csv for --source csv, inside TICKFLOW_SOURCE_ROOTS (default data/, <state>/sources)
  --seed N            seed for --source synthetic (default 42)
  --since-last        import each symbol from its last stored bar (daily top-ups)
  --export PATH       write the training CSV here, inside TICKFLOW_EXPORT_DIR; relative: to it (default <state>/exports/<workflow id>.csv)
  --overwrite         replace the file at --export if it exists (refused otherwise)
  --no-export         stop after the quality gate
  --horizon N         label: forward return over N bars (default 5)
  --workflow-id ID    workflow id (default tickflow-pipeline-<random>)
  --no-worker         do not run a worker here (one is already running)
  --demo-portfolio    then book data/portfolios/demo-trades.csv into portfolio "demo", value it and print its performance,
                      and its VaR and ES by every method (riskRun, backtested), and (training the baseline model in
                      the pipeline) optimise the universe from its predictions
  --json              print the summary as JSON`;

async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    symbols: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, source: { type: 'string' },
    'source-path': { type: 'string' }, seed: { type: 'string' }, 'since-last': { type: 'boolean' }, export: { type: 'string' }, 'no-export': { type: 'boolean' },
    overwrite: { type: 'boolean' }, horizon: { type: 'string' }, 'workflow-id': { type: 'string' }, 'no-worker': { type: 'boolean' }, json: { type: 'boolean' },
    'demo-portfolio': { type: 'boolean' },
  }, 'run');
  if (values.help) return out(help), 0;
  const args: PipelineInputArgs = {
    symbols: (values.symbols ?? 'AAPL,GOOG,SPY').split(',').map((s) => s.trim()).filter(Boolean),
    from: values.from ?? '2015-01-02',
    to: values.to ?? '2017-12-29',
    source: (values.source ?? 'bundled') as PipelineInputArgs['source'],
    // A local folder, as any command-line tool reads it: from the current directory.
    ...(values['source-path'] ? { sourcePath: path.resolve(values['source-path']) } : {}),
    ...(values.seed ? { seed: Number(values.seed) } : {}),
    ...(values['since-last'] ? { sinceLast: true } : {}),
    export: {
      enabled: !values['no-export'],
      ...(values.export ? { path: values.export } : {}),
      ...(values.overwrite ? { overwrite: true } : {}),
      ...(values.horizon ? { horizon: Number(values.horizon) } : {}),
    },
    // The demo's optimisation reads the baseline model's predictions: train it (a second or two) in the pipeline.
    ...(values['demo-portfolio'] && !values['no-export'] ? { model: { enabled: true } } : {}),
  };
  // Same schema as the workflow: a bad flag fails here, before anything starts.
  const checked = pipelineInputSchema.safeParse(args);
  if (!checked.success) throw new InputError(describeInputIssues(checked.error), 'tickflow run');
  const json = Boolean(values.json);
  const workflowId = values['workflow-id'] ?? `tickflow-pipeline-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;

  return withRuntime({ temporal: true, migrate: true }, async (rt) => {
    let modelRun: string | undefined;
    const code = await startAndFollow({
      rt, workflow: marketDataPipeline, input: checked.data, workflowId, json, wait: true, noWorker: Boolean(values['no-worker']),
      progress: { read: (h) => h.query(progressQuery), line: (p) => `[${p.stagesDone}/${p.stagesTotal}] ${p.stage}…` },
      summary: (s, meta) => ((modelRun = s.model?.training.modelTrainingRunId), summary(s, meta)),
      jsonResult: (s, meta) => ((modelRun = s.model?.training.modelTrainingRunId), { ...meta, status: 'completed', ...s }),
    });
    if (code === 0 && values['demo-portfolio']) {
      const portfolio = await runDemoPortfolio(rt, Boolean(values['no-worker']));
      if (portfolio !== 0) return portfolio;
      const risk = await runDemoRisk(rt, Boolean(values['no-worker']));
      if (risk !== 0) return risk;
      if (modelRun) {
        const optimized = await runDemoOptimize(rt, Boolean(values['no-worker']), modelRun, checked.data.symbols, checked.data.to);
        if (optimized !== 0) return optimized;
      }
      const documents = await runDemoDocuments(rt, Boolean(values['no-worker']));
      if (documents !== 0) return documents;
      const security = await runDemoSecurity(rt);
      if (security !== 0) return security;
      const policy = runSecurityIoDemo(rt.config);
      if (policy !== 0) return policy;
    }
    if (!json && rt.temporal?.startedDevServer) {
      err(`· the Temporal dev server keeps running for the Web UI (${rt.config.temporal.uiUrl}); stop it with: npx tickflow services stop`);
    }
    if (!json && code === 0) {
      const { host, port } = rt.config.ui;
      err(`· browse runs, lineage, quality, features, portfolios and documents: npx tickflow ui → http://${host.includes(':') ? `[${host}]` : host}:${port}`);
    }
    return code;
  }, json);
}

function summary(s: PipelineSummary, { workflowId, runId }: FollowMeta): string {
  const q = s.quality;
  return `
✓ pipeline completed
  PipelineRun     ${s.pipelineRunId}
  workflow        ${workflowId} (run ${runId})
  rows imported   ${s.import.stored} stored of ${s.import.received} received (${s.import.inserted} new, ${s.import.revised} revised, ${s.import.unchanged} unchanged; ${s.import.quarantined} quarantined, ${s.import.exactDuplicates} exact duplicates)
  features        ${s.features.rows} bars × ${s.features.features} features, version ${s.features.featureSetVersion}
  quality         ${q.blockingFailures.length === 0 ? 'PASS' : 'BLOCKED'}: ${q.passed}/${q.rulesEvaluated} rules passed${q.warnings.length ? `; warnings: ${q.warnings.join(', ')}` : ''}
  export          ${s.export ? `${s.export.path} (${s.export.rows} rows, sha256 ${s.export.sha256.slice(0, 16)}…)` : 'skipped'}`;
}

export const runCommand: Command = { name: 'run', summary: 'run the pipeline (import → features → quality → export) and wait for it', help, run };
