// `tickflow features`: read the feature store (ranges, latest, as of an instant), list versions, diff two versions,
// and recompute a version over history through the recomputeFeatures workflow.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';
import { InputError } from '../../contracts/errors';
import { dayEndOrInstantSchema, isoDateSchema, tickerSchema as symbol } from '../../contracts/schemas';
import { FeatureStore } from '../../features/feature-store';
import { DerivedStalenessRepository } from '../../repositories/derived-staleness-repository';
import { FeatureRepository } from '../../repositories/feature-repository';
import { recomputeFeatures } from '../../../workflows';
import { describeInputIssues } from '../../../workflows/pipeline-input';
import { recomputeInputSchema, type RecomputeInputArgs } from '../../../workflows/recompute-features';
import { parse } from '../args';
import { out, usage, withRuntime, type Command } from '../context';
import { startAndFollow } from '../follow';

const help = `Usage: tickflow features <action> [options]

  get --symbol S --from YYYY-MM-DD --to YYYY-MM-DD [--names a,b] [--set NAME | --version V] [--json]
        stored values of one symbol (CSV: ts then one column per feature; empty = missing)
  latest --symbol S[,S2…] [--set NAME | --version V] [--json]
        newest vector per symbol (Redis first, PostgreSQL on a miss or outage)
  as-of --symbol S --at TIMESTAMP [--set NAME | --version V] [--json]
        the vector at the last bar at or before TIMESTAMP (YYYY-MM-DD = end of that day, UTC;
        a time needs Z or an offset, e.g. 2017-06-30T16:00:00-04:00)
  versions [--set NAME] [--json]
        registered versions, newest first; a stale one (prices revised since) lists its symbols and stale-from dates
  diff --base V1 --target V2 [--symbol S,S2] [--json]
        per feature: bars compared, values changed and the largest change
  recompute [--set NAME] [--version V] [--definitions FILE.json] [--symbol S,S2] [--from --to]
            [--workflow-id ID] [--no-worker] [--json]
        compute a version over history (workflow recomputeFeatures); other versions are never touched
  recompute --stale [--version V] [--symbol S,S2] [--no-worker] [--json]
        recompute every stale version (or V) from each symbol's stale-from date on, and clear the marks

  --set defaults to "default" (its current declared version); --interval defaults to 1d.`;


/** Checks one flag with zod; the error names the flag and the value. */
function flag<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new InputError(`${r.error.issues[0].message} (got ${JSON.stringify(value ?? null)})`, `--${name}`);
  return r.data;
}

const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));
const dayEnd = (d: string) => new Date(`${d}T23:59:59.999Z`);
const cell = (v: number | null) => (v === null ? '' : String(v));

