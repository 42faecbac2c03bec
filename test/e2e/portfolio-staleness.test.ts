// Derived data follows its inputs, for portfolios: a booking marks the portfolio's positions stale from the first date
// it touched and its revaluation clears the mark; a revised bar of a held symbol marks them stale from that bar, and
// the next valuation — even one asked to start later — recomputes from there with the revised closes.
import fs from 'node:fs';
import path from 'node:path';
import { importPrices, importRepositories } from '../../src/import/import-prices';
import { LocalFilesProvider } from '../../src/providers/local-files';
import { DerivedStalenessRepository } from '../../src/repositories/derived-staleness-repository';
import { PortfolioRepository } from '../../src/repositories/portfolio-repository';
import { bookTrades, portfolioValuation } from '../../workflows';
import { writeRevisedCopy } from '../helpers/price-csv';
import { bundledDataDir, useTestWorker } from '../helpers/services';

jest.setTimeout(180_000);

const NOW = new Date('2024-01-01T00:00:00Z');

describe('portfolio positions follow their inputs', () => {
  const h = useTestWorker('portfolio-stale');
  const importFrom = (dir: string, name: string) => h.ds.transaction((em) => importPrices(em, importRepositories(h.ds), new LocalFilesProvider(dir, name),
    { symbols: ['AAPL'], interval: '1d', range: { from: '2016-01-01', to: '2016-06-30' }, pipelineRunId: null, now: NOW }));
  const open = () => new DerivedStalenessRepository(h.ds).open({ kind: 'portfolio_position', keys: ['S1'] });
  const mv = async (day: string) => (await h.ds.query(`SELECT market_value::float8 AS v, close FROM portfolio_position WHERE portfolio_id = 'S1' AND symbol = 'AAPL' AND as_of = $1`, [day]))[0];

  it('marks on booking and on a price revision, and revalues from the stale date', async () => {
    await importFrom(bundledDataDir, 'bundled');
    await new PortfolioRepository(h.ds).create({ id: 'S1', name: 's', currency: 'USD', lotMethod: 'fifo', allowShort: false, benchmarkSymbol: null });
    const trades = path.join(h.exportDir, 'trades.csv');
    fs.writeFileSync(trades, 'trade_id,kind,date,symbol,quantity,price,amount\nd1,deposit,2016-01-04,,,,20000\nb1,buy,2016-01-04,AAPL,100,104,\n');

    const booked = await h.env.client.workflow.execute(bookTrades, { taskQueue: h.taskQueue, workflowId: `stale-book-${Date.now()}`, args: [{ portfolioId: 'S1', path: trades }] });
    expect(booked.valuation?.sessions).toBeGreaterThan(100);
    const marks = await h.ds.query(`SELECT scope_key, to_char(stale_from, 'YYYY-MM-DD') AS d, cleared_at IS NOT NULL AS cleared FROM derived_staleness WHERE derived_kind = 'portfolio_position'`);
    expect(marks).toEqual([{ scope_key: '*', d: '2016-01-04', cleared: true }]); // marked by the booking, cleared by its revaluation
    const before = await mv('2016-03-15');

    // The vendor revises AAPL from 2016-03-01 on (+1%).
    const dir = path.join(h.exportDir, 'revised');
    writeRevisedCopy(bundledDataDir, dir, 'AAPL', '2016-03-01');
    const revision = await importFrom(dir, 'csv');
    expect(revision.revised).toBeGreaterThan(0);
    const stale = await open();
    expect(stale.map((m) => [m.scope, m.staleFrom.slice(0, 10), m.cause.input])).toEqual([['AAPL', '2016-03-01', 'price_data']]);

    // Asked to revalue from June only: the plan starts at the stale date, so March is recomputed too.
    const revalued = await h.env.client.workflow.execute(portfolioValuation, { taskQueue: h.taskQueue, workflowId: `stale-value-${Date.now()}`, args: [{ portfolioId: 'S1', from: '2016-06-01' }] });
    expect(revalued.from).toBe('2016-03-01');
    const after = await mv('2016-03-15');
    expect(after.close).toBeCloseTo(before.close * 1.01, 4);
    expect(after.v).toBeCloseTo(100 * after.close, 6);
    expect(await open()).toEqual([]);
  });
});
