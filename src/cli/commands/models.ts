// `tickflow models`: model training runs (ModelTrainingRun) and their predictions, from PostgreSQL.
import { InputError } from '../../contracts/errors';
import { DerivedStalenessRepository } from '../../repositories/derived-staleness-repository';
import { ModelRepository } from '../../repositories/model-repository';
import { parse } from '../args';
import { err, out, usage, withRuntime, type Command } from '../context';

const help = `Usage: tickflow models list [--limit N] [--json]
       tickflow models show <model-training-run-id> [--predictions N] [--json]

Models are trained by the pipeline when its input has "model": { "enabled": true } (see docs/export.md).`;

const fmt = (v: number) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3));

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, limit: { type: 'string' }, predictions: { type: 'string' } }, 'models');
  const [action, id] = positionals;
  if (values.help || !action) return usage(help, values.help);
  const count = (name: string, v: string | undefined, d: number) => {
    const n = v === undefined ? d : Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InputError(`expected a whole number (got "${v}")`, `--${name}`);
    return n;
  };
  return withRuntime({ migrate: true }, async ({ dataSource }) => {
    const models = new ModelRepository(dataSource);
    const staleOf = (ids: string[]) => (ids.length ? new DerivedStalenessRepository(dataSource).open({ kind: 'model_prediction', keys: ids }) : Promise.resolve([]));
    if (action === 'list') {
      const rows = await models.list(count('limit', values.limit, 20));
      const marks = await staleOf(rows.map((r) => r.id));
      if (values.json) out(JSON.stringify(rows.map((r) => ({ ...r, stalePredictions: marks.filter((m) => m.key === r.id) })), null, 2));
      else if (rows.length === 0) out('no model training runs yet');
      else {
        for (const r of rows) {
          const score = r.metrics.test_ic !== undefined ? `test ic ${fmt(r.metrics.test_ic)}` : r.metrics.test_accuracy !== undefined ? `test acc ${fmt(r.metrics.test_accuracy)}` : '';
          const stale = marks.filter((m) => m.key === r.id);
          out(`${r.id}  ${r.status.padEnd(9)}  ${r.modelType.padEnd(8)}  ${new Date(r.startedAt).toISOString()}  ${score}  ${r.datasetPath}${stale.length ? `  STALE predictions (${stale.map((m) => m.scope).join(', ')})` : ''}`);
        }
      }
      return 0;
    }
    if (action === 'show') {
      if (!id) throw new InputError('needs a model training run id', 'tickflow models show');
      const r = await models.get(id);
      if (!r) {
        err(`no model training run ${id}`);
        return 1;
      }
      const predictions = await models.predictionsOf(r.id, count('predictions', values.predictions, 20));
      const marks = await staleOf([r.id]);
      if (values.json) out(JSON.stringify({ ...r, predictions, stalePredictions: marks }, null, 2));
      else {
        out(`ModelTrainingRun ${r.id}\n  model      ${r.modelType}  ${JSON.stringify(r.hyperParameters)}\n  status     ${r.status}`);
        out(`  dataset    ${r.datasetPath}\n  sha256     ${r.datasetHash}\n  features   ${r.featureSetVersions.join(', ')}\n  splits     ${JSON.stringify(r.splitRanges)}`);
        out(`  started    ${new Date(r.startedAt).toISOString()}  finished ${r.finishedAt ? new Date(r.finishedAt).toISOString() : '-'}\n  artifact   ${r.artifactPath ?? '-'}\n  metrics:`);
        for (const [k, v] of Object.entries(r.metrics)) out(`    ${k.padEnd(20)} ${fmt(v)}`);
        out(`  predictions (${predictions.length} latest):`);
        for (const p of predictions) out(`    ${p.symbol.padEnd(8)} ${new Date(p.ts).toISOString()}  ${fmt(p.value)}  ${p.featureSetVersion}`);
        for (const m of marks) out(`  STALE      predictions of ${m.scope} from ${m.staleFrom.slice(0, 10)}: their features' ${m.cause.input} changed since training; train a new model`);
      }
      return 0;
    }
    throw new InputError(`unknown action "${action}" (list or show)`, 'tickflow models');
  }, Boolean(values.json));
}

export const modelsCommand: Command = { name: 'models', summary: 'list model training runs, or show one with its metrics and predictions', help, actions: ['list', 'show'], run };
