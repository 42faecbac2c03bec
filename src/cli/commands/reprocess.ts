// `tickflow reprocess`: recompute a feature-set version over the stored history and re-run quality over it.
import crypto from 'node:crypto';
import { reprocess, reprocessProgressQuery } from '../../../workflows';
import { reprocessInputSchema } from '../../../workflows/reprocess';
import { parse } from '../args';
import { out, withRuntime, type Command } from '../context';
import { checkInput, parseJsonFlag, startAndFollow } from '../follow';

const help = `Usage: tickflow reprocess [--input JSON] [--set NAME] [--version V] [--symbols A,B] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
                         [--no-quality] [--workflow-id ID] [--no-worker] [--no-wait] [--json]

Starts the reprocess workflow: recomputeFeatures (a child, skipped when the same recompute already completed)
then the quality rules over the same history. Flags override --input fields; the default is the whole history
of every stored symbol with the "default" set's current version.`;

async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    input: { type: 'string' }, set: { type: 'string' }, version: { type: 'string' }, symbols: { type: 'string' }, from: { type: 'string' },
    to: { type: 'string' }, 'no-quality': { type: 'boolean' }, 'workflow-id': { type: 'string' }, 'no-worker': { type: 'boolean' },
    'no-wait': { type: 'boolean' }, json: { type: 'boolean' },
  }, 'reprocess');
  if (values.help) return out(help), 0;
  const flags = {
    featureSet: values.set, version: values.version, symbols: values.symbols?.split(',').map((s) => s.trim()).filter(Boolean),
    from: values.from, to: values.to, quality: values['no-quality'] ? false : undefined,
  };
  const merged = { ...parseJsonFlag(values.input, '--input'), ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) };
  const input = checkInput(reprocessInputSchema, merged, 'tickflow reprocess');
  const json = Boolean(values.json);
  const workflowId = values['workflow-id'] ?? `tickflow-reprocess-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
  return withRuntime({ temporal: true, migrate: true }, (rt) => startAndFollow({
    rt, workflow: reprocess, input, workflowId, noWorker: Boolean(values['no-worker']), wait: !values['no-wait'], json,
    progress: { read: (h) => h.query(reprocessProgressQuery), line: (p) => `[${p.stage}] quality ${p.qualityChunksDone}/${p.qualityChunksTotal} chunks` },
    summary: (s) => `✓ reprocess completed\n  PipelineRun     ${s.pipelineRunId}\n  version         ${s.version} (${s.featureSet}), ${s.symbols} symbols, ${s.featureRows} feature rows${s.recomputed ? '' : ' (recompute already done)'}\n  quality         ${s.quality.blockingFailures.length === 0 ? 'PASS' : `BLOCKING: ${s.quality.blockingFailures.join(', ')}`}: ${s.quality.passed}/${s.quality.rulesEvaluated} rule evaluations passed${s.range ? ` over ${s.range.from}..${s.range.to}` : ''}`,
  }), json);
}

export const reprocessCommand: Command = { name: 'reprocess', summary: 'recompute a feature-set version over history and re-run quality', help, run };
