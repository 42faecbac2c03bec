// Features stage: 400 symbols × 2,500 synthetic daily bars (1,000,000 at scale 1) × the default set, in one run:
//   limit   raw COPY of the same output rows (one row per bar, values array) into a table like feature_data
//   ours    compute only (in memory), persist only (staging COPY + merge), and the whole computeFeatures activity
//           (read bars, compute, persist, lineage) — target: whole stage ≤ 1.5× the raw COPY
//   layout  the long (symbol, ts, name, value) layout: COPY of the same values and a one-year window read from it,
//           against our one-row-per-bar layout — the reason feature_data stores an array
//   reads   latest vector from Redis (p99, target < 1 ms) and a one-year window from PostgreSQL (median, < 5 ms)
import { MockActivityEnvironment } from '@temporalio/testing';
import Redis from 'ioredis';
import { createFeatureActivities } from '../../activities/features';
import { copyRows, type CopyValue } from '../../src/db/copy';
import { compileFeatureSet, computeFeatures } from '../../src/features/compute';
import { FeatureCache } from '../../src/features/feature-cache';
import { DEFAULT_FEATURE_SET, featureSetVersion } from '../../src/features/feature-set';
import { FeatureStore } from '../../src/features/feature-store';
import type { Bar } from '../../src/providers/bar';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { FeatureRepository, type FeatureRow } from '../../src/repositories/feature-repository';
import { RunRepository } from '../../src/repositories/run-repository';
import { measure, rate, type BenchContext, type BenchResult, type BenchStage } from './harness';

const DAYS = 2500;
const FROM = '2010-01-04';

