// `npm run bench [-- <stage>...]`: runs the stage benchmarks, prints a table, writes bench-results.json.
// Each stage module in this folder (<stage>.bench.ts) measures its own limit in the same run, on the same machine.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, projectRoot } from '../../src/config';
import { scratchDatabase, type BenchResult, type BenchStage, type Stage } from './harness';

const STAGES: Stage[] = ['import', 'features', 'quality', 'export', 'orchestration', 'portfolio', 'risk', 'optimize', 'vectors', 'scale'];

function loadStage(stage: Stage): BenchStage | undefined {
  const file = path.join(__dirname, `${stage}.bench.js`);
  if (!fs.existsSync(file)) return undefined;
  return (require(file) as { bench: BenchStage }).bench;
}

function table(results: BenchResult[]): string {
  const rows = results.map((r) => [r.name, r.value.toPrecision(4), r.unit, r.limit, r.ratio === null ? '-' : r.ratio.toFixed(2), r.note ?? '']);
  const head = ['name', 'value', 'unit', 'limit', 'ratio', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((s) => !STAGES.includes(s as Stage));
  if (unknown.length) {
    process.stderr.write(`bench: unknown stage(s) ${unknown.join(', ')} (known: ${STAGES.join(', ')})\n`);
    return 2;
  }
  const config = loadConfig();
  // scale runs only when named (`npm run bench -- scale`): up to an hour at full size.
  const stages = (wanted.length ? (wanted as Stage[]) : STAGES.filter((s) => s !== 'scale')).map((s) => [s, loadStage(s)] as const);
  const adminUrl = process.env.TEST_DATABASE_URL ?? config.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const results: BenchResult[] = [];
  for (const [stage, bench] of stages) {
    if (!bench) {
      process.stderr.write(`bench: no benchmark for stage "${stage}" yet\n`);
      continue;
    }
    const db = await scratchDatabase(adminUrl);
    try {
      process.stderr.write(`bench: ${stage} (scale ${config.benchScale})\n`);
      results.push(...(await bench.run({ ds: db.ds, databaseUrl: db.url, scale: config.benchScale, log: (m) => process.stderr.write(`  ${m}\n`) })));
    } finally {
      await db.drop();
    }
  }
  process.stdout.write(`${table(results)}\n`);
  // Keep other stages' figures when one stage is re-run.
  const file = path.join(projectRoot, 'bench-results.json');
  const previous: BenchResult[] = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
  const ran = new Set(stages.filter(([, b]) => b).map(([s]) => `${s}.`));
  const kept = previous.filter((r) => ![...ran].some((p) => r.name.startsWith(p)));
  const merged = [...kept, ...results.map(({ name, value, unit, limit, ratio }) => ({ name, value, unit, limit, ratio }))];
  fs.writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
  process.stderr.write(`bench: wrote ${results.length} figure(s) to ${file}\n`);
  return 0;
}

main().then((code) => (process.exitCode = code), (e) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
