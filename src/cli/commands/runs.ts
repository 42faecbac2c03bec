// `tickflow runs`: pipeline runs and their lineage, from PostgreSQL.
import { InputError } from '../../contracts/errors';
import { RunRepository } from '../../repositories/run-repository';
import { parse } from '../args';
import { err, out, usage, withRuntime, workflowUiLink, type Command } from '../context';

const help = `Usage: tickflow runs list [--limit N] [--json]
       tickflow runs show <pipeline-run-id | workflow-id> [--json]`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, limit: { type: 'string' } }, 'runs');
  const [action, id] = positionals;
  if (values.help || !action) return usage(help, values.help);
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

export const runsCommand: Command = { name: 'runs', summary: 'list pipeline runs, or show one with its lineage', help, actions: ['list', 'show'], run };
