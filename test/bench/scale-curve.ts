// The daily cost curve: the whole backfill (import → features → quality → export) from an empty database at 1 M,
// 5 M and 25 M bars (× TICKFLOW_BENCH_SCALE; 20 years per symbol, so 25 M bars is the 5,000-symbol market), each
// point in its own scratch database on one worker process. The largest point is the end-to-end figure. Then, on
// the smallest and the largest database, the same reads: a one-year feature window of K symbols and a gated,
// point-in-time training export of the same K symbols over that year (K = 100, or every symbol of the smallest).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { runStandaloneExport } from '../../src/export/standalone-export';
import { DEFAULT_SPLITS } from '../../src/export/training-export';
import { DEFAULT_FEATURE_SET, featureSetVersion } from '../../src/features/feature-set';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { FeatureRepository } from '../../src/repositories/feature-repository';
import { barsOf, runBackfill, type BackfillRun } from './scale-backfill';
import { databaseSize } from './scale-probe';
import { scratchDatabase, type BenchContext, type BenchResult } from './harness';

export const DAILY_RANGE = { from: '2000-01-03', to: '2019-12-31' };
const READ_YEAR = { from: '2019-01-02', to: '2019-12-31' };
const POINTS = [{ key: '1e6', bars: 1_000_000 }, { key: '5e6', bars: 5_000_000 }, { key: '25e6', bars: 25_000_000 }];

interface Reads {
  windowMs: number;
  exportS: number;
  exportRows: number;
}

const symbolName = (i: number) => `SYN${String(i).padStart(4, '0')}`;

