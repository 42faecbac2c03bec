// Quality stage: the full default rule set over 1,000,000 synthetic bars, against one sequential scan of the same
// table over the same scope (count + sum, same parallel settings, the same scope predicate) measured in the same run.
// Target: rules ≤ 3× that scan. The bare whole-table scan is reported too.
import { SyntheticProvider } from '../../src/providers/synthetic';
import { copyRows, type CopyValue } from '../../src/db/copy';
import { nyseCalendar } from '../../src/calendar/nyse-calendar';
import { evaluateRules } from '../../src/quality/run-quality';
import { defaultRules } from '../../src/quality/rules';
import { BarContextRepository } from '../../src/repositories/bar-context-repository';
import { textArrayLiteral } from '../../src/repositories/quality-repository';
import { measure, rate, type BenchContext, type BenchResult, type BenchStage } from './harness';

const BARS_PER_SYMBOL = 2500;
const FULL_SYMBOLS = 400; // 400 × 2500 = 1,000,000 bars
const REPEATS = 3;

async function loadBars(ctx: BenchContext, symbols: string[]): Promise<{ bars: number; from: string; to: string }> {
  const provider = new SyntheticProvider(7);
  // NYSE sessions only: the synthetic walk also trades on exchange holidays, and 2.7% of bars failing
  // price.non_trading_day would make this a benchmark of a badly broken feed rather than of the rules.
  const sessions = nyseCalendar(2000, 2012).filter((d) => d.trading).slice(0, BARS_PER_SYMBOL).map((d) => d.day);
  const isSession = new Set(sessions);
  const range = { from: sessions[0], to: sessions[sessions.length - 1] };
  async function* rows(): AsyncIterable<CopyValue[]> {
    for (const symbol of symbols) {
      for await (const r of provider.rows(symbol, '1d', range)) {
        const f = r.fields as { date: string; open: number; high: number; low: number; close: number; adjClose: number; volume: number };
        if (!isSession.has(f.date)) continue;
        yield [symbol, '1d', `${f.date}T00:00:00Z`, f.open, f.high, f.low, f.close, f.adjClose, f.volume, 'synthetic'];
      }
    }
  }
  const bars = await ctx.ds.transaction((em) =>
    copyRows(em, 'price_data', ['symbol', 'interval', 'ts', 'open', 'high', 'low', 'close', 'adj_close', 'volume', 'source'], rows()));
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
    // Raw COPY leaves every bar without its context (the importer writes it inline): derive it once, as the quality
    // stage would, then compact the table so both scans below read what an import would have left.
    let derived = 0;
    const backfill = await measure(() => ctx.ds.transaction(async (em) => {
      derived = await new BarContextRepository(ctx.ds).deriveContext(em, symbols, '1d');
    }));
    await ctx.ds.query('VACUUM FULL ANALYZE price_data');
    ctx.log(`context derived for ${derived} bars in ${backfill.seconds.toFixed(2)} s`);

    const scopeScanSql = `SELECT count(*), sum(close) FROM price_data p WHERE p.symbol = ANY(${textArrayLiteral(symbols)})
      AND p.interval = $1 AND p.ts >= $2 AND p.ts <= $3`;
    const scopeParams = ['1d', `${scope.from}T00:00:00Z`, `${scope.to}T23:59:59.999Z`];
    const tableScan = await median(() => ctx.ds.query('SELECT count(*), sum(close) FROM price_data'));
    const scan = await median(() => ctx.ds.query(scopeScanSql, scopeParams));
    let results = 0;
    const rules = await median(async () => {
      const verdict = await ctx.ds.transaction((em) => evaluateRules(em, defaultRules, scope, { pipelineRunId: null, workflowId: 'bench' }));
      results = verdict.outcomes.length;
    });
    ctx.log(`scope scan ${scan.toFixed(3)} s, table scan ${tableScan.toFixed(3)} s, ${results} rules ${rules.toFixed(3)} s `
      + `(${(rules / scan).toFixed(2)}× the scope scan, ${(rules / tableScan).toFixed(2)}× the table scan)`);
    return [
      { name: 'quality.table_scan', value: rate(loaded.bars, tableScan), unit: 'bars/s', limit: '-', ratio: null, note: 'SELECT count(*), sum(close) FROM price_data' },
      {
        name: 'quality.seq_scan', value: rate(loaded.bars, scan), unit: 'bars/s', limit: '-', ratio: null,
        note: 'SELECT count(*), sum(close) FROM price_data WHERE <the rule pass\'s scope predicate>',
      },
      {
        name: 'quality.context_backfill', value: rate(derived, backfill.seconds), unit: 'bars/s', limit: '-', ratio: null,
        note: `bar context derived for ${derived} raw-COPYed bars in ${backfill.seconds.toFixed(2)} s (imports write it inline)`,
      },
      {
        name: 'quality.default_rules', value: rate(loaded.bars, rules), unit: 'bars/s', limit: 'quality.seq_scan', ratio: scan / rules,
        note: `${results} rules in ${rules.toFixed(2)} s (${(rules / tableScan).toFixed(2)}× the whole-table scan); target ratio ≥ 0.33 (≤ 3× the scan)`,
      },
    ];
  },
};
