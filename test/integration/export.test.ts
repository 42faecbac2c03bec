// Training-data export on the real PostgreSQL: every format read back by an independent reader (DuckDB), labels
// recomputed from the stored bars, splits with their embargo, manifests, and the look-ahead test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { createFeatureActivities } from '../../activities/features';
import { InputError } from '../../src/contracts/errors';
import { ingestSource } from '../../src/documents/ingest';
import { FolderSource } from '../../src/documents/sources';
import { parseLabelSpec } from '../../src/export/label-spec';
import { exportTrainingData, type ExportFormat, type ExportRequest } from '../../src/export/training-export';
import { DEFAULT_FEATURE_SET, FUNDAMENTAL_FEATURE_SET, featureSetVersion } from '../../src/features/feature-set';
import type { Bar } from '../../src/providers/bar';
import { DocumentRepository } from '../../src/repositories/document-repository';
import { RunRepository } from '../../src/repositories/run-repository';
import { insertRawBars, openTestDataSource, resetData, testActivityDeps } from '../helpers/services';

jest.setTimeout(120_000);

const DAY = 86_400_000;
const START = Date.UTC(2019, 0, 1);
const day = (i: number) => new Date(START + i * DAY).toISOString().slice(0, 10);
const N = 260;

function makeBars(symbol: string, n: number, phase: number): Bar[] {
  return Array.from({ length: n }, (_, i) => {
    const close = 100 + 15 * Math.sin((i + phase) / 11) + 5 * Math.cos(i / 3.7) + i * 0.05;
    return {
      symbol, interval: '1d', ts: new Date(START + i * DAY), open: close - 0.4, high: close + 1.1 + (i % 5) * 0.1, low: close - 1.3,
      close, adjClose: close * 0.5, volume: 1_000_000 + ((i * 7919) % 50_000),
    };
  });
}

type Row = Record<string, string | number | null>;