/** Median of 3: the K symbols' one-year windows read one after another (what a model's data loader does), and one export. */
async function reads(ds: DataSource, k: number): Promise<Reads> {
  const repo = new FeatureRepository(ds);
  const version = featureSetVersion(DEFAULT_FEATURE_SET);
  const from = new Date(`${READ_YEAR.from}T00:00:00Z`);
  const to = new Date(`${READ_YEAR.to}T23:59:59.999Z`);
  const symbols = Array.from({ length: k }, (_, i) => symbolName(i));
  const times: number[] = [];
  for (let round = 0; round < 4; round++) {
    const t0 = process.hrtime.bigint();
    let rows = 0;
    for (const s of symbols) rows += (await repo.range(version, s, '1d', from, to)).length;
    if (rows !== k * SyntheticProvider.tradingDays(READ_YEAR).length) throw new Error(`scale bench: the year window read ${rows} rows`);
    if (round > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e6); // round 0 warms the cache
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-bench-scale-export-'));
  try {
    const t0 = process.hrtime.bigint();
    const r = await runStandaloneExport(ds, {
      symbols, interval: '1d', ...READ_YEAR, featureSetVersions: [version], label: 'fwd_return:5', format: 'csv', splits: DEFAULT_SPLITS,
      outPath: path.join(dir, 'pit.csv'), gate: true,
    });
    const exportS = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 'exported') throw new Error(`scale bench: the export was ${r.status}`);
    return { windowMs: times.sort((a, b) => a - b)[1], exportS, exportRows: r.rows };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function costCurve(ctx: BenchContext, env: TestWorkflowEnvironment): Promise<BenchResult[]> {
  const perSymbol = barsOf(1, DAILY_RANGE);
  const points = POINTS.map((p) => ({ ...p, symbols: Math.max(2, Math.round((p.bars * ctx.scale) / perSymbol)) }));
  const k = Math.min(100, points[0].symbols);
  const runs: (BackfillRun & { key: string; bytes: { database: number; priceData: number; featureData: number } })[] = [];
  const read = new Map<string, Reads>();
  for (const p of points) {
    const db = await scratchDatabase(ctx.databaseUrl);
    try {
      const run = await runBackfill({ env, databaseUrl: db.url, symbols: p.symbols, range: DAILY_RANGE, workers: 1, exportEnabled: true, log: ctx.log });
      await db.ds.query('VACUUM ANALYZE price_data, feature_data');
      runs.push({ ...run, key: p.key, bytes: await databaseSize(db.url) });
      ctx.log(`${p.key}: ${run.bars} bars in ${run.seconds.toFixed(1)} s (${run.barsPerS.toFixed(0)} bars/s); peaks bench ${run.probe.benchPeakMb.toFixed(0)} MiB, `
        + `worker ${run.probe.workerPeakMb[0].toFixed(0)} MiB, backend ${run.probe.backendPeakMb.toFixed(0)} MiB; PostgreSQL busy ${(100 * run.probe.pgBusyShare).toFixed(0)}%`);
      if (p === points[0] || p === points[points.length - 1]) read.set(p.key, await reads(db.ds, k));
    } finally {
      await db.drop();
    }
  }
  const [first, last] = [runs[0], runs[runs.length - 1]];
  const results: BenchResult[] = [
    { name: 'scale.e2e_wall_s', value: last.seconds, unit: 's', limit: '-', ratio: null,
      note: `${last.symbols} symbols × 20 y = ${last.bars} bars, ${last.children} children, from an empty database` },
    { name: 'scale.e2e_bars_per_s', value: last.barsPerS, unit: 'bars/s', limit: 'scale.curve_at_1e6_bars_per_s', ratio: last.barsPerS / first.barsPerS },
  ];
  for (const r of runs) {
    const at = `scale.curve_at_${r.key}`;
    const vs = (field: string, value: number, base: number, unit: string, note?: string): BenchResult => (
      { name: `${at}_${field}`, value, unit, limit: `scale.curve_at_1e6_${field}`, ratio: base > 0 ? value / base : null, ...(note ? { note } : {}) });
    const p = r.probe;
    const f = first.probe;
    results.push(
      vs('bars_per_s', r.barsPerS, first.barsPerS, 'bars/s', `${r.bars} bars${r === last ? '; target ratio ≥ 0.9' : ''}`),
      vs('bench_peak_rss_mb', p.benchPeakMb, f.benchPeakMb, 'MiB', 'ratio = this size / the smallest: ≈ 1 when flat'),
      vs('worker_peak_rss_mb', p.workerPeakMb[0], f.workerPeakMb[0], 'MiB'),
      vs('pg_backend_peak_private_mb', p.backendPeakMb, f.backendPeakMb, 'MiB', 'largest one backend, shared buffers excluded'),
      vs('pg_backends_total_peak_private_mb', p.backendsTotalPeakMb, f.backendsTotalPeakMb, 'MiB'),
      vs('db_bytes_per_bar', r.bytes.database / r.bars, first.bytes.database / first.bars, 'B/bar',
        `database ${(r.bytes.database / 2 ** 20).toFixed(0)} MiB: price_data ${(r.bytes.priceData / r.bars).toFixed(0)} B/bar, feature_data ${(r.bytes.featureData / r.bars).toFixed(0)} B/bar`),
      { name: `${at}_pg_busy_share`, value: p.pgBusyShare, unit: 'share', limit: '-', ratio: null, note: `mean ${p.pgMeanActive.toFixed(2)} statements running` },
    );
  }
  const small = read.get(first.key)!;
  const big = read.get(last.key)!;
  results.push(
    { name: 'scale.read_year_window_ms', value: big.windowMs, unit: 'ms', limit: 'same read on the 1e6 database', ratio: small.windowMs / big.windowMs,
      note: `${k} symbols × one year of feature vectors on ${last.bars} bars; ${small.windowMs.toFixed(0)} ms on ${first.bars}` },
    { name: 'scale.export_pit_year_s', value: big.exportS, unit: 's', limit: 'same export on the 1e6 database', ratio: small.exportS / big.exportS,
      note: `${k} symbols, gated, ${big.exportRows} rows; ${small.exportS.toFixed(2)} s on ${first.bars} bars` },
  );
  return results;
}
