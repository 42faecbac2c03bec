// Export stage: 400 symbols × 2,500 daily bars (1,000,000 rows at scale 1) × the default feature set (27 values):
//   limit   a plain COPY (SELECT …) TO STDOUT (CSV) of the same feature_data ⋈ price_data join and columns, drained
//   ours    exportTrainingData to CSV, JSON Lines and Parquet (label, splits, embargo, hash, manifest) — target ≤ 2×
//   memory  peak RSS growth while each export runs (streaming: it must not grow with the row count)
// Feature values are synthetic (the export reads them, it does not compute them), so setup stays a few COPYs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import { copyRows, rawClient, type CopyValue } from '../../src/db/copy';
import { exportTrainingData, type ExportFormat } from '../../src/export/training-export';
import { compileFeatureSet } from '../../src/features/compute';
import { DEFAULT_FEATURE_SET, featureSetVersion } from '../../src/features/feature-set';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { FeatureRepository } from '../../src/repositories/feature-repository';
import { measure, type BenchContext, type BenchResult, type BenchStage } from './harness';

const DAYS = 2500;
const FROM = '2010-01-04';

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const symbolCount = Math.max(4, Math.round(400 * ctx.scale));
  const symbols = Array.from({ length: symbolCount }, (_, i) => `E${String(i).padStart(4, '0')}`);
  const days = SyntheticProvider.tradingDays({ from: FROM, to: '2022-12-31' }).slice(0, DAYS);
  const to = days[DAYS - 1].toISOString().slice(0, 10);
  const set = compileFeatureSet(DEFAULT_FEATURE_SET, featureSetVersion(DEFAULT_FEATURE_SET));
  const width = set.names.length;
  const rows = symbolCount * DAYS;

  ctx.log(`storing ${rows} bars and feature rows × ${width} values (untimed)`);
  await new FeatureRepository(ctx.ds).register(set);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  await ctx.ds.transaction(async (em) => {
    await copyRows(em, 'price_data', ['symbol', 'interval', 'ts', 'open', 'high', 'low', 'close', 'adj_close', 'volume', 'source'], (function* (): Iterable<CopyValue[]> {
      for (const s of symbols) {
        let p = 50 + rand() * 100;
        for (const d of days) {
          p *= 1 + (rand() - 0.5) * 0.04;
          yield [s, '1d', d, p, p * 1.01, p * 0.99, p, p, 1_000_000, 'bench'];
        }
      }
    })());
    await copyRows(em, 'feature_data', ['feature_set_version', 'symbol', 'interval', 'ts', 'values'], (function* (): Iterable<CopyValue[]> {
      for (const s of symbols) for (const d of days) yield [set.version, s, '1d', d, Array.from({ length: width }, () => rand() * 100 - 50)];
    })());
  });
  await ctx.ds.query(`ANALYZE price_data; ANALYZE feature_data`);

  const columns = set.names.map((n, i) => `f.values[${i + 1}] AS "${n}"`).join(', ');
  const plainSql = `SELECT f.symbol, to_char(f.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS ts, ${columns}, coalesce(p.adj_close, p.close) AS close
    FROM feature_data f JOIN price_data p ON p.symbol = f.symbol AND p.interval = f.interval AND p.ts = f.ts
    WHERE f.feature_set_version = '${set.version}' AND f.interval = '1d' ORDER BY f.ts, f.symbol`;
  ctx.log('limit: plain COPY (SELECT join) TO STDOUT, drained');
  const limit = await measure(() => ctx.ds.transaction(async (em) => {
    let bytes = 0;
    await pipeline(rawClient(em).query(copyTo(`COPY (${plainSql}) TO STDOUT WITH (FORMAT csv, HEADER true)`)), new Writable({
      write(chunk: Buffer, _e, cb) {
        bytes += chunk.length;
        cb();
      },
    }));
    return bytes;
  }));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-bench-export-'));
  const results: BenchResult[] = [
    { name: 'export.plain_copy_rows_per_s', value: rows / limit.seconds, unit: 'rows/s', limit: 'self', ratio: null, note: `${rows} rows, ${(limit.result / 2 ** 20).toFixed(0)} MiB CSV` },
  ];
  const exportTo = (format: ExportFormat, outPath: string, scope: string[]) => ctx.ds.transaction((em) => exportTrainingData(em, {
    symbols: scope, interval: '1d', from: FROM, to, featureSetVersions: [set.version], label: 'fwd_return:5', format,
    splits: { train: 0.7, validation: 0.15 }, outPath, pipelineRunId: null, qualityResultIds: [], gate: { decision: 'skipped', reason: 'test' },
  }));
  const rssMb = () => process.memoryUsage().rss / 2 ** 20;
  try {
    // Constant memory: Parquet's peak RSS over a quarter of the rows, then over all of them, from the same base.
    // (RSS never shrinks and wasm memory is kept, so equal peaks mean the full run needed nothing more.)
    ctx.log('memory: Parquet over a quarter of the symbols, then all');
    const base = rssMb();
    const quarter = await measure(() => exportTo('parquet', path.join(dir, 'quarter.parquet'), symbols.slice(0, Math.max(1, symbols.length / 4))));
    const quarterPeak = quarter.peakRssDeltaMb;
    let fullPeak = 0;
    for (const format of ['csv', 'parquet', 'jsonl'] as ExportFormat[]) {
      ctx.log(`ours: exportTrainingData → ${format}`);
      const outPath = path.join(dir, `bench.${format}`);
      const startRss = rssMb();
      const m = await measure(() => exportTo(format, outPath, symbols));
      if (format === 'parquet') fullPeak = startRss - base + m.peakRssDeltaMb;
      const expected = symbolCount * (DAYS - 5) - 2 * 5 * symbolCount;
      if (m.result.rows !== expected) throw new Error(`export bench: ${format} wrote ${m.result.rows} rows, expected ${expected}`);
      const ratio = (m.result.rows / m.seconds) / (rows / limit.seconds);
      results.push(
        { name: `export.${format}_rows_per_s`, value: m.result.rows / m.seconds, unit: 'rows/s', limit: 'export.plain_copy_rows_per_s', ratio,
          note: `${m.seconds.toFixed(1)} s vs ${limit.seconds.toFixed(1)} s (${(limit.seconds > 0 ? m.seconds / limit.seconds : 0).toFixed(2)}× the COPY; target ≤ 2×), ${(fs.statSync(outPath).size / 2 ** 20).toFixed(0)} MiB` },
        { name: `export.${format}_peak_rss_growth_mb`, value: m.peakRssDeltaMb, unit: 'MiB', limit: 'none', ratio: null, note: 'RSS growth while it ran' },
      );
      fs.rmSync(outPath, { force: true });
    }
    results.push(
      { name: 'export.parquet_peak_rss_quarter_rows_mb', value: quarterPeak, unit: 'MiB', limit: 'none', ratio: null, note: 'from one base: a quarter of the rows…' },
      { name: 'export.parquet_peak_rss_all_rows_mb', value: fullPeak, unit: 'MiB', limit: 'export.parquet_peak_rss_quarter_rows_mb', ratio: quarterPeak > 0 ? fullPeak / quarterPeak : null,
        note: '…and all of them: ≈ equal when memory is constant (wasm heap + one 65,536-row batch)' },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

export const bench: BenchStage = { stage: 'export', run };
