// Import stage: 400 symbols × 2,500 synthetic daily bars (1,000,000 at scale 1), side by side in one run:
//   limit   raw COPY of the same generated rows into an empty table with price_data's indexes
//   ours    importPrices (check every row, dedupe, write) into an empty range
//   ours    a full re-import of the same rows (nothing may be rewritten)
// and peak memory at a quarter of the rows vs all of them (streaming per symbol should keep it flat).
import { copyRows, type CopyValue } from '../../src/db/copy';
import { importPrices, importRepositories } from '../../src/import/import-prices';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { measure, peakLiveMemoryMb, rate, type BenchContext, type BenchResult, type BenchStage } from './harness';

const DAYS = 2500;

function rangeOfDays(days: number) {
  const all = SyntheticProvider.tradingDays({ from: '2010-01-04', to: '2022-12-31' });
  return { from: '2010-01-04', to: all[days - 1].toISOString().slice(0, 10) };
}

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const symbolCount = Math.max(4, Math.round(400 * ctx.scale));
  const symbols = Array.from({ length: symbolCount }, (_, i) => `B${String(i).padStart(4, '0')}`);
  const range = rangeOfDays(DAYS);
  const provider = new SyntheticProvider(11);
  const rows = symbolCount * DAYS;
  const repo = importRepositories(ctx.ds);
  const importInto = (syms: string[]) =>
    ctx.ds.transaction((em) => importPrices(em, repo, provider, { symbols: syms, interval: '1d', range, pipelineRunId: null }));

  ctx.log(`raw COPY of ${rows} rows (limit)`);
  await ctx.ds.query(`CREATE TABLE bench_raw_copy (LIKE price_data INCLUDING ALL)`);
  // Not the partial index of bars awaiting context: raw rows (close_run NULL) would all land in it, while the import
  // writes each bar's context inline and never touches it. Without it the limit is the cheaper of the two.
  for (const { name } of await ctx.ds.query(`SELECT indexrelid::regclass::text AS name FROM pg_index
      WHERE indrelid = 'bench_raw_copy'::regclass AND indpred IS NOT NULL`)) await ctx.ds.query(`DROP INDEX ${name}`);
  const raw = await measure(() =>
    ctx.ds.transaction(async (em) => {
      async function* generated(): AsyncIterable<CopyValue[]> {
        for (const symbol of symbols) {
          for await (const r of provider.rows(symbol, '1d', range)) {
            const f = r.fields;
            yield [symbol, '1d', `${f.date}T00:00:00Z`, f.open as number, f.high as number, f.low as number, f.close as number, f.adjClose as number,
              f.volume as number, 'synthetic', null, 'vendor'];
          }
        }
      }
      return copyRows(em, 'bench_raw_copy', ['symbol', 'interval', 'ts', 'open', 'high', 'low', 'close', 'adj_close', 'volume', 'source', 'pipeline_run_id', 'adj_source'], generated());
    }));
  await ctx.ds.query(`DROP TABLE bench_raw_copy`);

  ctx.log(`import of ${rows} rows into an empty range`);
  const first = await measure(() => importInto(symbols));
  ctx.log(`re-import of the same ${rows} rows`);
  const again = await measure(() => importInto(symbols));
  if (first.result.inserted !== rows || again.result.unchanged !== rows || again.result.revised + again.result.inserted !== 0) {
    throw new Error(`import bench: unexpected counts first=${JSON.stringify(first.result)} again=${JSON.stringify(again.result)}`);
  }

  // Memory, measured apart from the timings: a quarter of the rows, then all of them, each into empty symbols.
  const memSymbols = (n: number, prefix: string) => symbols.slice(0, n).map((s) => `${prefix}${s}`);
  const quarterSymbols = memSymbols(Math.max(1, Math.round(symbolCount / 4)), 'Q');
  ctx.log(`live memory: import of ${quarterSymbols.length * DAYS} rows, then ${rows}`);
  const memQuarter = await peakLiveMemoryMb(() => importInto(quarterSymbols));
  const memFull = await peakLiveMemoryMb(() => importInto(memSymbols(symbolCount, 'M')));

  const limitName = 'raw COPY into an empty table with price_data indexes';
  const rawRate = rate(rows, raw.seconds);
  return [
    { name: 'import.raw_copy', value: rawRate, unit: 'rows/s', limit: limitName, ratio: 1, note: `${rows} rows in ${raw.seconds.toFixed(2)} s` },
    { name: 'import.first_import', value: rate(rows, first.seconds), unit: 'rows/s', limit: limitName, ratio: rate(rows, first.seconds) / rawRate, note: 'target ≥ 0.5' },
    { name: 'import.reimport_unchanged', value: rate(rows, again.seconds), unit: 'rows/s', limit: limitName, ratio: rate(rows, again.seconds) / rawRate, note: 'target ≥ 0.5; 0 rows rewritten' },
    { name: 'import.peak_live_memory_quarter', value: memQuarter, unit: 'MiB', limit: 'none', ratio: null, note: `${quarterSymbols.length * DAYS} rows` },
    { name: 'import.peak_live_memory_full', value: memFull, unit: 'MiB', limit: 'none', ratio: null, note: `${rows} rows; flat = about the quarter's` },
  ];
}

export const bench: BenchStage = { stage: 'import', run };