async function barsOf(provider: SyntheticProvider, symbol: string, to: string): Promise<Bar[]> {
  const out: Bar[] = [];
  for await (const r of provider.rows(symbol, '1d', { from: FROM, to })) {
    const f = r.fields as { date: string; open: number; high: number; low: number; close: number; adjClose: number; volume: number };
    out.push({ symbol, interval: '1d', ts: new Date(`${f.date}T00:00:00Z`), open: f.open, high: f.high, low: f.low, close: f.close, adjClose: f.adjClose, volume: f.volume });
  }
  return out;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

async function timings(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return ms;
}

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const symbolCount = Math.max(4, Math.round(400 * ctx.scale));
  const symbols = Array.from({ length: symbolCount }, (_, i) => `F${String(i).padStart(4, '0')}`);
  const to = SyntheticProvider.tradingDays({ from: FROM, to: '2022-12-31' })[DAYS - 1].toISOString().slice(0, 10);
  const provider = new SyntheticProvider(7);
  const set = compileFeatureSet(DEFAULT_FEATURE_SET, featureSetVersion(DEFAULT_FEATURE_SET));
  const width = set.names.length;

  ctx.log(`generating and storing ${symbolCount * DAYS} bars (untimed)`);
  const bars = new Map<string, Bar[]>();
  for (const s of symbols) bars.set(s, await barsOf(provider, s, to));
  const rows = symbolCount * DAYS;
  await ctx.ds.transaction((em) =>
    copyRows(em, 'price_data', ['symbol', 'interval', 'ts', 'open', 'high', 'low', 'close', 'adj_close', 'volume', 'source'],
      (function* () {
        for (const b of [...bars.values()].flat()) yield [b.symbol, '1d', b.ts, b.open, b.high, b.low, b.close, b.adjClose, b.volume, 'synthetic'];
      })()));
  await ctx.ds.query(`ANALYZE price_data`);

  ctx.log('compute only (in memory)');
  const output = new Map<string, (number | null)[][]>();
  const compute = await measure(async () => {
    for (const s of symbols) output.set(s, computeFeatures(set, bars.get(s)!));
  });
  const rowsOf = function* (version: string): Iterable<CopyValue[]> {
    for (const s of symbols) {
      const b = bars.get(s)!;
      const v = output.get(s)!;
      for (let i = 0; i < b.length; i++) yield [version, s, '1d', b[i].ts, v[i], null];
    }
  };
  const columns = ['feature_set_version', 'symbol', 'interval', 'ts', 'values', 'pipeline_run_id'];

  ctx.log(`raw COPY of ${rows} output rows (limit)`);
  await ctx.ds.query(`CREATE TABLE bench_raw_features (LIKE feature_data INCLUDING ALL)`);
  const raw = await measure(() => ctx.ds.transaction((em) => copyRows(em, 'bench_raw_features', columns, rowsOf(set.version))));
  await ctx.ds.query(`DROP TABLE bench_raw_features`);

  ctx.log('persist only (staging COPY + merge) under a scratch version');
  const repo = new FeatureRepository(ctx.ds);
  const scratch = compileFeatureSet({ ...DEFAULT_FEATURE_SET, name: 'bench' }, 'bench-persist');
  await repo.register(scratch);
  const persist = await measure(() =>
    ctx.ds.transaction(async (em) => {
      await repo.createStaging(em);
      const staged = await repo.stage(em, scratch.version, (function* (): Iterable<FeatureRow> {
        for (const s of symbols) {
          const b = bars.get(s)!;
          const v = output.get(s)!;
          for (let i = 0; i < b.length; i++) yield { symbol: s, interval: '1d', ts: b[i].ts, values: v[i] };
        }
      })(), null);
      await repo.mergeStaging(em);
      return staged;
    }));

  ctx.log('whole stage: the computeFeatures activity over every symbol');
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const cache = new FeatureCache(redis, 3600, (m) => ctx.log(m));
  const runId = await new RunRepository(ctx.ds).start({ workflowId: 'bench', runId: 'r', workflowType: 'bench', taskQueue: 'bench', input: {}, startedAt: new Date() });
  const activities = createFeatureActivities({ dataSource: ctx.ds, featureCache: cache, dataDir: '', exportDir: '' });
  const stage = await measure(() =>
    new MockActivityEnvironment({ activityId: 'features' }).run(() =>
      activities.computeFeatures({ pipelineRunId: runId, symbols, interval: '1d', from: FROM, to, featureSet: 'default' })) as Promise<{ rows: number }>);
  if (stage.result.rows !== rows) throw new Error(`features bench: stage wrote ${stage.result.rows} rows, expected ${rows}`);

  // The long layout, on a tenth of the symbols (27 rows per bar): COPY and a one-year window.
  const longSymbols = symbols.slice(0, Math.max(2, Math.round(symbolCount / 10)));
  ctx.log(`long layout: COPY of ${longSymbols.length * DAYS} bars × ${width} values`);
  await ctx.ds.query(`CREATE TABLE bench_long (feature_set_version varchar(32), symbol varchar(32), interval varchar(8), ts timestamptz, name text, value float8,
    PRIMARY KEY (feature_set_version, symbol, interval, ts, name))`);
  const long = await measure(() => ctx.ds.transaction((em) => copyRows(em, 'bench_long', ['feature_set_version', 'symbol', 'interval', 'ts', 'name', 'value'],
    (function* (): Iterable<CopyValue[]> {
      for (const s of longSymbols) {
        const b = bars.get(s)!;
        const v = output.get(s)!;
        for (let i = 0; i < b.length; i++) for (let k = 0; k < width; k++) yield [set.version, s, '1d', b[i].ts, set.names[k], v[i][k]];
      }
    })())));
  await ctx.ds.query(`ANALYZE bench_long; ANALYZE feature_data`);

  ctx.log('reads: one-year windows (PostgreSQL) and latest vectors (Redis)');
  const store = new FeatureStore(repo, cache);
  const allBars = bars.get(symbols[0])!;
  const windowStart = (i: number) => allBars[(i * 97) % (DAYS - 252)].ts;
  const windowEnd = (i: number) => allBars[((i * 97) % (DAYS - 252)) + 251].ts;
  const iterations = 300;
  await timings(30, (i) => store.window({ symbol: longSymbols[i % longSymbols.length], interval: '1d', from: windowStart(i), to: windowEnd(i) })); // warm
  const ours = await timings(iterations, (i) => store.window({ symbol: longSymbols[i % longSymbols.length], interval: '1d', from: windowStart(i), to: windowEnd(i) }));
  const longReads = await timings(iterations, (i) => ctx.ds.query(
    `SELECT ts, array_agg(value ORDER BY name) FROM bench_long WHERE feature_set_version = $1 AND symbol = $2 AND interval = '1d' AND ts >= $3 AND ts <= $4 GROUP BY ts ORDER BY ts`,
    [set.version, longSymbols[i % longSymbols.length], windowStart(i), windowEnd(i)]));
  await ctx.ds.query(`DROP TABLE bench_long`);

  for (const s of symbols) await store.latest(set.version, s, '1d'); // cached on write already; make sure
  const key = FeatureCache.key(set.version, symbols[0], '1d');
  await timings(200, () => redis.get(key));
  const latest = await timings(5000, (i) => store.latest(set.version, symbols[i % symbols.length], '1d'));
  const rawGet = await timings(5000, (i) => redis.get(FeatureCache.key(set.version, symbols[i % symbols.length], '1d')));
  await cache.invalidate(set.version);
  await cache.invalidate(scratch.version);
  redis.disconnect();

  const p99 = percentile(latest, 0.99);
  const median = percentile(ours, 0.5);
  const longBarsPerS = rate(longSymbols.length * DAYS, long.seconds);
  return [
    { name: 'features.compute_bars_per_s', value: rate(rows, compute.seconds), unit: 'bars/s', limit: 'raw COPY of the output rows', ratio: raw.seconds / compute.seconds, note: `${compute.seconds.toFixed(1)} s, ${width} features` },
    { name: 'features.persist_rows_per_s', value: rate(rows, persist.seconds), unit: 'rows/s', limit: 'raw COPY of the output rows', ratio: raw.seconds / persist.seconds, note: `${persist.seconds.toFixed(1)} s staging COPY + merge` },
    { name: 'features.stage_rows_per_s', value: rate(rows, stage.seconds), unit: 'rows/s', limit: 'raw COPY of the output rows', ratio: raw.seconds / stage.seconds, note: `whole activity ${stage.seconds.toFixed(1)} s vs raw COPY ${raw.seconds.toFixed(1)} s; target ratio ≥ 0.67 (≤ 1.5×)` },
    { name: 'features.raw_copy_rows_per_s', value: rate(rows, raw.seconds), unit: 'rows/s', limit: 'itself', ratio: 1, note: `${raw.seconds.toFixed(1)} s` },
    { name: 'features.long_layout_copy_bars_per_s', value: longBarsPerS, unit: 'bars/s', limit: 'raw COPY of the output rows', ratio: longBarsPerS / rate(rows, raw.seconds), note: `long (name, value) rows, ${width} per bar` },
    { name: 'features.pg_year_window_median_ms', value: median, unit: 'ms', limit: 'same window from the long layout', ratio: percentile(longReads, 0.5) / median, note: `target < 5 ms; long layout ${percentile(longReads, 0.5).toFixed(2)} ms` },
    { name: 'features.redis_latest_p99_ms', value: p99, unit: 'ms', limit: 'raw Redis GET of the same key', ratio: percentile(rawGet, 0.99) / p99, note: `target < 1 ms; raw GET p99 ${percentile(rawGet, 0.99).toFixed(3)} ms` },
  ];
}

export const bench: BenchStage = { stage: 'features', run };
