// Intraday: 500 symbols × one year of 1-minute bars (390 a session: ≈ 49 M bars at scale 1), imported and featured
// by the real importPrices and computeFeatures activities, 25 symbols a call as the backfill's children do. The
// workflows' inputs take interval 1d only (docs/scale.md, "Intraday"), so the activities run here without Temporal.
// limit: each stage's rate over its first batch, on an almost empty database — 1.0 means the cost per bar stays flat
// as the minute history grows.
import { MockActivityEnvironment } from '@temporalio/testing';
import { createFeatureActivities } from '../../activities/features';
import { createImportActivities } from '../../activities/import';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { RunRepository } from '../../src/repositories/run-repository';
import { testActivityDeps } from '../helpers/services';
import { databaseSize, startProbe } from './scale-probe';
import type { BenchContext, BenchResult } from './harness';

const RANGE = { from: '2019-01-02', to: '2019-12-31' };
const BATCH = 25;
const MINUTES_PER_SESSION = 390;

export async function intraday(ctx: BenchContext): Promise<BenchResult[]> {
  const symbolCount = Math.max(2, Math.round(500 * ctx.scale));
  const symbols = Array.from({ length: symbolCount }, (_, i) => `M${String(i).padStart(4, '0')}`);
  const bars = symbolCount * SyntheticProvider.tradingDays(RANGE).length * MINUTES_PER_SESSION;
  const deps = testActivityDeps(ctx.ds);
  const importer = createImportActivities(deps);
  const features = createFeatureActivities(deps);
  const pipelineRunId = await new RunRepository(ctx.ds).start({ workflowId: 'bench-intraday', runId: 'r', workflowType: 'bench', taskQueue: 'bench', input: {}, startedAt: new Date() });
  ctx.log(`intraday: ${symbolCount} symbols × ${RANGE.from}..${RANGE.to} of 1-minute bars (${bars} bars), ${BATCH} symbols a call`);

  const stage = async (name: 'import' | 'features', call: (batch: string[], i: number) => Promise<number>) => {
    const probe = await startProbe({ databaseUrl: ctx.databaseUrl, workerPids: [] });
    let rows = 0;
    let firstRate = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i * BATCH < symbols.length; i++) {
      const b0 = process.hrtime.bigint();
      const n = await call(symbols.slice(i * BATCH, (i + 1) * BATCH), i);
      if (i === 0) firstRate = n / (Number(process.hrtime.bigint() - b0) / 1e9);
      rows += n;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const report = await probe.stop();
    ctx.log(`intraday ${name}: ${rows} rows in ${seconds.toFixed(1)} s; bench peak ${report.benchPeakMb.toFixed(0)} MiB, backend peak ${report.backendPeakMb.toFixed(0)} MiB`);
    return { rows, seconds, firstRate, report };
  };
  const imported = await stage('import', async (batch, i) => {
    const r = await new MockActivityEnvironment({ activityId: `import-${i}` }).run(() =>
      importer.importPrices({ pipelineRunId, symbols: batch, interval: '1m', ...RANGE, source: 'synthetic', seed: 5 })) as { stored: number };
    return r.stored;
  });
  if (imported.rows !== bars) throw new Error(`scale bench: intraday import stored ${imported.rows} bars, expected ${bars}`);
  const computed = await stage('features', async (batch, i) => {
    const r = await new MockActivityEnvironment({ activityId: `features-${i}` }).run(() =>
      features.computeFeatures({ pipelineRunId, symbols: batch, interval: '1m', ...RANGE, featureSet: 'default' })) as { rows: number };
    return r.rows;
  });
  await ctx.ds.query('VACUUM ANALYZE price_data, feature_data');
  const size = await databaseSize(ctx.databaseUrl);
  const rate = (s: { rows: number; seconds: number }) => s.rows / s.seconds;
  return [
    { name: 'scale.intraday_import_bars_per_s', value: rate(imported), unit: 'bars/s', limit: 'the first batch of the import', ratio: rate(imported) / imported.firstRate,
      note: `${symbolCount} symbols × 1 y of 1-minute bars = ${bars} bars in ${imported.seconds.toFixed(0)} s` },
    { name: 'scale.intraday_features_rows_per_s', value: rate(computed), unit: 'rows/s', limit: 'the first batch of the features', ratio: rate(computed) / computed.firstRate,
      note: `${computed.rows} rows in ${computed.seconds.toFixed(0)} s` },
    { name: 'scale.intraday_bench_peak_rss_mb', value: Math.max(imported.report.benchPeakMb, computed.report.benchPeakMb), unit: 'MiB', limit: '-', ratio: null,
      note: 'the bench process is the worker here (activities in process)' },
    { name: 'scale.intraday_pg_backend_peak_private_mb', value: Math.max(imported.report.backendPeakMb, computed.report.backendPeakMb), unit: 'MiB', limit: '-', ratio: null },
    { name: 'scale.intraday_db_bytes_per_bar', value: size.database / bars, unit: 'B/bar', limit: '-', ratio: null,
      note: `price_data ${(size.priceData / bars).toFixed(0)} B/bar, feature_data ${(size.featureData / bars).toFixed(0)} B/bar` },
  ];
}
