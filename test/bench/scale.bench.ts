// Scale (docs/scale.md): a whole market on one machine, costs that grow linearly, and the path past one machine.
//   curve      the daily backfill end to end from empty databases at 1 M, 5 M and 25 M bars (the last is the
//              5,000-symbol × 20-year market): throughput, every process's peak memory, bytes per bar, and a year
//              window read and a point-in-time export on the smallest against the largest (scale-curve.ts)
//   intraday   500 symbols × 1 year of 1-minute bars: import and features (scale-intraday.ts)
//   layout     single tables with BRIN against partitioning by year, by symbol hash, and both (scale-layout.ts)
//   workers    the backfill on 1, 2 and 4 worker processes on one task queue: throughput, spread, PostgreSQL's share
// TICKFLOW_BENCH_SCALE multiplies every size; TICKFLOW_BENCH_SCALE_PARTS=curve,layout runs only those parts.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from '../../src/config';
import { ensureTemporalCli } from '../../src/services/temporal-cli';
import { installWorkerLogging } from '../../src/worker';
import { searchAttributeKeys } from '../../workflows/search-attributes';
import { runBackfill, type BackfillRun } from './scale-backfill';
import { costCurve } from './scale-curve';
import { intraday } from './scale-intraday';
import { layouts } from './scale-layout';
import { scratchDatabase, type BenchContext, type BenchResult, type BenchStage } from './harness';

const PARTS = ['curve', 'intraday', 'layout', 'workers'] as const;
const WORKERS = [1, 2, 4];
const WORKERS_RANGE = { from: '2010-01-04', to: '2019-12-31' };

async function workers(ctx: BenchContext, env: TestWorkflowEnvironment): Promise<BenchResult[]> {
  const symbols = Math.max(8, Math.round(500 * ctx.scale));
  const runs: BackfillRun[] = [];
  for (const n of WORKERS) {
    const db = await scratchDatabase(ctx.databaseUrl);
    try {
      runs.push(await runBackfill({ env, databaseUrl: db.url, symbols, range: WORKERS_RANGE, workers: n, exportEnabled: true, log: ctx.log }));
    } finally {
      await db.drop();
    }
  }
  const one = runs[0];
  return runs.flatMap((r, i): BenchResult[] => {
    const n = WORKERS[i];
    const total = r.spread.reduce((a, b) => a + b, 0);
    const minShare = Math.min(...r.spread) / total;
    return [
      { name: `scale.workers_${n}_bars_per_s`, value: r.barsPerS, unit: 'bars/s', limit: 'scale.workers_1_bars_per_s', ratio: r.barsPerS / one.barsPerS,
        note: `${r.bars} bars, ${r.children} children, ${r.seconds.toFixed(1)} s` },
      { name: `scale.workers_${n}_spread_min_share`, value: minShare, unit: 'share', limit: `an even spread (1/${n})`, ratio: minShare * n,
        note: `activities per worker: ${r.spread.join(', ')}` },
      { name: `scale.workers_${n}_pg_busy_share`, value: r.probe.pgBusyShare, unit: 'share', limit: '-', ratio: null,
        note: `mean ${r.probe.pgMeanActive.toFixed(2)} statements running; worker peak RSS ${r.probe.workerPeakMb.map((m) => m.toFixed(0)).join(', ')} MiB` },
    ];
  });
}

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const wanted = process.env.TICKFLOW_BENCH_SCALE_PARTS?.split(',').map((p) => p.trim()) ?? [...PARTS];
  const unknown = wanted.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`TICKFLOW_BENCH_SCALE_PARTS: unknown part(s) ${unknown.join(', ')} (known: ${PARTS.join(', ')})`);
  const results: BenchResult[] = [];
  const timed = async (part: string, fn: () => Promise<BenchResult[]>) => {
    const t0 = Date.now();
    results.push(...(await fn()));
    results.push({ name: `scale.part_${part}_wall_s`, value: (Date.now() - t0) / 1000, unit: 's', limit: '-', ratio: null, note: 'the whole stage must stay under an hour at full size' });
  };
  if (wanted.includes('layout')) await timed('layout', () => layouts(ctx));
  if (wanted.includes('intraday')) {
    // Its own database: the stage's one stays empty for the parts that create theirs.
    const db = await scratchDatabase(ctx.databaseUrl);
    try {
      await timed('intraday', () => intraday({ ...ctx, ds: db.ds, databaseUrl: db.url }));
    } finally {
      await db.drop();
    }
  }
  if (wanted.includes('curve') || wanted.includes('workers')) {
    const config = loadConfig();
    installWorkerLogging('WARN');
    const cli = ensureTemporalCli({ cliPath: config.temporal.cliPath, toolsDir: config.temporal.toolsDir }, ctx.log);
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: cli }, ip: '127.0.0.1', searchAttributes: searchAttributeKeys },
    });
    try {
      if (wanted.includes('workers')) await timed('workers', () => workers(ctx, env));
      if (wanted.includes('curve')) await timed('curve', () => costCurve(ctx, env));
    } finally {
      await env.teardown();
    }
  }
  return results;
}

export const bench: BenchStage = { stage: 'scale', run };