const options = {
  symbol: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, names: { type: 'string' }, set: { type: 'string' },
  version: { type: 'string' }, at: { type: 'string' }, base: { type: 'string' }, target: { type: 'string' }, interval: { type: 'string' },
  definitions: { type: 'string' }, 'workflow-id': { type: 'string' }, 'no-worker': { type: 'boolean' }, json: { type: 'boolean' },
  stale: { type: 'boolean' },
} as const;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, options, 'features');
  const [action] = positionals;
  if (values.help || !action) return usage(help, values.help);
  const json = Boolean(values.json);
  const interval = flag('interval', z.enum(['1d']), values.interval ?? '1d');
  const pick = { set: values.set, version: values.version };
  if (action === 'recompute') return recompute(values, json);

  return withRuntime({ migrate: true }, async ({ dataSource, featureCache }) => {
    const repo = new FeatureRepository(dataSource);
    const store = new FeatureStore(repo, featureCache);
    if (action === 'get') {
      const s = flag('symbol', symbol, values.symbol);
      const from = flag('from', isoDateSchema, values.from);
      const to = flag('to', isoDateSchema, values.to);
      const w = await store.window({ symbol: s, interval, from: new Date(`${from}T00:00:00Z`), to: dayEnd(to), ...pick, names: list(values.names) });
      if (json) out(JSON.stringify({ symbol: s, version: w.version, names: w.names, rows: w.rows.map((r) => ({ ts: r.ts.toISOString(), values: r.values })) }));
      else {
        out(['ts', ...w.names].join(','));
        for (const r of w.rows) out([r.ts.toISOString(), ...r.values.map(cell)].join(','));
      }
      return 0;
    }
    if (action === 'latest' || action === 'as-of') {
      const symbols = flag('symbol', z.array(symbol).min(1, 'needs at least one symbol'), list(values.symbol) ?? []);
      const { version } = await store.resolveVersion(pick);
      const atTs = action === 'as-of' ? flag('at', dayEndOrInstantSchema, values.at) : undefined;
      const vectors = [];
      for (const s of symbols) vectors.push({ symbol: s, ...(await (atTs ? store.asOf(version, s, interval, atTs) : store.latest(version, s, interval))) });
      if (json) out(JSON.stringify({ version, vectors }, null, 2));
      else for (const v of vectors) out(`${v.symbol}  ${v.ts ?? 'no stored features'}  ${v.values ? JSON.stringify(v.values) : ''}`);
      return vectors.every((v) => v.ts) ? 0 : 1;
    }
    if (action === 'versions') {
      const rows = await repo.versions({ name: values.set });
      const marks = await new DerivedStalenessRepository(dataSource).open({ kind: 'feature_data', keys: rows.map((r) => r.version), interval });
      const staleOf = (version: string) => marks.filter((m) => m.key === version).map((m) => ({ symbol: m.scope, staleFrom: m.staleFrom, cause: m.cause }));
      if (json) out(JSON.stringify(rows.map((r) => ({ ...r, stale: staleOf(r.version) })), null, 2));
      else {
        for (const r of rows) {
          const stale = staleOf(r.version);
          const mark = stale.length === 0 ? '' : `  STALE ${stale.map((m) => `${m.symbol} from ${m.staleFrom.slice(0, 10)}`).join(', ')}`;
          out(`${r.version}  ${r.name}  ${r.featureNames.length} features  warm-up ${r.warmupBars}  ${r.createdAt.toISOString()}${mark}`);
        }
      }
      return 0;
    }
    if (action === 'diff') {
      const base = flag('base', z.string().min(1, 'needs a version'), values.base);
      const target = flag('target', z.string().min(1, 'needs a version'), values.target);
      const symbols = values.symbol ? flag('symbol', z.array(symbol), list(values.symbol)) : null;
      const rows = await store.diff(base, target, symbols);
      if (json) out(JSON.stringify({ base, target, features: rows }, null, 2));
      else {
        out(`feature,compared,changed,max_abs_change,presence_changed`);
        for (const r of rows) out(`${r.name},${r.compared},${r.changed},${r.maxAbsChange ?? ''},${r.presenceChanged}`);
      }
      return 0;
    }
    throw new InputError(`unknown action "${action}" (get, latest, as-of, versions, diff or recompute)`, 'tickflow features');
  }, json);
}

async function recompute(values: Record<string, string | boolean | undefined>, json: boolean): Promise<number> {
  let definitions: unknown;
  if (typeof values.definitions === 'string') {
    try {
      definitions = JSON.parse(fs.readFileSync(values.definitions, 'utf8'));
    } catch (e) {
      throw new InputError(`cannot read a JSON array of definitions from ${values.definitions}: ${(e as Error).message}`, '--definitions');
    }
  }
  const args: RecomputeInputArgs = {
    featureSet: (values.set as string | undefined) ?? 'default',
    ...(values.version ? { version: values.version as string } : {}),
    ...(definitions !== undefined ? { definitions: definitions as RecomputeInputArgs['definitions'] } : {}),
    ...(values.symbol ? { symbols: list(values.symbol as string) } : {}),
    ...(values.from ? { from: values.from as string } : {}),
    ...(values.to ? { to: values.to as string } : {}),
    ...(values.stale ? { stale: true } : {}),
  };
  // Same schema as the workflow: a bad flag fails here, before anything starts.
  const checked = recomputeInputSchema.safeParse(args);
  if (!checked.success) throw new InputError(describeInputIssues(checked.error), 'tickflow features recompute');
  const workflowId = (values['workflow-id'] as string | undefined) ?? `tickflow-recompute-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;

  return withRuntime({ temporal: true, migrate: true }, (rt) => startAndFollow({
    rt, workflow: recomputeFeatures, input: checked.data, workflowId, json, wait: true, noWorker: Boolean(values['no-worker']),
    summary: (s) => s.versions
      ? `✓ recomputed stale version(s) ${s.versions.join(', ') || '(none were stale)'}: ${s.rows} rows (${s.written} written) over ${s.symbols} symbol(s)\n  PipelineRun ${s.pipelineRunId}`
      : `✓ recomputed ${s.featureSet} version ${s.version}: ${s.rows} rows (${s.written} written) × ${s.features} features over ${s.symbols} symbol(s); ${s.cached} cached\n  PipelineRun ${s.pipelineRunId}`,
    jsonResult: (s, meta) => ({ ...meta, status: 'completed', ...s }),
  }), json);
}

export const featuresCommand: Command = {
  name: 'features', summary: 'read stored features (get, latest, as-of), list versions, diff two, recompute a version', help, actions: ['get', 'latest', 'as-of', 'versions', 'diff', 'recompute'], run,
};
