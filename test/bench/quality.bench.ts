// Quality stage: the full default rule set over 1,000,000 synthetic bars, against one sequential scan of the same
// table (count + sum, same parallel settings) measured in the same run. Target: rules ≤ 3× the scan's time.
import { SyntheticProvider } from '../../src/providers/synthetic';
import { copyRows, type CopyValue } from '../../src/db/copy';
import { evaluateRules } from '../../src/quality/run-quality';
import { defaultRules } from '../../src/quality/rules';
import { measure, rate, type BenchContext, type BenchResult, type BenchStage } from './harness';

const BARS_PER_SYMBOL = 2500;
const FULL_SYMBOLS = 400; // 400 × 2500 = 1,000,000 bars
const REPEATS = 3;

async function loadBars(ctx: BenchContext, symbols: string[]): Promise<{ bars: number; from: string; to: string }> {
  const provider = new SyntheticProvider(7);
  const days = SyntheticProvider.tradingDays({ from: '2000-01-03', to: '2012-12-31' }).slice(0, BARS_PER_SYMBOL);
  const range = { from: days[0].toISOString().slice(0, 10), to: days[days.length - 1].toISOString().slice(0, 10) };
  async function* rows(): AsyncIterable<CopyValue[]> {
    for (const symbol of symbols) {
      for await (const r of provider.rows(symbol, '1d', range)) {
        const f = r.fields as { date: string; open: number; high: number; low: number; close: number; adjClose: number; volume: number };
        yield [symbol, '1d', `${f.date}T00:00:00Z`, f.open, f.high, f.low, f.close, f.adjClose, f.volume, 'synthetic'];
      }
    }
  }
  const bars = await ctx.ds.transaction((em) =>
    copyRows(em, 'price_data', ['symbol', 'interval', 'ts', 'open', 'high', 'low', 'close', 'adj_close', 'volume', 'source'], rows()));
  await ctx.ds.query('VACUUM ANALYZE price_data');
  return { bars, ...range };
}

/** Median of REPEATS timed runs after one warm-up, so the page cache and plan cache are in the same state for both. */
async function median(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) times.push((await measure(fn)).seconds);
  return times.sort((a, b) => a - b)[Math.floor(REPEATS / 2)];
}

export const bench: BenchStage = {
  stage: 'quality',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const symbols = Array.from({ length: Math.max(1, Math.round(FULL_SYMBOLS * ctx.scale)) }, (_, i) => `SYN${String(i).padStart(4, '0')}`);
    const loaded = await loadBars(ctx, symbols);
    ctx.log(`loaded ${loaded.bars} bars (${symbols.length} symbols, ${loaded.from}..${loaded.to})`);
    const scope = { symbols, interval: '1d', from: loaded.from, to: loaded.to };

    const scan = await median(() => ctx.ds.query('SELECT count(*), sum(close) FROM price_data'));
    let results = 0;
    const rules = await median(async () => {
      const verdict = await ctx.ds.transaction((em) => evaluateRules(em, defaultRules, scope, { pipelineRunId: null, workflowId: 'bench' }));
      results = verdict.outcomes.length;
    });
    ctx.log(`scan ${scan.toFixed(3)} s, ${results} rules ${rules.toFixed(3)} s (${(rules / scan).toFixed(2)}× the scan)`);
    return [
      { name: 'quality.seq_scan', value: rate(loaded.bars, scan), unit: 'bars/s', limit: '-', ratio: null, note: 'SELECT count(*), sum(close) FROM price_data' },
      {
        name: 'quality.default_rules', value: rate(loaded.bars, rules), unit: 'bars/s', limit: 'quality.seq_scan', ratio: scan / rules,
        note: `${results} rules in ${rules.toFixed(2)} s; target ratio ≥ 0.33 (≤ 3× the scan)`,
      },
    ];
  },
};
