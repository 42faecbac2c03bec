// Portfolio stage:
//   valuation  1,000 positions valued every session over 10 years (≈2.5M position rows at scale 1):
//              limit   a plain scan of the same price rows (count and sum of close over the symbols and range)
//   replay     a 1,000,000-entry ledger replayed into lots and positions (the valuation of its last day):
//              limit   reading the same trade rows in the same pages, without replaying them
//   memory     peak live memory of the replay at ¼ and all of the ledger: flat means the same (ratio ¼ / all)
// Bars and trades are generated inside PostgreSQL (untimed), so setup stays a few statements.
import { valuePortfolio } from '../../src/portfolio/valuation';
import { PortfolioRepository } from '../../src/repositories/portfolio-repository';
import { measure, peakLiveMemoryMb, rate, type BenchContext, type BenchResult, type BenchStage } from './harness';

const FROM = '2008-01-02';
const TO = '2017-12-29';

async function seedBars(ctx: BenchContext, symbols: number): Promise<void> {
  await ctx.ds.query(`INSERT INTO price_data (symbol, interval, ts, open, high, low, close, adj_close, volume, source)
    SELECT 'V' || lpad(i::text, 4, '0'), '1d', c.day::timestamp AT TIME ZONE 'UTC', p.px, p.px * 1.02, p.px * 0.98, p.px, p.px, 1e6, 'bench'
    FROM generate_series(0, $1 - 1) i CROSS JOIN exchange_calendar c
    CROSS JOIN LATERAL (SELECT round((50 + i % 200 + 20 * sin(c.ordinal / 40.0 + i))::numeric, 2)::float8 AS px) p
    WHERE c.exchange = 'XNYS' AND c.trading AND c.day BETWEEN $2 AND $3`, [symbols, FROM, TO]);
  await ctx.ds.query(`ANALYZE price_data`);
}

/** A deposit, then one buy of every symbol on the first session: `symbols` positions held all along. */
async function seedHoldings(ctx: BenchContext, portfolioId: string, symbols: number): Promise<void> {
  await ctx.ds.query(`INSERT INTO trade (portfolio_id, trade_ref, kind, amount, currency, executed_at, trade_date, settle_date, source)
    VALUES ($1, 'dep', 'deposit', 1e9, 'USD', $2::date, $2::date, $2::date, 'bench')`, [portfolioId, FROM]);
  await ctx.ds.query(`INSERT INTO trade (portfolio_id, trade_ref, kind, symbol, quantity, price, currency, executed_at, trade_date, settle_date, source)
    SELECT $1, 'b' || symbol, 'buy', symbol, 100, close, 'USD', ts, $2::date, $2::date, 'bench' FROM price_data WHERE ts = $2::date::timestamp AT TIME ZONE 'UTC' AND symbol < 'V' || lpad($3::text, 4, '0')`,
  [portfolioId, FROM, symbols]);
}

