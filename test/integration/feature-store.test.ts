// The feature store on the real PostgreSQL and Redis: activities run in Temporal's activity test context (the
// database and Redis are real), so lineage, transactions and the cache behave as in a worker.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { createFeatureActivities } from '../../activities/features';
import { copyBinary } from '../../src/db/copy';
import { HashingEmbedder, cosine } from '../../src/documents/embedders';
import { ingestSource } from '../../src/documents/ingest';
import { FolderSource } from '../../src/documents/sources';
import { compileFeatureSet, computeFeatures } from '../../src/features/compute';
import { FeatureCache } from '../../src/features/feature-cache';
import { DEFAULT_FEATURE_SET, FUNDAMENTAL_FEATURE_SET, featureSetVersion } from '../../src/features/feature-set';
import { FeatureStore } from '../../src/features/feature-store';
import type { Bar } from '../../src/providers/bar';
import { DocumentRepository } from '../../src/repositories/document-repository';
import { FeatureRepository } from '../../src/repositories/feature-repository';
import { RunRepository } from '../../src/repositories/run-repository';
import { freePort } from '../../src/services/net';
import { connectTestRedis, insertRawBars, openTestDataSource, resetData, testActivityDeps, testRedisUrl } from '../helpers/services';

jest.setTimeout(60_000);

const DAY = 86_400_000;
const START = Date.UTC(2019, 0, 1);
const day = (i: number) => new Date(START + i * DAY).toISOString().slice(0, 10);

/** Deterministic bars, one per calendar day from 2019-01-01; adj_close differs from close (a split-like factor). */
function makeBars(symbol: string, n: number): Bar[] {
  return Array.from({ length: n }, (_, i) => {
    const close = 100 + 15 * Math.sin(i / 11) + 5 * Math.cos(i / 3.7) + i * 0.05;
    return {
      symbol, interval: '1d', ts: new Date(START + i * DAY), open: close - 0.4, high: close + 1.1 + (i % 5) * 0.1, low: close - 1.3,
      close, adjClose: close * 0.5, volume: 1_000_000 + ((i * 7919) % 50_000),
    };
  });
}

