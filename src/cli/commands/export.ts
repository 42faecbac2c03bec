// `tickflow export`: a point-in-time training set (features + label, split by time with an embargo) to CSV, JSON
// Lines or Parquet, with its manifest and a PipelineRun + DataLineage row.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../../contracts/errors';
import { isoDateSchema, tickerSchema } from '../../contracts/schemas';
import { runStandaloneExport } from '../../export/standalone-export';
import { DEFAULT_SPLITS, EXPORT_EXTENSIONS, type ExportFormat } from '../../export/training-export';
import { parseLabelSpec } from '../../export/label-spec';
import { parse } from '../args';
import { err, out, withRuntime, type Command } from '../context';

const help = `Usage: tickflow export (--symbols A,B | --universe all|FILE) --from YYYY-MM-DD --to YYYY-MM-DD [options]

  --features SET[@VERSION],…  feature sets joined on the same bars; the first defines the rows (default "default")
  --label SPEC                fwd_return:N | direction:N | expr:<expression over close[k]> (default fwd_return:5)
  --format csv|jsonl|parquet  (default: from --out's extension, else csv)
  --out PATH                  output file (default <TICKFLOW_EXPORT_DIR>/export-<date>-<id>.<format>)
  --train 0.7 --validation 0.15   shares of dates; test gets the rest; the label horizon is the embargo between splits
  --universe all              every symbol with features of the first set in the range; FILE: one ticker per line
  --no-gate                   export without running the quality gate first (the manifest records gate: skipped)
  --json                      print the result as JSON

The quality rules run over the export's scope first, like the pipeline's gate: a blocking failure writes no file
and exits 1. Writes PATH and PATH.manifest.json (query, feature-set versions, rows and date range per split,
sha256, the gate and its results, PipelineRun). See docs/export.md.`;

const share = z.coerce.number().min(0).max(1);

function flag<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new InputError(`${r.error.issues[0].message} (got ${JSON.stringify(value ?? null)})`, `--${name}`);
  return r.data;
}

const list = (v: string) => v.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);

function universe(symbols: string | undefined, universeFlag: string | undefined): string[] | 'all' {
  if (symbols && universeFlag) throw new InputError('give --symbols or --universe, not both', 'tickflow export');
  if (symbols) return flag('symbols', z.array(tickerSchema).min(1), list(symbols));
  if (!universeFlag) throw new InputError('needs --symbols A,B or --universe all|FILE', 'tickflow export');
  if (universeFlag === 'all') return 'all';
  if (!fs.existsSync(universeFlag)) throw new InputError(`no file ${universeFlag} (and not "all")`, '--universe');
  return flag('universe', z.array(tickerSchema).min(1, 'the file lists no ticker'), list(fs.readFileSync(universeFlag, 'utf8').replace(/#.*$/gm, '')));
}

async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    symbols: { type: 'string' }, universe: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, features: { type: 'string' },
    label: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, train: { type: 'string' }, validation: { type: 'string' },
    interval: { type: 'string' }, 'no-gate': { type: 'boolean' }, json: { type: 'boolean' },
  }, 'export');
  if (values.help) return out(help), 0;
  const symbols = universe(values.symbols, values.universe);
  const from = flag('from', isoDateSchema, values.from);
  const to = flag('to', isoDateSchema, values.to);
  if (from > to) throw new InputError(`from ${from} is after to ${to}`, '--from');
  const label = (values.label ?? 'fwd_return:5');
  parseLabelSpec(label); // fail on a bad spec before connecting
  const byExtension = values.out ? path.extname(values.out).slice(1) : '';
  const format = flag('format', z.enum(['csv', 'jsonl', 'parquet']), values.format ?? (byExtension in EXPORT_EXTENSIONS ? byExtension : 'csv')) as ExportFormat;
  const splits = {
    train: values.train === undefined ? DEFAULT_SPLITS.train : flag('train', share, values.train),
    validation: values.validation === undefined ? DEFAULT_SPLITS.validation : flag('validation', share, values.validation),
  };
  const json = Boolean(values.json);
  return withRuntime({ migrate: true }, async ({ dataSource, config }) => {
    const outPath = path.resolve(values.out ?? path.join(config.exportDir, `export-${new Date().toISOString().slice(0, 10)}-${Date.now().toString(36)}.${EXPORT_EXTENSIONS[format]}`));
    const r = await runStandaloneExport(dataSource, {
      symbols, interval: flag('interval', z.enum(['1d']), values.interval ?? '1d'), from, to,
      featureSetVersions: list(values.features ?? 'default'), label, format, splits, outPath, gate: !values['no-gate'],
    }, { customRules: config.customRules });
    if (json) out(JSON.stringify(r, null, 2));
    if (r.status === 'blocked') {
      if (!json) {
        err(`✗ export refused: the quality gate blocked it: ${r.gate.blockingFailures.join(', ')} failed (ValidationResult ids ${r.gate.validationResultIds.join(', ')})\n`
          + `  what to do: see the failing rows with \`tickflow quality history --run ${r.pipelineRunId}\`, fix or re-import the data and export again, `
          + 'or export anyway with --no-gate (recorded in the manifest)');
      }
      return 1;
    }
    if (!json) {
      out(`✓ exported ${r.rows} rows × ${r.columns.length} columns (${r.format}) to ${r.path}`);
      for (const s of ['train', 'validation', 'test'] as const) out(`  ${s.padEnd(10)} ${String(r.splits[s].rows).padStart(9)} rows  ${r.splits[s].from ?? '-'} .. ${r.splits[s].to ?? '-'}`);
      out(`  label      ${r.label.column} (${r.label.spec})\n  sha256     ${r.sha256}\n  manifest   ${r.manifestPath}\n  PipelineRun ${r.pipelineRunId}`);
      out(`  gate       ${r.gate ? `pass: ${r.gate.validationResultIds.length} rule results${r.gate.warnings.length ? `; warnings: ${r.gate.warnings.join(', ')}` : ''}` : 'skipped (--no-gate)'}`);
    }
    return 0;
  }, json);
}

export const exportCommand: Command = { name: 'export', summary: 'write a point-in-time training set (CSV, JSON Lines or Parquet) with its manifest', help, run };
