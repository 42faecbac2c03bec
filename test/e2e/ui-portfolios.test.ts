// The Portfolios & risk pages of `tickflow ui` in headless Chromium, over a database the real workflows filled on a
// Temporal test worker: the pipeline (AAPL, GOOG, SPY over 2015), bookTrades (booked and valued), riskRun (two
// methods, backtested) and optimizePortfolio; then a stale mark. The numbers on the pages are the stored ones.
import fs from 'node:fs';
import path from 'node:path';
import { DerivedStalenessRepository } from '../../src/repositories/derived-staleness-repository';
import { PortfolioRepository } from '../../src/repositories/portfolio-repository';
import { bookTrades, optimizePortfolio, riskRun } from '../../workflows';
import { expectErrorPages, expectNoScriptRan, useUiBrowser } from '../helpers/ui-browser';
import { useUiServer } from '../helpers/ui-server';

jest.setTimeout(180_000);

const HOSTILE = '"><img src=x onerror=window.__x=1><script>window.__x=2</script>';
const ID = 'ui-p';
const SYMBOLS = ['AAPL', 'GOOG', 'SPY'];

describe('tickflow ui: Portfolios & risk', () => {
  let optimizationId = '';
  const ui = useUiServer('ui-portfolios', {
    pipelines: [{ symbols: SYMBOLS, from: '2015-01-02', to: '2015-12-31' }],
    seed: async (h) => {
      await new PortfolioRepository(h.ds).create({ id: ID, name: HOSTILE, currency: 'USD', lotMethod: 'fifo', allowShort: false, benchmarkSymbol: 'SPY' });
      const trades = path.join(h.exportDir, 'trades.csv');
      fs.writeFileSync(trades, ['trade_id,kind,date,symbol,quantity,price,fees,amount', 'd1,deposit,2015-01-02,,,,,100000',
        'b1,buy,2015-01-05,AAPL,300,106.25,1,', 'b2,buy,2015-01-05,SPY,200,201.72,1,', 'b3,buy,2015-06-01,GOOG,20,540,1,'].join('\n') + '\n');
      const run = <T>(wf: (input: never) => Promise<T>, input: unknown, id: string) =>
        h.env.client.workflow.execute(wf as (input: unknown) => Promise<T>, { taskQueue: h.taskQueue, workflowId: `ui-portfolios-${id}`, args: [input] });
      await run(bookTrades, { portfolioId: ID, path: trades }, 'book');
      await run(riskRun, { portfolioId: ID, from: '2015-10-01', to: '2015-12-31', methods: ['historical', 'parametric_normal'], levels: [0.99], horizons: [1], options: { window: 60 } }, 'risk');
      const opt = await run(optimizePortfolio, { symbols: SYMBOLS, asOf: '2015-12-31', lookbackDays: 365 }, 'optimize');
      optimizationId = (opt as { optimization: { optimizationId: string } }).optimization.optimizationId;
      // A revised GOOG bar from 2015-11-02 on: the staleness mechanism marks the positions, VaR rows and optimisation that read it.
      await h.ds.transaction((em) => new DerivedStalenessRepository(h.ds).markInputChanged(em, 'price_data', '1d', new Map([['GOOG', new Date('2015-11-02T00:00:00Z')]]), null));
      // The optimisation that read GOOG up to its as-of is marked by the same call (kind portfolio_optimization).
      expect(await new DerivedStalenessRepository(h.ds).open({ kind: 'portfolio_optimization', keys: [optimizationId] })).toHaveLength(1);
    },
  });
  const browser = useUiBrowser();

  it('lists portfolios and runs, and shows positions, performance, VaR against P&L with exceptions and the traffic light', async () => {
    const { page, status, pageErrors, consoleErrors, requests } = await browser.open(`${ui.url}/portfolios`);
    expect(status).toBe(200);
    const row = page.locator(`#portfolios tr[data-portfolio="${ID}"]`);
    expect(await row.locator('td').nth(1).innerText()).toBe(HOSTILE);
    await expectNoScriptRan(page);
    const [nav] = await ui.h.ds.query(`SELECT nav::text AS nav FROM portfolio_valuation WHERE portfolio_id = $1 ORDER BY as_of DESC LIMIT 1`, [ID]);
    // Amounts read to the cent; the exact stored decimal is the cell's data-value.
    expect(await row.locator('td').nth(5).locator('[data-value]').getAttribute('data-value')).toBe(nav.nav);
    expect(await row.locator('td').nth(5).innerText()).toBe(Number(nav.nav).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    expect(await row.locator('.badge.bad').innerText()).toBe('stale from 2015-11-02');
    expect(await page.locator(`#optimizations tr[data-optimization="${optimizationId}"] .badge.bad`).innerText()).toBe('stale from 2015-11-02');

    await row.locator('a').click();
    await page.waitForURL(new RegExp(`/portfolios/${ID}$`));
    expect(await page.locator('#portfolio-name').innerText()).toBe(HOSTILE);
    await expectNoScriptRan(page);
    expect(await page.locator('table.stale-marks tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind')).sort()))
      .toEqual(['portfolio_position', 'var_calculation']);
    // Positions: the latest valued date's rows, as stored.
    const positions: { symbol: string; market_value: string; quantity: string }[] = await ui.h.ds.query(
      `SELECT symbol, market_value::text, quantity::text FROM portfolio_position WHERE portfolio_id = $1 AND as_of = (SELECT max(as_of) FROM portfolio_position WHERE portfolio_id = $1)`, [ID]);
    expect(await page.locator('#positions tbody tr').count()).toBe(positions.length);
    for (const p of positions) {
      const cells = page.locator(`#positions tr[data-symbol="${p.symbol}"] td`);
      expect(await cells.nth(1).innerText()).toBe(p.quantity);
      expect(await cells.nth(5).locator('[data-value]').getAttribute('data-value')).toBe(p.market_value);
    }
    // TWR compounded from the stored daily returns; charts drawn as SVG.
    const returns: { r: number | null }[] = await ui.h.ds.query(`SELECT daily_return AS r FROM portfolio_valuation WHERE portfolio_id = $1 ORDER BY as_of`, [ID]);
    const twr = returns.reduce((g, x) => g * (1 + (x.r ?? 0)), 1) - 1;
    expect(await page.locator('#twr').innerText()).toBe(`${(twr * 100).toFixed(2)} %`);
    // The headline figures are the stored since-inception metrics.
    const stored: { metric: string; value: number }[] = await ui.h.ds.query(`SELECT metric, value FROM performance_metric WHERE subject_id = $1 AND period = 'inception'`, [ID]);
    const metric = (name: string) => `${(stored.find((m) => m.metric === name)!.value * 100).toFixed(2)} %`;
    expect(await page.locator('#twr').innerText()).toBe(metric('time_weighted_return'));
    expect(await page.locator('#max-drawdown').innerText()).toBe(metric('max_drawdown'));
    expect(await page.locator('#benchmark-return').innerText()).toBe(metric('benchmark_return'));
    // The drawdown chart's trough is that maximum drawdown.
    const dd: string[][] = await page.locator('figure[data-chart="drawdown"] details.chart-data tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')));
    expect(Math.min(...dd.map((r) => Number(r[3])))).toBeCloseTo(stored.find((m) => m.metric === 'max_drawdown')!.value, 12);
    // The benchmark's line ends at its stored return over the same dates.
    const lines: string[][] = await page.locator('figure[data-chart="twr"] details.chart-data tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')));
    const spy = lines.filter((r) => r[0] === 'SPY total return');
    expect(Number(spy[spy.length - 1][3])).toBeCloseTo(stored.find((m) => m.metric === 'benchmark_return')!.value, 12);
    for (const chart of ['twr', 'drawdown', 'nav', 'pnl', 'var']) expect(await page.locator(`figure[data-chart="${chart}"] svg`).count()).toBe(1);
    expect(await page.locator('figure[data-chart="twr"]').getAttribute('data-series')).toBe('2');

    // VaR: exceptions are the days whose realised P&L fell below −VaR; the traffic light is the stored backtest's.
    const [ex] = await ui.h.ds.query(`SELECT count(*)::int AS n, count(p.pnl)::int AS outcomes FROM var_calculation v LEFT JOIN risk_pnl p ON p.portfolio_id = v.portfolio_id AND p.as_of = v.as_of AND p.horizon_days = 1
      WHERE v.portfolio_id = $1 AND v.method = 'historical' AND v.confidence_level = 0.99 AND v.horizon_days = 1 AND p.pnl < -v.value_at_risk`, [ID]);
    expect(await page.locator('figure[data-chart="var"]').getAttribute('data-markers')).toBe(String(ex.n));
    expect(await page.locator('#exceptions').innerText()).toMatch(new RegExp(`^${ex.n} of `));
    const [bt] = await ui.h.ds.query(`SELECT traffic_light, exceptions FROM var_backtest WHERE portfolio_id = $1 AND method = 'historical' AND confidence_level = 0.99 AND horizon_days = 1`, [ID]);
    expect(await page.locator('#traffic-light [data-traffic-light]').getAttribute('data-traffic-light')).toBe(bt.traffic_light);
    expect(await page.locator('#backtests tbody tr').count()).toBe(2);

    // Another series through the backtest table's link.
    await page.locator('#backtests tr[data-method="parametric_normal"] a').click();
    await page.waitForURL(/method=parametric_normal/);
    const [latest] = await ui.h.ds.query(`SELECT value_at_risk AS var FROM var_calculation WHERE portfolio_id = $1 AND method = 'parametric_normal' ORDER BY as_of DESC LIMIT 1`, [ID]);
    expect(Math.abs(Number(await page.locator('#latest-var').innerText()) / latest.var - 1)).toBeLessThan(1e-5); // 6 significant digits
    expect(pageErrors).toEqual([]);
    // Nothing the CSP refused (an inline style or script would be logged), nothing fetched from elsewhere.
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused/i.test(e))).toEqual([]);
    expect(requests.every((u) => u.startsWith(ui.url))).toBe(true);
    await page.close();
  });

  it('shows an optimisation run\'s frontier and weights as stored', async () => {
    const { page, consoleErrors } = await browser.open(`${ui.url}/portfolios`);
    await page.locator(`#optimizations tr[data-optimization="${optimizationId}"] a`).click();
    await page.waitForURL(new RegExp(`/optimizations/${optimizationId}$`));
    const [row] = await ui.h.ds.query(`SELECT weights, outputs, status FROM portfolio_optimization WHERE id = $1`, [optimizationId]);
    expect(await page.locator('#opt-status').innerText()).toBe(row.status);
    expect(await page.locator('table.stale-marks tr[data-kind="portfolio_optimization"] td').nth(2).innerText()).toBe('GOOG');
    const frontier = page.locator('figure[data-chart="frontier"]');
    expect(await frontier.locator('svg').count()).toBe(1);
    expect(await frontier.getAttribute('data-points')).toBe(String(row.outputs.frontier.length + Object.keys(row.outputs.mu).length + 1));
    expect(await page.locator('figure[data-chart="weights"] svg').count()).toBe(1);
    for (const [symbol, w] of Object.entries(row.weights as Record<string, number>)) {
      expect(Number(await page.locator(`#weights tr[data-symbol="${symbol}"] td[data-weight]`).getAttribute('data-weight'))).toBe(w);
    }
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused/i.test(e))).toEqual([]);
    await page.close();
  });

  it('answers bad parameters with 400 and unknown portfolios and runs with 404', async () => {
    await expectErrorPages(browser, ui.url, [
      [`/portfolios/${ID}?level=2`, 400, 'level="2"'],
      [`/portfolios/${ID}?method=${encodeURIComponent(HOSTILE)}`, 400, '<img src=x onerror=window.__x=1>'],
      [`/portfolios?x=1`, 400, 'x: unknown parameter'],
      ['/portfolios/nope', 404, 'no portfolio "nope"'],
      [`/portfolios/${encodeURIComponent(HOSTILE)}`, 404, 'no portfolio'],
      ['/optimizations/00000000-0000-4000-8000-000000000000', 404, 'no optimisation run'],
      ['/optimizations/not-a-uuid', 404, 'no optimisation run'],
    ]);
  });
});