/** `n` alternating buys and sells of 10 shares, spread over the symbols and sessions (holdings stay 0 or 10). */
async function seedLedger(ctx: BenchContext, portfolioId: string, n: number, symbols: number): Promise<void> {
  await ctx.ds.query(`INSERT INTO trade (portfolio_id, trade_ref, kind, amount, currency, executed_at, trade_date, settle_date, source)
    VALUES ($1, 'dep', 'deposit', 1e9, 'USD', $2::date, $2::date, $2::date, 'bench')`, [portfolioId, FROM]);
  await ctx.ds.query(`WITH s AS (SELECT day, row_number() OVER (ORDER BY day) - 1 AS k FROM exchange_calendar WHERE exchange = 'XNYS' AND trading AND day BETWEEN $3 AND $4),
      per AS (SELECT ceil($2::float8 / (SELECT count(*) FROM s))::int AS n)
    INSERT INTO trade (portfolio_id, trade_ref, kind, symbol, quantity, price, currency, executed_at, trade_date, settle_date, source)
    SELECT $1, 't' || g, CASE WHEN (g / $5) % 2 = 0 THEN 'buy' ELSE 'sell' END, 'V' || lpad((g % $5)::text, 4, '0'), 10, 100, 'USD',
      s.day::timestamp AT TIME ZONE 'UTC' + (g % per.n) * interval '1 second', s.day, s.day, 'bench'
    FROM generate_series(0, $2::int - 1) g CROSS JOIN per JOIN s ON s.k = g / per.n`, [portfolioId, n, FROM, TO, symbols]);
  await ctx.ds.query(`ANALYZE trade`);
}

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const repo = new PortfolioRepository(ctx.ds);
  const positions = Math.max(20, Math.round(1000 * ctx.scale));
  const ledger = Math.max(20_000, Math.round(1_000_000 * ctx.scale));
  ctx.log(`storing ${positions} symbols × 10 years of bars (untimed)`);
  await seedBars(ctx, positions);
  const [{ sessions }] = await ctx.ds.query(`SELECT count(*)::int AS sessions FROM exchange_calendar WHERE exchange = 'XNYS' AND trading AND day BETWEEN $1 AND $2`, [FROM, TO]);
  const results: BenchResult[] = [];

  // Valuation of every session.
  await repo.create({ id: 'VAL', name: 'bench', currency: 'USD', lotMethod: 'fifo', allowShort: false, benchmarkSymbol: null });
  await seedHoldings(ctx, 'VAL', positions);
  const scan = await measure(() => ctx.ds.query(`SELECT count(*), sum(close) FROM price_data WHERE interval = '1d' AND ts >= $1::date AND ts < $2::date + 1`, [FROM, TO]));
  ctx.log(`valuing ${positions} positions × ${sessions} sessions`);
  const valuation = await measure(() => valuePortfolio(ctx.ds, repo, { portfolioId: 'VAL', from: FROM, to: TO, pipelineRunId: null }));
  const rows = valuation.result.positionRows;
  results.push({
    name: 'portfolio.valuation_10y', value: rate(rows, valuation.seconds), unit: 'position rows/s', limit: 'plain scan of the same price rows',
    ratio: scan.seconds / valuation.seconds, note: `${rows} rows in ${valuation.seconds.toFixed(1)} s; scan ${scan.seconds.toFixed(2)} s`,
  });

  // Replay of a long ledger, valued on its last day only.
  await repo.create({ id: 'REPLAY', name: 'bench', currency: 'USD', lotMethod: 'fifo', allowShort: false, benchmarkSymbol: null });
  ctx.log(`storing a ${ledger}-entry ledger (untimed)`);
  await seedLedger(ctx, 'REPLAY', ledger, positions);
  const readAll = async () => {
    let n = 0;
    for await (const page of repo.ledgerPages(undefined, 'REPLAY', TO)) n += page.length;
    return n;
  };
  await readAll(); // warm: both measurements below read from the same cache
  const read = await measure(readAll);
  const replay = await measure(() => valuePortfolio(ctx.ds, repo, { portfolioId: 'REPLAY', from: TO, to: TO, pipelineRunId: null }));
  results.push({
    name: 'portfolio.replay_1m_trades', value: rate(read.result, replay.seconds), unit: 'trades/s', limit: 'reading the same trade rows in the same pages',
    ratio: read.seconds / replay.seconds, note: `${read.result} entries in ${replay.seconds.toFixed(1)} s; read ${read.seconds.toFixed(1)} s`,
  });

  // Memory flat in the number of trades: the replay of a quarter of the ledger against all of it.
  const quarterDay = (await ctx.ds.query(`SELECT to_char(trade_date, 'YYYY-MM-DD') AS d FROM trade WHERE portfolio_id = 'REPLAY' ORDER BY trade_date, id OFFSET $1 LIMIT 1`, [Math.floor(ledger / 4)]))[0].d;
  const memQuarter = await peakLiveMemoryMb(() => valuePortfolio(ctx.ds, repo, { portfolioId: 'REPLAY', from: quarterDay, to: quarterDay, pipelineRunId: null }));
  const memAll = await peakLiveMemoryMb(() => valuePortfolio(ctx.ds, repo, { portfolioId: 'REPLAY', from: TO, to: TO, pipelineRunId: null }));
  results.push({
    name: 'portfolio.replay_peak_memory', value: memAll, unit: 'MiB', limit: `peak live memory replaying a quarter of the ledger (${memQuarter.toFixed(1)} MiB)`,
    // With a 1 MiB floor so sampling noise on sub-MiB figures does not read as growth.
    ratio: (1 + memQuarter) / (1 + memAll), note: 'flat: ratio ≈ 1',
  });
  return results;
}

export const bench: BenchStage = { stage: 'portfolio', run };
