// `tickflow lineage`: which runs and sources produced a dataset (upstream), what was built from it (downstream),
// and `reconcile`: a run's DataLineage rows against its Temporal history.
import { datasetsConnect, reconcileRunTree, walkLineage, type LineageNode } from '../../../activities/lineage';
import { formatDatasetRef, parseDatasetRef } from '../../contracts/dataset-ref';
import { InputError } from '../../contracts/errors';
import { RunRepository } from '../../repositories/run-repository';
import { parse } from '../args';
import { out, usage, withRuntime, type Command } from '../context';

const help = `Usage: tickflow lineage <dataset | pipeline-run id | workflow id> [--upstream | --downstream] [--depth N] [--json]
       tickflow lineage reconcile <pipeline-run id | workflow id> [--json]

A dataset is what lineage rows name (src/contracts/dataset-ref.ts): price_data:<interval>:<symbols>:<from>..<to>,
feature_data:<version>:<interval>:<symbols>:<from>..<to> (start/end for an open bound), file:<path> (an export or
a source file), model_training_run:<id>, model_prediction:<model training run id>, validation_result:pipeline_run=<id>,
company_fundamental:<symbols>, synthetic:seed=<n>:<symbol>:<interval>, or a provider URL. A bare path of an exported
file works too. Price or feature datasets of the same series connect when their symbols and dates overlap. --upstream (default) answers "which runs and sources produced
this"; --downstream "what was built from it". --depth (default 10) limits activity hops.

reconcile checks that every completed data activity in the run's history (and its children's) has exactly one
DataLineage row and that no row exists for an activity that did not complete. Exit code 1 on any mismatch.`;

function printTree(node: LineageNode, arrow: string, indent = ''): void {
  const v = node.via;
  out(`${indent}${node.dataset}${v ? `  ${arrow} ${v.activityType} (${v.rowsOut} rows) in ${v.workflowType} ${v.workflowId}` : ''}`);
  for (const c of node.children) printTree(c, arrow, `${indent}  `);
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    upstream: { type: 'boolean' }, downstream: { type: 'boolean' }, depth: { type: 'string' }, json: { type: 'boolean' },
  }, 'lineage');
  if (values.help || positionals.length === 0) return usage(help, values.help);
  if (values.upstream && values.downstream) throw new InputError('give --upstream or --downstream, not both', 'tickflow lineage');
  const depth = values.depth === undefined ? 10 : Number(values.depth);
  if (!Number.isInteger(depth) || depth < 1 || depth > 100) throw new InputError(`expected an integer 1..100, got ${JSON.stringify(values.depth)}`, '--depth');
  const json = Boolean(values.json);

  if (positionals[0] === 'reconcile') {
    const id = positionals[1];
    if (!id) throw new InputError('needs a pipeline-run id or workflow id', 'tickflow lineage reconcile');
    return withRuntime({ temporal: true, migrate: true }, async (rt) => {
      const runs = new RunRepository(rt.dataSource);
      const run = await runs.get(id);
      if (!run) throw new InputError(`no pipeline run ${id}`, 'tickflow lineage reconcile');
      const reports = await reconcileRunTree(rt.temporal!.client, runs, run.id);
      const problems = reports.flatMap((r) => r.problems.map((p) => `${r.workflowId}/${r.runId}: ${p}`));
      if (json) out(JSON.stringify({ ok: problems.length === 0, runs: reports }, null, 2));
      else {
        for (const r of reports) out(`${r.problems.length === 0 ? '✓' : '✗'} ${r.workflowType} ${r.workflowId}: ${r.completed} completed data activities, ${r.rows} lineage rows`);
        for (const p of problems) out(`  ${p}`);
        out(problems.length === 0 ? `lineage reconciles with history (${reports.length} run(s))` : `${problems.length} mismatch(es)`);
      }
      return problems.length === 0 ? 0 : 1;
    }, json);
  }

  const target = positionals[0];
  const direction = values.downstream ? 'downstream' : 'upstream';
  return withRuntime({ migrate: true }, async ({ dataSource }) => {
    const runs = new RunRepository(dataSource);
    const edges = await runs.lineageGraphRows();
    let start: string[];
    const asRun = /^[A-Za-z0-9][\w.-]*$/.test(target) && !target.includes(':') ? await runs.get(target) : null;
    if (asRun) {
      const own = edges.filter((e) => e.pipelineRunId === asRun.id || e.workflowId === asRun.workflowId);
      start = [...new Set(own.map((e) => e.outputDataset))];
    } else {
      const ref = formatDatasetRef(target.includes(':') ? parseDatasetRef(target) : { kind: 'file', path: target });
      start = [ref];
      if (!edges.some((e) => datasetsConnect(e.outputDataset, ref) || e.inputDatasets.some((d) => datasetsConnect(ref, d)))) {
        throw new InputError(`no lineage row produces or reads ${ref}`, 'tickflow lineage');
      }
    }
    const answer = walkLineage(edges, start, direction, depth);
    if (json) out(JSON.stringify(answer, null, 2));
    else {
      for (const r of answer.roots) printTree(r, direction === 'upstream' ? '←' : '→');
      out(`\nruns (${answer.runs.length}):`);
      for (const r of answer.runs) out(`  ${r.pipelineRunId}  ${r.workflowType}  ${r.workflowId}`);
      out(`${direction === 'upstream' ? 'sources' : 'final datasets'} (${answer.ends.length}):`);
      for (const e of answer.ends) out(`  ${e}`);
    }
    return 0;
  }, json);
}

export const lineageCommand: Command = { name: 'lineage', summary: 'trace datasets upstream/downstream, or reconcile a run\'s lineage with its history', help, actions: ['reconcile'], run };
