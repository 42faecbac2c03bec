// Booking and valuation against real PostgreSQL: edge checks quarantine with the reason while good rows book,
// re-imports book nothing twice, corrections are reversals, and stored positions equal hand-computed values.
import fs from 'node:fs';
import path from 'node:path';
import { bookTrades, type BookingResult } from '../../src/portfolio/booking';
import { performanceMetrics } from '../../src/portfolio/performance-report';
import { readTradeFile } from '../../src/portfolio/trade-file';
import { valuePortfolio } from '../../src/portfolio/valuation';
import { LocalFilesProvider } from '../../src/providers/local-files';
import { Dec } from '../../src/portfolio/lots';
import { LEDGER_PAGE, PortfolioRepository } from '../../src/repositories/portfolio-repository';
import { bundledDataDir, insertRawBars, useImportHarness } from '../helpers/services';

const NOW = new Date('2024-01-01T00:00:00Z');
const HEADER = 'trade_id,kind,date,symbol,quantity,price,fees,amount,lots,reverses';

describe('portfolio ledger and valuation', () => {
  const h = useImportHarness('portfolio', NOW);
  let repo: PortfolioRepository;
  const file = (name: string, rows: string[]) => {
    const f = path.join(h.dir, name);
    fs.writeFileSync(f, [HEADER, ...rows].join('\n') + '\n');
    return f;
  };
  const book = async (f: string, strict = false, portfolioId = 'P1'): Promise<BookingResult> => {
    const parsed = await readTradeFile(f);
    return h.ds.transaction((em) => bookTrades(em, repo, { portfolioId, source: f, parsed, strict, pipelineRunId: null }));
  };
  const value = (from: string, to: string, portfolioId = 'P1') => valuePortfolio(h.ds, repo, { portfolioId, from, to, pipelineRunId: null });
  const reasons = async () => (await h.ds.query(`SELECT trade_ref, reason FROM trade_quarantine ORDER BY id`)) as { trade_ref: string | null; reason: string }[];

  beforeEach(async () => {
    repo = new PortfolioRepository(h.ds);
    await h.run(new LocalFilesProvider(bundledDataDir, 'bundled'), ['AAPL', 'SPY'], '2016-01-01', '2016-03-31');
    await repo.create({ id: 'P1', name: 'test', currency: 'USD', lotMethod: 'fifo', allowShort: false, benchmarkSymbol: 'SPY' });
  });

  const goodRows = [
    'd1,deposit,2016-01-04,,,,,100000,,',
    'b1,buy,2016-01-04,AAPL,100,104,1,,,',
    'b2,buy,2016-01-05,AAPL,50,103,0,,,',
    's1,sell,2016-01-08,AAPL,120,97,1,,,',
  ];

  it('books the good rows and quarantines each bad one with its reason', async () => {
    const r = await book(file('mixed.csv', [
      ...goodRows,
      'z1,buy,2016-01-06,AAPL,0,100,0,,,',
      'z2,buy,2016-04-31,AAPL,1,100,0,,,',
      'z3,buy,2016-01-06,ZZZZ,1,10,0,,,',
      'z4,buy,2016-01-18,AAPL,1,100,0,,,',
      'z5,sell,2016-01-11,AAPL,1000,97,0,,,',
      'b1,buy,2016-01-04,AAPL,100,104,1,,,',
      'z6,buy,2016-01-06,AAPL,1,200,0,,,',
    ]));
    expect(r.received).toBe(11);
    expect(r.booked).toBe(5); // the four good rows and z6, whose price only warns
    expect(r.quarantined).toBe(6);
    expect(r.warnings.join('\n')).toMatch(/price 200 is outside AAPL's stored range \[[\d.]+, [\d.]+\] on 2016-01-06/);
    const q = await reasons();
    const reasonOf = (ref: string) => q.find((x) => x.trade_ref === ref)?.reason;
    expect(reasonOf('z1')).toBe('quantity is zero');
    expect(reasonOf('z2')).toBe('date 2016-04-31 does not exist');
    expect(reasonOf('z3')).toMatch(/^unknown symbol ZZZZ: no daily bars are stored/);
    expect(reasonOf('z4')).toBe('2016-01-18 is not a trading day on the exchange calendar (XNYS)');
    expect(reasonOf('z5')).toMatch(/^sell of 1000 AAPL but 31 held and shorting is off/);
    expect(q.some((x) => x.trade_ref === 'b1' && /appears twice in the file/.test(x.reason))).toBe(true);
    // settlement: T+2 sessions (2016-01-08 is a Friday → Tuesday 2016-01-12)
    const [s1] = await h.ds.query(`SELECT to_char(settle_date, 'YYYY-MM-DD') AS d FROM trade WHERE trade_ref = 's1'`);
    expect(s1.d).toBe('2016-01-12');
  });

  it('refuses an out-of-range price under --strict', async () => {
    const r = await book(file('strict.csv', ['d1,deposit,2016-01-04,,,,,1000,,', 'x1,buy,2016-01-06,AAPL,1,200,0,,,']), true);
    expect(r.booked).toBe(1);
    expect((await reasons())[0].reason).toMatch(/price 200 is outside .* \(--strict\)$/);
  });

  it('values each session at the stored close, equal to the hand computation', async () => {
    await book(file('good.csv', goodRows));
    const s = await value('2016-01-04', '2016-01-29');
    expect(s.sessions).toBe(19); // January 2016 from the 4th, without MLK day
    expect([s.lastDay, s.nav]).toEqual(['2016-01-29', (await repo.valuations('P1', '2016-01-29', '2016-01-29'))[0].nav]);
    const [v] = await h.ds.query(`SELECT nav::text, cash::text, market_value::text, realised_pnl::text, unrealised_pnl::text, daily_return FROM portfolio_valuation
      WHERE portfolio_id = 'P1' AND as_of = '2016-01-08'`);
    // cash 100000 − 10401 − 5150 + (11640 − 1); 30 AAPL at the stored close of 2016-01-08
    expect(v.cash).toBe('96088');
    expect(v.market_value).toBe('2908.79997');
    expect(v.nav).toBe('98996.79997');
    // FIFO: 100 of b1 (10401) and 20 of b2 (2060) relieved by proceeds of 11639
    expect(v.realised_pnl).toBe('-822');
    expect(v.unrealised_pnl).toBe('-181.20003');
    const [p] = await h.ds.query(`SELECT quantity::text, cost_basis::text, close, weight FROM portfolio_position WHERE portfolio_id = 'P1' AND as_of = '2016-01-08' AND symbol = 'AAPL'`);
    expect([p.quantity, p.cost_basis, p.close]).toEqual(['30', '3090', 96.959999]);
    expect(p.weight).toBeCloseTo(2908.79997 / 98996.79997, 12);
    const rows = await h.ds.query(`SELECT count(*)::int AS n FROM portfolio_position WHERE portfolio_id = 'P1'`);
    expect(rows[0].n).toBe(19 * 2); // AAPL and cash on every session
    // daily return of 2016-01-05: NAV(05) / NAV(04) − 1 with no flow that day
    const two = await h.ds.query(`SELECT nav::float8 AS nav, daily_return FROM portfolio_valuation WHERE portfolio_id = 'P1' ORDER BY as_of LIMIT 2`);
    expect(two[0].daily_return).toBeNull();
    expect(two[1].daily_return).toBeCloseTo(two[1].nav / two[0].nav - 1, 12);
  });

  it('a re-import books nothing twice, and a valuation re-run writes the same rows', async () => {
    const f = file('good.csv', goodRows);
    await book(f);
    const again = await book(f);
    expect([again.booked, again.alreadyBooked, again.quarantined]).toEqual([0, 4, 0]);
    await value('2016-01-04', '2016-01-29');
    const first = await h.ds.query(`SELECT as_of, symbol, quantity, market_value FROM portfolio_position ORDER BY as_of, symbol`);
    await value('2016-01-04', '2016-01-29');
    expect(await h.ds.query(`SELECT as_of, symbol, quantity, market_value FROM portfolio_position ORDER BY as_of, symbol`)).toEqual(first);
  });

  it('a correction is a reversal plus a new row; the stored rows are never updated', async () => {
    await book(file('good.csv', goodRows));
    const r = await book(file('fix.csv', ['r1,reversal,2016-01-11,,,,,,,b2', 'b2x,buy,2016-01-05,AAPL,50,102.5,0,,,']));
    expect(r.booked).toBe(2);
    expect(r.earliestDate).toBe('2016-01-05');
    await expect(h.ds.query(`UPDATE trade SET price = 1 WHERE trade_ref = 'b1'`)).rejects.toThrow(/append-only/);
    await value('2016-01-04', '2016-01-29');
    const [v] = await h.ds.query(`SELECT cash::text FROM portfolio_valuation WHERE portfolio_id = 'P1' AND as_of = '2016-01-08'`);
    expect(v.cash).toBe(String(96088 + 25)); // 50 shares 0.5 cheaper
    const twice = await book(file('fix2.csv', ['r2,reversal,2016-01-12,,,,,,,b2']));
    expect(twice.booked).toBe(0);
    expect((await reasons()).pop()!.reason).toBe('b2 is already reversed');
  });

  it('applies a split on its ex-date and keeps the value continuous; a dividend accrues until its pay date', async () => {
    const day = (d: string, close: number) => ({ symbol: 'SPLT', interval: '1d', ts: new Date(`${d}T00:00:00Z`), open: close, high: close, low: close, close, adjClose: close, volume: 1000 });
    await insertRawBars(h.ds, [day('2016-02-01', 100), day('2016-02-02', 100), day('2016-02-03', 25), day('2016-02-04', 25), day('2016-02-05', 25)]);
    await h.ds.query(`INSERT INTO corporate_action (symbol, ex_date, kind, ratio, source) VALUES ('SPLT', '2016-02-03', 'split', 4, 'test')`);
    await h.ds.query(`INSERT INTO corporate_action (symbol, ex_date, kind, amount, pay_date, source) VALUES ('SPLT', '2016-02-04', 'dividend', 0.5, '2016-02-08', 'test')`);
    await book(file('split.csv', ['d1,deposit,2016-02-01,,,,,10000,,', 'b1,buy,2016-02-01,SPLT,10,100,0,,,']));
    await value('2016-02-01', '2016-02-08');
    const v = await h.ds.query(`SELECT to_char(as_of, 'YYYY-MM-DD') AS d, nav::text, accrued::text, cash::text FROM portfolio_valuation ORDER BY as_of`);
    expect(v.map((r: { nav: string }) => r.nav)).toEqual(['10000', '10000', '10000', '10020', '10020', '10020']);
    expect(v.find((r: { d: string }) => r.d === '2016-02-05').accrued).toBe('20'); // 40 shares × 0.50
    expect(v.find((r: { d: string }) => r.d === '2016-02-08').cash).toBe('9020');
    const [p] = await h.ds.query(`SELECT quantity::text, cost_basis::text, to_char(price_date, 'YYYY-MM-DD') AS pd FROM portfolio_position WHERE symbol = 'SPLT' AND as_of = '2016-02-08'`);
    expect([p.quantity, p.cost_basis, p.pd]).toEqual(['40', '1000', '2016-02-05']); // no bar on the 8th: the latest earlier close
  });

  it('replays a ledger of several pages in full (holdings equal the ledger\'s own sums)', async () => {
    const entries = 3 * LEDGER_PAGE + 123;
    await h.ds.query(`INSERT INTO trade (portfolio_id, trade_ref, kind, amount, currency, executed_at, trade_date, settle_date, source)
      VALUES ('P1', 'dep', 'deposit', 1e7, 'USD', '2016-01-04', '2016-01-04', '2016-01-04', 'test')`);
    // Two buys then a sell of each symbol, cycling over the quarter's sessions: holdings grow by 1 share per cycle.
    await h.ds.query(`WITH s AS (SELECT day, row_number() OVER (ORDER BY day) - 1 AS k FROM exchange_calendar WHERE exchange = 'XNYS' AND trading AND day BETWEEN '2016-01-04' AND '2016-03-31'),
        n AS (SELECT count(*) AS days FROM s)
      INSERT INTO trade (portfolio_id, trade_ref, kind, symbol, quantity, price, currency, executed_at, trade_date, settle_date, source)
      SELECT 'P1', 't' || g, CASE WHEN g % 3 = 2 THEN 'sell' ELSE 'buy' END, CASE WHEN (g / 3) % 2 = 0 THEN 'AAPL' ELSE 'SPY' END, 1, 100, 'USD',
        s.day::timestamp AT TIME ZONE 'UTC' + g * interval '1 millisecond', s.day, s.day, 'test'
      FROM generate_series(0, $1 - 1) g CROSS JOIN n JOIN s ON s.k = (g * n.days) / $1`, [entries]);
    const expected = await h.ds.query(`SELECT symbol, sum(CASE WHEN kind = 'buy' THEN quantity ELSE -quantity END)::text AS q FROM trade
      WHERE portfolio_id = 'P1' AND symbol IS NOT NULL GROUP BY symbol ORDER BY symbol`);
    const s = await value('2016-03-31', '2016-03-31');
    expect(s.positionRows).toBe(3); // AAPL, SPY and cash
    const held = await h.ds.query(`SELECT symbol, quantity::text AS q FROM portfolio_position WHERE as_of = '2016-03-31' AND symbol <> '$CASH' ORDER BY symbol`);
    expect(held).toEqual(expected);
    const [cash] = await h.ds.query(`SELECT quantity::text AS q FROM portfolio_position WHERE as_of = '2016-03-31' AND symbol = '$CASH'`);
    const net = await h.ds.query(`SELECT (1e7 - sum(CASE WHEN kind = 'buy' THEN 100 ELSE -100 END))::text AS c FROM trade WHERE portfolio_id = 'P1' AND symbol IS NOT NULL`);
    expect(new Dec(cash.q).eq(net[0].c)).toBe(true);
  });

  it('names the symbol that has no price to value it with', async () => {
    await insertRawBars(h.ds, [{ symbol: 'LATE', interval: '1d', ts: new Date('2016-03-01T00:00:00Z'), open: 1, high: 1, low: 1, close: 1, adjClose: 1, volume: 1 }]);
    await book(file('late.csv', ['d1,deposit,2016-02-01,,,,,100,,', 'b1,buy,2016-02-01,LATE,1,1,0,,,']));
    await expect(value('2016-02-01', '2016-02-05')).rejects.toThrow(/LATE is held on 2016-02-01 but has no stored daily close on or before that day/);
  });

  it('computes performance rows with their conventions', async () => {
    await book(file('good.csv', goodRows));
    await value('2016-01-04', '2016-03-31');
    const valuations = await repo.valuations('P1');
    const spy = await repo.benchmarkCloses(undefined, 'SPY', '2016-01-04', '2016-03-31');
    const rows = performanceMetrics({ valuations, benchmark: { symbol: 'SPY', closes: new Map(spy.map((c) => [c.day, c.close])) }, riskFreeAnnual: 0, riskFreeSource: 'constant 0' });
    const inception = (m: string) => rows.find((r) => r.period === 'inception' && r.metric === m)!;
    const navs = valuations.map((v) => Number(v.nav));
    // one deposit on day one and nothing after: the TWR is the NAV ratio from the close of day one
    expect(inception('time_weighted_return').value).toBeCloseTo(navs[navs.length - 1] / navs[0] - 1, 10);
    expect(inception('sharpe_ratio').conventions).toMatchObject({ periodsPerYear: 252, ddof: 1, riskFreeSource: 'constant 0', benchmark: 'SPY' });
    expect(inception('max_drawdown').conventions.troughDate).toMatch(/^2016-/);
    expect(rows.some((r) => r.period === '2016' && r.conventions.partial === true)).toBe(true);
    expect(rows.some((r) => r.period === '1y')).toBe(false); // less than a year of history
  });
});