describe('feature store', () => {
  let ds: DataSource;
  let redis: Redis | null;
  let cache: FeatureCache;
  let repo: FeatureRepository;
  let activities: ReturnType<typeof createFeatureActivities>;
  let runId: string;
  let activitySeq = 0;
  const bars = makeBars('AAA', 420);
  const defaultSet = compileFeatureSet(DEFAULT_FEATURE_SET, featureSetVersion(DEFAULT_FEATURE_SET));

  /** Each call is a distinct activity execution (lineage is unique per activity id). */
  const inActivity = <T>(fn: () => Promise<T>): Promise<T> => new MockActivityEnvironment({ activityId: `a${++activitySeq}` }).run(fn) as Promise<T>;

  const rowState = (version: string) =>
    ds.query(`SELECT count(*)::int AS n, sum(xmin::text::bigint)::text AS x FROM feature_data WHERE feature_set_version = $1`, [version]);

  beforeAll(async () => {
    ds = await openTestDataSource();
    await resetData(ds);
    redis = connectTestRedis();
    cache = new FeatureCache(redis, 600, () => {});
    repo = new FeatureRepository(ds);
    activities = createFeatureActivities(testActivityDeps(ds, { featureCache: cache }));
    runId = await new RunRepository(ds).start({
      workflowId: 'feature-store-test', runId: 'r1', workflowType: 'test', taskQueue: 'test', input: {}, startedAt: new Date(),
    });
    await insertRawBars(ds, bars.slice(0, 400));
  });

  afterAll(async () => {
    if (redis) {
      const keys = (await Promise.all(['AAA', 'DDD', 'EEE', 'FFF', 'GGG'].map((s) => redis!.keys(`tickflow:features:latest:*:1d:${s}`)))).flat();
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
    await ds.destroy();
  });

  const scope = (from: string, to: string) => ({ pipelineRunId: runId, symbols: ['AAA'], interval: '1d', from, to, featureSet: 'default' });

  it('computes a range warmed up from the bars before it, and a rerun writes nothing', async () => {
    const first = await inActivity(() => activities.computeFeatures(scope(day(300), day(399))));
    expect(first).toMatchObject({ featureSetVersion: defaultSet.version, rows: 100, written: 100, features: 27 });
    const stored = await repo.range(defaultSet.version, 'AAA', '1d', new Date(START + 300 * DAY), new Date(START + 399 * DAY));
    expect(stored).toHaveLength(100);
    expect(stored.every((r) => r.values.every((v) => v !== null && Number.isFinite(v)))).toBe(true);
    // Same values a pure computation over the same bars gives (the activity read 299 bars before day 300).
    const expected = computeFeatures(defaultSet, bars.slice(1, 400));
    expect(stored[0].values).toEqual(expected[299].map((v) => expect.closeTo(v!, 9)));

    const before = await rowState(defaultSet.version);
    const again = await inActivity(() => activities.computeFeatures(scope(day(300), day(399))));
    expect(again).toMatchObject({ rows: 0, written: 0 });
    expect(await rowState(defaultSet.version)).toEqual(before);
  });

  it('resumes after the last computed bar, and matches a full computation', async () => {
    await insertRawBars(ds, bars.slice(400, 420));
    const daily = await inActivity(() => activities.computeFeatures(scope(day(300), day(419))));
    expect(daily).toMatchObject({ rows: 20, written: 20 });
    const stored = await repo.range(defaultSet.version, 'AAA', '1d', new Date(START + 400 * DAY), new Date(START + 419 * DAY));
    // The first run started its series at bar 1: OBV (a running total) continues from that origin.
    const full = computeFeatures(defaultSet, bars.slice(1, 420)).slice(399);
    stored.forEach((r, i) => r.values.forEach((v, k) => {
      const ref = full[i][k]!;
      if (Math.abs(v! - ref) > 1e-7 * Math.max(1, Math.abs(ref))) throw new Error(`${defaultSet.names[k]} at day ${400 + i}: ${v} vs ${ref}`);
    }));
  });

  it('answers ranges by name, "as of" an instant, and the latest vector', async () => {
    const store = new FeatureStore(repo, cache);
    const w = await store.window({ symbol: 'AAA', interval: '1d', from: new Date(`${day(410)}T00:00:00Z`), to: new Date(`${day(412)}T23:59:59Z`), names: ['rsi_14', 'sma_10'] });
    expect(w.names).toEqual(['rsi_14', 'sma_10']);
    expect(w.rows.map((r) => r.ts.toISOString().slice(0, 10))).toEqual([day(410), day(411), day(412)]);
    const sma10 = bars.slice(403, 413).reduce((a, b) => a + b.adjClose!, 0) / 10;
    expect(w.rows[2].values[1]).toBeCloseTo(sma10, 9);
    await expect(store.window({ symbol: 'AAA', interval: '1d', from: new Date(START), to: new Date(START + DAY), names: ['nope'] })).rejects.toThrow(/--names: unknown feature "nope"/);

    const noon = new Date(START + 405 * DAY + DAY / 2);
    const asOf = await store.asOf(defaultSet.version, 'AAA', '1d', noon);
    expect(asOf!.ts).toBe(new Date(START + 405 * DAY).toISOString());
    expect(await store.asOf(defaultSet.version, 'AAA', '1d', new Date(START + 299 * DAY))).toBeNull();

    const latest = await store.latest(defaultSet.version, 'AAA', '1d');
    expect(latest!.ts).toBe(new Date(START + 419 * DAY).toISOString());
    expect(Object.keys(latest!.values)).toEqual(defaultSet.names);
  });

  it('a changed parameter is a new version: old rows untouched, the diff names what changed', async () => {
    const before = await rowState(defaultSet.version);
    const definitions = DEFAULT_FEATURE_SET.features.map((f) => (f.name === 'rsi_14' ? { ...f, params: { period: 10 } } : f));
    const plan = await inActivity(() => activities.planFeatureRecompute({ featureSet: 'default', definitions, interval: '1d' }));
    expect(plan.version).not.toBe(defaultSet.version);
    expect(plan.symbols).toEqual(['AAA']);
    const done = await inActivity(() => activities.recomputeFeatureChunk({ pipelineRunId: runId, ...plan, interval: '1d' }));
    expect(done).toMatchObject({ rows: 420, written: 420 });
    expect(await rowState(defaultSet.version)).toEqual(before);
    expect((await repo.registered(plan.version))!.definitions).toEqual(definitions);

    const diff = await new FeatureStore(repo, cache).diff(defaultSet.version, plan.version, null);
    const by = Object.fromEntries(diff.map((d) => [d.name, d]));
    expect(diff).toHaveLength(27);
    // sma_10 is the same definition: equal up to summation order (the incremental bars started elsewhere).
    expect(by.sma_10).toMatchObject({ compared: 120, changed: 0, presenceChanged: 0 });
    expect(by.sma_10.maxAbsChange).toBeLessThan(1e-9);
    expect(by.rsi_14.compared).toBe(120);
    expect(by.rsi_14.changed).toBe(120);
    // The largest change, from an independent computation of both RSIs over the same bars.
    const rsi = (period: number) => computeFeatures(compileFeatureSet({ name: 'r', features: [{ name: 'r', indicator: 'rsi', params: { period }, input: 'adjusted' }] }, 'r'), bars);
    const a = rsi(14);
    const b = rsi(10);
    const stored = await repo.range(defaultSet.version, 'AAA', '1d', new Date(START), new Date(START + 500 * DAY));
    const k = defaultSet.names.indexOf('rsi_14');
    const largest = Math.max(...stored.map((r) => Math.abs(b[Math.round((r.ts.getTime() - START) / DAY)][0]! - r.values[k]!)));
    expect(by.rsi_14.maxAbsChange).toBeCloseTo(largest, 6);
    expect(largest).toBeGreaterThan(Math.abs(a[419][0]! - b[419][0]!) - 1e-9);

    // Recomputing the same version over the same range rewrites nothing.
    const again = await inActivity(() => activities.recomputeFeatureChunk({ pipelineRunId: runId, ...plan, interval: '1d' }));
    expect(again).toMatchObject({ rows: 420, written: 0 });
  });

  it('refuses a version that is neither registered nor the hash of the definitions, naming the field', async () => {
    await expect(inActivity(() => activities.planFeatureRecompute({ featureSet: 'default', version: 'default-000000000000', interval: '1d' })))
      .rejects.toThrow(/^version: "default-000000000000" is neither registered nor the version of set "default"/);
    await expect(inActivity(() => activities.planFeatureRecompute({ featureSet: 'default', definitions: [{ name: 'x', indicator: 'nope' }], interval: '1d' })))
      .rejects.toThrow(/^definitions\[0\]\.indicator: Invalid option: .* \(got "nope"\)$/);
  });

  it('fundamental ratios use only figures published by each bar, restatements from their publication on', async () => {
    const facts: [string, number, number, string][] = [
      // metric, fiscal year, value, published
      ['eps_diluted', 2018, 4.0, '2019-02-15'], ['revenue', 2018, 1000, '2019-02-15'], ['net_income', 2018, 100, '2019-02-15'],
      ['total_equity', 2018, 500, '2019-02-15'], ['shares_outstanding', 2018, 50, '2019-02-15'], ['total_liabilities', 2018, 250, '2019-02-15'],
      ['revenue', 2017, 800, '2018-02-15'],
      ['eps_diluted', 2018, 5.0, '2019-06-01'], // restatement of FY2018
    ];
    for (const [metric, year, value, published] of facts) {
      await ds.query(
        `INSERT INTO company_fundamental (symbol, metric, fiscal_period, fiscal_year, period_end, value, published_at, source)
         VALUES ('AAA', $1, 'FY', $2, $3, $4, $5, 'test')`,
        [metric, year, `${year}-12-31`, value, `${published}T00:00:00Z`],
      );
    }
    await insertRawBars(ds, makeBars('BBB', 60)); // no fundamentals at all
    const plan = await inActivity(() => activities.planFeatureRecompute({ featureSet: 'fundamentals', interval: '1d' }));
    expect(plan.version).toBe(featureSetVersion(FUNDAMENTAL_FEATURE_SET));
    await inActivity(() => activities.recomputeFeatureChunk({ pipelineRunId: runId, ...plan, interval: '1d' }));
    const store = new FeatureStore(repo, cache);
    const at = (symbol: string, d: string) => store.asOf(plan.version, symbol, '1d', new Date(`${d}T00:00:00Z`));
    const close = (d: string) => bars[Math.round((Date.parse(d) - START) / DAY)].close;

    expect(Object.values((await at('AAA', '2019-02-14'))!.values).every((v) => v === null)).toBe(true);
    expect((await at('AAA', '2019-02-15'))!.values).toEqual({
      fa_pe: expect.closeTo(close('2019-02-15') / 4.0, 9),
      fa_pb: expect.closeTo(close('2019-02-15') / (500 / 50), 9),
      fa_debt_to_equity: 0.5, fa_roe: 0.2, fa_gross_margin: null, fa_operating_margin: null, fa_net_margin: 0.1, fa_revenue_growth: 0.25,
    });
    expect((await at('AAA', '2019-05-31'))!.values.fa_pe).toBeCloseTo(close('2019-05-31') / 4.0, 9); // restated later
    expect((await at('AAA', '2019-06-01'))!.values.fa_pe).toBeCloseTo(close('2019-06-01') / 5.0, 9);
    const bbb = await repo.range(plan.version, 'BBB', '1d', new Date(START), new Date(START + 100 * DAY));
    expect(bbb).toHaveLength(60);
    expect(bbb.every((r) => r.values.every((v) => v === null))).toBe(true); // missing, never zero
  });

  it('document signals through the recompute activities use only documents published by each bar', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-doc-features-'));
    try {
      // Two 8-Ks without acceptance times: dated 22:00 New York of their filing day (03:00Z the next day in January).
      fs.writeFileSync(path.join(dir, 'GGG_8-K_2019-01-10.txt'), 'GGG announces a new product line. Revenue grew in the quarter.');
      fs.writeFileSync(path.join(dir, 'GGG_8-K_2019-01-20.txt'), 'GGG announces a restructuring. Revenue fell in the quarter.');
      fs.writeFileSync(path.join(dir, 'GGG_news_2019-01-15.txt'), 'A news item is not a filing.');
      await ingestSource(ds, new DocumentRepository(ds), new FolderSource(dir), { pipelineRunId: null });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await insertRawBars(ds, makeBars('GGG', 45));
    const plan = await inActivity(() => activities.planFeatureRecompute({ featureSet: 'documents', interval: '1d', symbols: ['GGG'] }));
    await inActivity(() => activities.recomputeFeatureChunk({ pipelineRunId: runId, ...plan, interval: '1d' }));
    const store = new FeatureStore(repo, cache);
    const at = async (d: string) => (await store.asOf(plan.version, 'GGG', '1d', new Date(`${d}T00:00:00Z`)))!.values;
    expect(await at('2019-01-11')).toEqual({ doc_text_similarity: null, doc_days_since_8k: null, doc_filings_30d: 0 });
    expect(await at('2019-01-12')).toEqual({ doc_text_similarity: null, doc_days_since_8k: 21 / 24, doc_filings_30d: 1 });
    expect(await at('2019-01-21')).toEqual({ doc_text_similarity: null, doc_days_since_8k: 10 - 3 / 24, doc_filings_30d: 1 });
    const [first, second] = ['GGG announces a new product line. Revenue grew in the quarter.', 'GGG announces a restructuring. Revenue fell in the quarter.']
      .map((t) => new HashingEmbedder(4096).counts(t));
    expect(await at('2019-01-22')).toEqual({ doc_text_similarity: expect.closeTo(cosine(second, first), 12), doc_days_since_8k: 21 / 24, doc_filings_30d: 2 });
    // 30 days after the first 8-K became public it leaves the window.
    expect((await at('2019-02-10')).doc_filings_30d).toBe(2);
    expect((await at('2019-02-11')).doc_filings_30d).toBe(1);
  });

  (testRedisUrl() ? it : it.skip)('caches on write, invalidates a recomputed version, and degrades when Redis is gone', async () => {
    if (!redis) return;
    const key = FeatureCache.key(defaultSet.version, 'AAA', '1d');
    expect(JSON.parse((await redis.get(key))!).ts).toBe(new Date(START + 419 * DAY).toISOString());
    await redis.set(key, JSON.stringify({ ts: 'stale', values: {} }));
    await inActivity(() => activities.recomputeFeatureChunk({
      pipelineRunId: runId, version: defaultSet.version, name: 'default', definitions: DEFAULT_FEATURE_SET.features, symbols: ['AAA'], interval: '1d',
      from: day(419), to: day(419),
    }));
    expect(JSON.parse((await redis.get(key))!).ts).toBe(new Date(START + 419 * DAY).toISOString());
    expect(await redis.ttl(key)).toBeGreaterThan(500);

    const dead = new Redis(`redis://127.0.0.1:${await freePort()}`, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    dead.on('error', () => {});
    const warnings: string[] = [];
    const degraded = new FeatureStore(repo, new FeatureCache(dead, 600, (m) => warnings.push(m)));
    const latest = await degraded.latest(defaultSet.version, 'AAA', '1d');
    expect(latest!.ts).toBe(new Date(START + 419 * DAY).toISOString());
    expect(warnings).toEqual([expect.stringMatching(/^feature cache: Redis read failed .*; using PostgreSQL$/)]);
    dead.disconnect();
  });

  it('COPYs empty ranges straight in and merges ranges with stored rows, in one run, with exact values', async () => {
    const ddd = makeBars('DDD', 300);
    const eee = makeBars('EEE', 300);
    await insertRawBars(ds, [...ddd, ...eee]);
    // DDD gets days 100..299 first; its warm-up reads every bar before day 100 (fewer than the look-back).
    expect(await inActivity(() => activities.computeFeatures({ ...scope(day(100), day(299)), symbols: ['DDD'] }))).toMatchObject({ rows: 200, written: 200 });
    const before = await ds.query(`SELECT ts, xmin::text AS x FROM feature_data WHERE symbol = 'DDD' ORDER BY ts`);

    // A full-history recompute: EEE's range is empty (one direct COPY), DDD's holds rows (staging + merge): only its
    // 100 new days are written, the 200 stored ones are identical and stay untouched.
    const done = await inActivity(() => activities.recomputeFeatureChunk({
      pipelineRunId: runId, version: defaultSet.version, name: 'default', definitions: DEFAULT_FEATURE_SET.features, symbols: ['DDD', 'EEE'], interval: '1d',
    }));
    expect(done).toMatchObject({ rows: 600, written: 400 });
    const after = await ds.query(`SELECT ts, xmin::text AS x FROM feature_data WHERE symbol = 'DDD' AND ts >= $1 ORDER BY ts`, [new Date(START + 100 * DAY)]);
    expect(after).toEqual(before);

    // Stored values are exactly what a pure computation gives, NULL warm-up included (binary COPY and binary read).
    for (const [symbol, input] of [['DDD', ddd], ['EEE', eee]] as const) {
      const stored = await repo.range(defaultSet.version, symbol, '1d', new Date(START), new Date(START + 299 * DAY));
      expect(stored.map((r) => r.ts.getTime())).toEqual(input.map((b) => b.ts.getTime()));
      expect(stored.map((r) => r.values)).toEqual(computeFeatures(defaultSet, input));
      expect(stored[0].values.every((v) => v === null)).toBe(true);
    }
  });

  it('serializes concurrent writers of the same symbols on the lock: one COPYs, the other finds the rows stored', async () => {
    await insertRawBars(ds, makeBars('FFF', 120));
    await repo.register(defaultSet); // registered beforehand, so the two do not serialize on the registry row instead
    const results = await Promise.all([1, 2].map(() => inActivity(() => activities.computeFeatures({ ...scope(day(0), day(119)), symbols: ['FFF'] }))));
    expect(results.map((r) => [r.rows, r.written]).sort()).toEqual([[0, 0], [120, 120]]);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM feature_data WHERE feature_set_version = $1 AND symbol = 'FFF'`, [defaultSet.version]);
    expect(n).toBe(120);
  });

  it('stores what the binary COPY writer encodes, exactly: NULL and special doubles, timestamps far from 2000, text', async () => {
    const values = [null, 0, -0, 5e-324, 1.7976931348623157e308, -Infinity, Infinity, 0.1 + 0.2, -123.456];
    const times = ['1969-07-20T20:17:40.123Z', '2000-01-01T00:00:00.000Z', '2016-02-29T21:00:00.001Z', '2999-12-31T23:59:59.999Z'];
    const read = await ds.transaction(async (em) => {
      await em.query(`CREATE TEMP TABLE copy_probe (t text, ts timestamptz, v float8[], e float8[], u uuid, n float8) ON COMMIT DROP`);
      await copyBinary(em, 'copy_probe', ['t', 'ts', 'v', 'e', 'u', 'n'], function* (out) {
        for (const [i, ts] of times.entries()) {
          out.row(6);
          out.text(i === 0 ? 'tab\there, ünïcødé' : `row ${i}`);
          out.timestamptz(Date.parse(ts));
          out.float8Array(i === 0 ? values : Float64Array.from([NaN, i]));
          out.float8Array([]);
          out.uuid(i === 0 ? runId : null);
          out.float8(i === 3 ? null : i / 3);
          yield;
        }
      });
      return em.query(`SELECT t, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts, v, cardinality(e) AS e, u, n FROM copy_probe ORDER BY ts`);
    });
    expect(read.map((r: { ts: string }) => r.ts)).toEqual(times);
    expect(read[0]).toMatchObject({ t: 'tab\there, ünïcødé', u: runId, n: 0, e: 0 });
    expect(read[0].v).toEqual(values);
    expect(Object.is(read[0].v[2], -0)).toBe(true);
    expect(read.slice(1).map((r: { v: unknown; n: unknown; u: unknown }) => [r.v, r.n, r.u])).toEqual([[[null, 1], 1 / 3, null], [[null, 2], 2 / 3, null], [[null, 3], null, null]]);
  });
});
