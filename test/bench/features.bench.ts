// Features stage: 400 symbols × 2,500 synthetic daily bars (1,000,000 at scale 1) × the default set, in one run:
//   limit   raw COPY of the same output rows (one row per bar, values array) into a table like feature_data, in the
//           binary format (the cheapest COPY; the text COPY is reported too, as the previous limit)
//   ours    compute only (in memory), persist only (direct COPY for an empty range; staging COPY + merge for a range
//           with stored rows), and the whole computeFeatures activity (read bars, compute, persist, lineage)
//           — target: whole stage ≤ 1.5× the raw COPY
//   layout  the long (symbol, ts, name, value) layout: COPY of the same values and a one-year window read from it,
//           against our one-row-per-bar layout — the reason feature_data stores an array
//   reads   latest vector from Redis (p99, target < 1 ms) and a one-year window from PostgreSQL (median, < 5 ms)
import { MockActivityEnvironment } from '@temporalio/testing';
import Redis from 'ioredis';
import { createFeatureActivities } from '../../activities/features';
import { copyBinary, copyRows, type CopyValue } from '../../src/db/copy';
import { barColumns, compileFeatureSet, computeColumns, rowAt, type BarColumns } from '../../src/features/compute';
import { FeatureCache } from '../../src/features/feature-cache';
import { DEFAULT_FEATURE_SET, featureSetVersion } from '../../src/features/feature-set';
import { FeatureStore } from '../../src/features/feature-store';
import type { Bar } from '../../src/providers/bar';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { FeatureRepository, type SymbolColumns } from '../../src/repositories/feature-repository';
import { RunRepository } from '../../src/repositories/run-repository';
import { testActivityDeps } from '../helpers/services';
import { measure, rate, type BenchContext, type BenchResult, type BenchStage } from './harness';