describe('training-data export', () => {
  let ds: DataSource;
  let duck: DuckDBConnection;
  let runId: string;
  let seq = 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-export-'));
  const defaultVersion = featureSetVersion(DEFAULT_FEATURE_SET);
  const fundamentalsVersion = featureSetVersion(FUNDAMENTAL_FEATURE_SET);
  const bars = { AAA: makeBars('AAA', N, 0), BBB: makeBars('BBB', N, 17) };
  const inActivity = <T>(fn: () => Promise<T>): Promise<T> => new MockActivityEnvironment({ activityId: `x${++seq}` }).run(fn) as Promise<T>;
  let features: ReturnType<typeof createFeatureActivities>;

  async function fundamental(metric: string, year: number, value: number, published: string): Promise<void> {
    await ds.query(
      `INSERT INTO company_fundamental (symbol, metric, fiscal_period, fiscal_year, period_end, value, published_at, source)
       VALUES ('AAA', $1, 'FY', $2, $3, $4, $5, 'test')`,
      [metric, year, `${year}-12-31`, value, `${published}T00:00:00Z`],
    );
  }

  /** Computes both sets over the stored history (rewriting only rows whose values changed). */
  async function computeAll(): Promise<void> {
    for (const featureSet of ['default', 'fundamentals']) {
      const plan = await inActivity(() => features.planFeatureRecompute({ featureSet, interval: '1d' }));
      await inActivity(() => features.recomputeFeatureChunk({ pipelineRunId: runId, ...plan, interval: '1d' }));
    }
  }

  const request = (format: ExportFormat, over: Partial<ExportRequest> = {}): ExportRequest => ({
    symbols: ['AAA', 'BBB'], interval: '1d', from: day(30), to: day(N - 1), featureSetVersions: [defaultVersion, 'fundamentals'],
    label: 'fwd_return:5', format, splits: { train: 0.6, validation: 0.2 }, outPath: path.join(dir, `${format}-${++seq}.${format}`),
    pipelineRunId: runId, qualityResultIds: [], gate: { decision: 'skipped', reason: 'test' }, ...over,
  });
  const run = (req: ExportRequest) => ds.transaction((em) => exportTrainingData(em, req));

  /** DuckDB reads the file; ts normalised to ISO text, so the three formats compare equal. */
  async function readBack(file: string, format: ExportFormat): Promise<Row[]> {
    const from = format === 'parquet' ? `read_parquet('${file}')` : format === 'csv' ? `read_csv('${file}', header = true)` : `read_json('${file}', format = 'newline_delimited')`;
    const reader = await duck.runAndReadAll(`SELECT * REPLACE (strftime(ts::TIMESTAMP, '%Y-%m-%dT%H:%M:%SZ') AS ts) FROM ${from}`);
    return reader.getRowObjectsJS().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : (v as string | number | null)])));
  }

  beforeAll(async () => {
    ds = await openTestDataSource();
    await resetData(ds);
    duck = await (await DuckDBInstance.create(':memory:')).connect();
    runId = await new RunRepository(ds).start({ workflowId: 'export-test', runId: 'r1', workflowType: 'test', taskQueue: 'test', input: {}, startedAt: new Date() });
    features = createFeatureActivities(testActivityDeps(ds, { exportDir: dir }));
    await insertRawBars(ds, [...bars.AAA, ...bars.BBB]);
    await fundamental('eps_diluted', 2018, 4, '2019-02-15');
    await fundamental('revenue', 2018, 1000, '2019-02-15');
    await fundamental('net_income', 2018, 100, '2019-02-15');
    await computeAll();
  });

  afterAll(async () => {
    duck?.closeSync();
    await ds?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes CSV, JSON Lines and Parquet that DuckDB reads back with the same rows, labels and splits', async () => {
    const results = await Promise.all((['csv', 'jsonl', 'parquet'] as const).map(async (f) => {
      const r = await run(request(f));
      return { r, rows: await readBack(r.path, f) };
    }));
    // Rows: days 30..259 for two symbols, minus 5 unlabeled bars each, minus two embargo gaps of 5 dates × 2 symbols.
    const labeledDates = N - 30 - 5;
    expect(results[0].r.rows).toBe(2 * labeledDates - 2 * 5 * 2);
    const [csv, jsonl, parquet] = results;
    for (const { r, rows } of results) {
      expect(rows).toHaveLength(r.rows);
      expect(Object.keys(rows[0])).toEqual(r.columns);
      expect(r.columns.slice(0, 4)).toEqual(['symbol', 'ts', 'split', 'sma_10']);
      expect(r.columns).toContain('fa_pe');
      expect(r.columns.at(-1)).toBe('label_fwd_return_5');
      const manifest = JSON.parse(fs.readFileSync(r.manifestPath, 'utf8'));
      expect(manifest).toMatchObject({ rows: r.rows, sha256: r.sha256, format: r.format, pipelineRunId: runId, columns: r.columns });
      expect(manifest.featureSets.map((s: { version: string }) => s.version)).toEqual([defaultVersion, fundamentalsVersion]);
      expect(manifest.splits.train.rows + manifest.splits.validation.rows + manifest.splits.test.rows).toBe(r.rows);
    }
    expect(jsonl.rows).toEqual(csv.rows);
    // Parquet keeps full float64 precision; CSV's text round-trips doubles exactly too.
    expect(parquet.rows).toEqual(csv.rows);

    // Label recomputed from the stored bars: adj close 5 bars ahead over adj close now.
    const aaa = bars.AAA;
    const sample = csv.rows.find((r) => r.symbol === 'AAA' && r.ts === `${day(100)}T00:00:00Z`)!;
    expect(sample.label_fwd_return_5 as number).toBeCloseTo(aaa[105].adjClose! / aaa[100].adjClose! - 1, 12);
    // Point-in-time fundamentals: P/E is missing before the publication, known from it on (raw close / EPS).
    expect(csv.rows.find((r) => r.symbol === 'AAA' && r.ts === `${day(44)}T00:00:00Z`)!.fa_pe).toBeNull();
    expect(csv.rows.find((r) => r.symbol === 'AAA' && r.ts === `${day(45)}T00:00:00Z`)!.fa_pe as number).toBeCloseTo(aaa[45].close / 4, 9);
    expect(csv.rows.find((r) => r.symbol === 'BBB' && r.ts === `${day(100)}T00:00:00Z`)!.fa_pe).toBeNull();

    // Splits: contiguous in time, in order, separated by 5 dates that belong to no split.
    const s = csv.r.splits;
    const dates = [...new Set(csv.rows.map((r) => String(r.ts).slice(0, 10)))];
    expect([s.train.from, s.test.to]).toEqual([day(30), day(N - 1 - 5)]);
    const gap = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / DAY - 1;
    expect(gap(s.train.to!, s.validation.from!)).toBe(5);
    expect(gap(s.validation.to!, s.test.from!)).toBe(5);
    expect(dates).toHaveLength(labeledDates - 10);
    expect(s.train.rows).toBe(2 * Math.floor(labeledDates * 0.6));
  });

  it('labels by direction or by an expression over future closes', async () => {
    const dir5 = await run(request('parquet', { label: 'direction:5' }));
    const expr = await run(request('csv', { label: 'expr:ln(close[10] / close[0])' }));
    const d = await readBack(dir5.path, 'parquet');
    const e = await readBack(expr.path, 'csv');
    const aaa = bars.AAA;
    const at = (rows: Row[], i: number) => rows.find((r) => r.symbol === 'AAA' && r.ts === `${day(i)}T00:00:00Z`)!;
    for (const i of [70, 90, 130]) {
      expect(at(d, i).label_direction_5).toBe(aaa[i + 5].adjClose! > aaa[i].adjClose! ? 1 : 0);
      expect(at(e, i).label_expr as number).toBeCloseTo(Math.log(aaa[i + 10].adjClose! / aaa[i].adjClose!), 12);
    }
    expect(new Set(d.map((r) => r.label_direction_5))).toEqual(new Set([0, 1]));
    // A 10-bar label drops 10 bars per symbol and embargoes 10 dates.
    expect(expr.rows).toBe(2 * (N - 30 - 10) - 2 * 10 * 2);
    expect(() => parseLabelSpec('expr:close[5]; DROP TABLE price_data')).toThrow(InputError);
    expect(() => parseLabelSpec('expr:close[0] * 2')).toThrow(/reads no future close/);
    expect(() => parseLabelSpec('fwd_return:0')).toThrow(/horizon must be an integer/);
  });

  it('look-ahead: changing every price after D and restating a fundamental after D changes no feature dated ≤ D', async () => {
    const D = 150;
    const columnsOf = (rows: Row[]) => Object.keys(rows[0]).filter((c) => !['symbol', 'ts', 'split'].includes(c) && !c.startsWith('label_'));
    const before = await readBack((await run(request('csv'))).path, 'csv');

    // Every bar after D moves (prices up 30% with noise), and FY2018 EPS is restated after D.
    await ds.query(
      `UPDATE price_data SET open = open * 1.3, high = high * 1.31, low = low * 1.29, close = close * 1.3 + 0.01 * extract(doy FROM ts),
         adj_close = adj_close * 1.3, volume = volume * 2 WHERE ts > $1`,
      [`${day(D)}T23:59:59Z`],
    );
    await fundamental('eps_diluted', 2018, 8, day(D + 3));
    await computeAll();
    const after = await readBack((await run(request('csv'))).path, 'csv');

    const key = (r: Row) => `${r.symbol}|${r.ts}`;
    const afterByKey = new Map(after.map((r) => [key(r), r]));
    const cols = columnsOf(before);
    let labelsChanged = 0;
    let rowsCompared = 0;
    for (const b of before.filter((r) => String(r.ts) <= `${day(D)}T23`)) {
      const a = afterByKey.get(key(b))!;
      rowsCompared++;
      for (const c of cols) expect([key(b), c, a[c]]).toEqual([key(b), c, b[c]]);
      const i = Math.round((Date.parse(String(b.ts)) - START) / DAY);
      if (a.label_fwd_return_5 !== b.label_fwd_return_5) {
        labelsChanged++;
        expect(i).toBeGreaterThan(D - 5); // only labels that read a close after D
      }
    }
    expect(rowsCompared).toBeGreaterThan(100);
    expect(labelsChanged).toBe(2 * 5);
    // The test can fail: features after D did change, and the restatement shows up from its publication on.
    const later = (rows: Row[], i: number) => rows.find((r) => r.symbol === 'AAA' && r.ts === `${day(i)}T00:00:00Z`)!;
    expect(later(after, D + 10).sma_10).not.toEqual(later(before, D + 10).sma_10);
    const rawClose = async (i: number) => (await ds.query(`SELECT close FROM price_data WHERE symbol = 'AAA' AND ts = $1`, [`${day(i)}T00:00:00Z`]))[0].close;
    expect(later(after, D + 2).fa_pe as number).toBeCloseTo((await rawClose(D + 2)) / 4, 9);
    expect(later(after, D + 3).fa_pe as number).toBeCloseTo((await rawClose(D + 3)) / 8, 9);
  });

  it('joins the documents feature set next to the default one, point in time', async () => {
    const docs = fs.mkdtempSync(path.join(dir, 'documents-'));
    // An 8-K without an acceptance time: dated 22:00 New York of its filing day, 03:00Z on day 61 (EST).
    fs.writeFileSync(path.join(docs, `AAA_8-K_${day(60)}.txt`), 'AAA announces its quarterly results.');
    await ingestSource(ds, new DocumentRepository(ds), new FolderSource(docs), { pipelineRunId: null });
    const plan = await inActivity(() => features.planFeatureRecompute({ featureSet: 'documents', interval: '1d' }));
    await inActivity(() => features.recomputeFeatureChunk({ pipelineRunId: runId, ...plan, interval: '1d' }));
    const r = await run(request('csv', { featureSetVersions: [defaultVersion, 'documents'] }));
    expect(r.columns).toEqual(expect.arrayContaining(['sma_10', 'doc_text_similarity', 'doc_days_since_8k', 'doc_filings_30d']));
    expect(r.columns).not.toContain('fa_pe');
    const rows = await readBack(r.path, 'csv');
    const at = (symbol: string, i: number) => rows.find((x) => x.symbol === symbol && x.ts === `${day(i)}T00:00:00Z`)!;
    expect(at('AAA', 61)).toMatchObject({ doc_days_since_8k: null, doc_filings_30d: 0 });
    expect(at('AAA', 62)).toMatchObject({ doc_days_since_8k: 21 / 24, doc_filings_30d: 1, doc_text_similarity: null });
    expect(at('BBB', 62)).toMatchObject({ doc_days_since_8k: null, doc_filings_30d: 0 });
  });

  it('rejects unknown feature sets and versions', async () => {
    await expect(run(request('csv', { featureSetVersions: ['default@default-000000000000'] }))).rejects.toThrow(/is not registered/);
    await expect(run(request('csv', { featureSetVersions: ['nope'] }))).rejects.toThrow(InputError);
  });
});