const DAYS = 2500;
/** The raw COPYs write a run id on every row, as the stage does (the limit tables have no key on it). */
const RAW_RUN_ID = '00000000-0000-4000-8000-000000000001';
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
  const columnsOf = new Map<string, BarColumns>();
  for (const s of symbols) columnsOf.set(s, barColumns(bars.get(s)!));
  const output = new Map<string, Float64Array[]>();
  const compute = await measure(async () => {
    for (const s of symbols) output.set(s, computeColumns(set, columnsOf.get(s)!));
  });
  const columns = ['feature_set_version', 'symbol', 'interval', 'ts', 'values', 'pipeline_run_id'];
  /** The output rows, values as the stage stores them (NaN = missing → NULL). */
  const rowValues = (s: string, i: number, into: Float64Array) => {
    const v = output.get(s)!;
    for (let k = 0; k < width; k++) into[k] = v[k][i];
    return into;
  };

  // The limit: the same rows with nothing but encoding and COPY, in the binary format the stage writes (the
  // cheapest COPY there is), into a table built like feature_data: its primary key and its foreign key to
  // feature_set (checked per row by PostgreSQL, a cost every write of these rows pays). For reference, the same COPY
  // without the foreign key, and the text COPY without it that was the limit before the stage wrote binary.
  const binaryRows = (table: string) => ctx.ds.transaction((em) => copyBinary(em, table, columns, function* (out) {
    const values = new Float64Array(width);
    for (const s of symbols) {
      const ts = columnsOf.get(s)!.ts;
      for (let i = 0; i < ts.length; i++) {
        out.row(6);
        out.text(set.version);
        out.text(s);
        out.text('1d');
        out.timestamptz(ts[i]);
        out.float8Array(rowValues(s, i, values));
        out.uuid(RAW_RUN_ID);
      }
      yield;
    }
  }));
  await new FeatureRepository(ctx.ds).register(set);
  await ctx.ds.query(`CREATE TABLE bench_raw_features (LIKE feature_data INCLUDING ALL)`);
  await ctx.ds.query(`ALTER TABLE bench_raw_features ADD FOREIGN KEY (feature_set_version) REFERENCES feature_set (version)`);
  ctx.log(`raw COPY of ${rows} output rows (limit)`);
  const raw = await measure(() => binaryRows('bench_raw_features'));
  await ctx.ds.query(`DROP TABLE bench_raw_features`);
  await ctx.ds.query(`CREATE TABLE bench_raw_features (LIKE feature_data INCLUDING ALL)`);
  ctx.log(`raw COPY of ${rows} output rows without the foreign key (reference)`);
  const rawNoFk = await measure(() => binaryRows('bench_raw_features'));
  await ctx.ds.query(`TRUNCATE bench_raw_features`);
  ctx.log(`raw text COPY of ${rows} output rows without the foreign key (the limit before binary, reference)`);
  const rawText = await measure(() => ctx.ds.transaction((em) => copyRows(em, 'bench_raw_features', columns, (function* (): Iterable<CopyValue[]> {
    for (const s of symbols) {
      const ts = columnsOf.get(s)!.ts;
      for (let i = 0; i < ts.length; i++) yield [set.version, s, '1d', new Date(ts[i]), rowAt(output.get(s)!, i), RAW_RUN_ID];
    }
  })())));
  await ctx.ds.query(`DROP TABLE bench_raw_features`);

  const repo = new FeatureRepository(ctx.ds);
  const batches = async function* (): AsyncIterable<SymbolColumns> {
    for (const s of symbols) yield { symbol: s, ts: columnsOf.get(s)!.ts, columns: output.get(s)!, first: 0 };
  };
  ctx.log('persist only: direct COPY into feature_data (a range with no stored rows) under a scratch version');
  const direct = compileFeatureSet({ ...DEFAULT_FEATURE_SET, name: 'bench' }, 'bench-direct');
  await repo.register(direct);
  const persist = await measure(() => ctx.ds.transaction((em) => repo.writeColumns(em, 'feature_data', direct.version, '1d', null, batches())));
  ctx.log('persist only: staging COPY + merge (a range with stored rows) under another scratch version');
  const scratch = compileFeatureSet({ ...DEFAULT_FEATURE_SET, name: 'bench' }, 'bench-persist');
  await repo.register(scratch);
  const persistMerge = await measure(() =>
    ctx.ds.transaction(async (em) => {
      await repo.createStaging(em);
      await repo.writeColumns(em, 'feature_staging', scratch.version, '1d', null, batches());
      return repo.mergeStaging(em);
    }));

  ctx.log('whole stage: the computeFeatures activity over every symbol');
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const cache = new FeatureCache(redis, 3600, (m) => ctx.log(m));
  const runId = await new RunRepository(ctx.ds).start({ workflowId: 'bench', runId: 'r', workflowType: 'bench', taskQueue: 'bench', input: {}, startedAt: new Date() });
  const activities = createFeatureActivities(testActivityDeps(ctx.ds, { featureCache: cache }));
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
        for (let i = 0; i < b.length; i++) for (let k = 0; k < width; k++) yield [set.version, s, '1d', b[i].ts, set.names[k], Number.isNaN(v[k][i]) ? null : v[k][i]];
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
    { name: 'features.persist_rows_per_s', value: rate(rows, persist.seconds), unit: 'rows/s', limit: 'raw COPY of the output rows', ratio: raw.seconds / persist.seconds, note: `${persist.seconds.toFixed(1)} s direct COPY (empty range)` },
    { name: 'features.persist_merge_rows_per_s', value: rate(rows, persistMerge.seconds), unit: 'rows/s', limit: 'raw COPY of the output rows', ratio: raw.seconds / persistMerge.seconds, note: `${persistMerge.seconds.toFixed(1)} s staging COPY + merge (range with stored rows)` },
    { name: 'features.stage_rows_per_s', value: rate(rows, stage.seconds), unit: 'rows/s', limit: 'raw COPY of the output rows', ratio: raw.seconds / stage.seconds, note: `whole activity ${stage.seconds.toFixed(1)} s vs raw COPY ${raw.seconds.toFixed(1)} s; target ratio ≥ 0.67 (≤ 1.5×)` },
    { name: 'features.raw_copy_rows_per_s', value: rate(rows, raw.seconds), unit: 'rows/s', limit: 'itself', ratio: 1, note: `${raw.seconds.toFixed(1)} s, binary COPY into a table like feature_data (primary and foreign key)` },
    { name: 'features.raw_copy_no_fk_rows_per_s', value: rate(rows, rawNoFk.seconds), unit: 'rows/s', limit: 'raw COPY of the output rows', ratio: raw.seconds / rawNoFk.seconds, note: `${rawNoFk.seconds.toFixed(1)} s, binary COPY, no foreign key (stage ratio to it: ${(rawNoFk.seconds / stage.seconds).toFixed(2)})` },
    { name: 'features.raw_text_copy_rows_per_s', value: rate(rows, rawText.seconds), unit: 'rows/s', limit: 'raw COPY of the output rows', ratio: raw.seconds / rawText.seconds, note: `${rawText.seconds.toFixed(1)} s, text COPY, no foreign key (the limit before; stage ratio to it: ${(rawText.seconds / stage.seconds).toFixed(2)})` },
    { name: 'features.long_layout_copy_bars_per_s', value: longBarsPerS, unit: 'bars/s', limit: 'raw COPY of the output rows', ratio: longBarsPerS / rate(rows, raw.seconds), note: `long (name, value) rows, ${width} per bar` },
    { name: 'features.pg_year_window_median_ms', value: median, unit: 'ms', limit: 'same window from the long layout', ratio: percentile(longReads, 0.5) / median, note: `target < 5 ms; long layout ${percentile(longReads, 0.5).toFixed(2)} ms` },
    { name: 'features.redis_latest_p99_ms', value: p99, unit: 'ms', limit: 'raw Redis GET of the same key', ratio: percentile(rawGet, 0.99) / p99, note: `target < 1 ms; raw GET p99 ${percentile(rawGet, 0.99).toFixed(3)} ms` },
  ];
}

export const bench: BenchStage = { stage: 'features', run };
