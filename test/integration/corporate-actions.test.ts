// Splits on real data: VTI's 2:1 split of 2008-06-18, imported once as unadjusted bars (we derive adj_close from the
// split) and once with Yahoo's own Adj Close (which must be kept as is: adjusting it again would double-adjust).
import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { importPrices, importRepositories, type ImportRepositories } from '../../src/import/import-prices';
import { LocalFilesProvider } from '../../src/providers/local-files';
import { csvRowsInRange, fixturesDir, openTestDataSource, resetData } from '../helpers/services';

const dir = path.join(fixturesDir, 'prices');
const range = { from: '2008-01-01', to: '2008-12-31' };
const fileRows = csvRowsInRange(fs.readFileSync(path.join(dir, 'VTI.csv'), 'utf8'), range.from, range.to);
const vendorAdj = new Map(fileRows.map((c) => [c[0], Number(c[6])]));
const rawClose = new Map(fileRows.map((c) => [c[0], Number(c[4])]));

describe('corporate actions', () => {
  let ds: DataSource;
  let repo: ImportRepositories;
  beforeAll(async () => {
    ds = await openTestDataSource();
    repo = importRepositories(ds);
  });
  beforeEach(() => resetData(ds));
  afterAll(() => ds.destroy());

  const load = (provider: LocalFilesProvider) =>
    ds.transaction((em) => importPrices(em, repo, provider, { symbols: ['VTI'], interval: '1d', range, pipelineRunId: null }));
  const stored = async () =>
    new Map<string, { close: number; adj_close: number; adj_source: string }>(
      (await ds.query(`SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d, close, adj_close, adj_source FROM price_data WHERE symbol = 'VTI'`))
        .map(({ d, ...bar }: { d: string; close: number; adj_close: number; adj_source: string }) => [d, bar]),
    );

  it('derives adjusted closes from a stored split for bars that came unadjusted', async () => {
    const unadjusted = new LocalFilesProvider(dir, 'csv', {
      columns: { date: 'Date', open: 'Open', high: 'High', low: 'Low', close: 'Close', volume: 'Volume' },
    });
    const s = await load(unadjusted);
    expect(s).toMatchObject({ stored: fileRows.length, corporateActions: 1, adjustedBars: fileRows.length });
    const [action] = await ds.query(`SELECT to_char(ex_date, 'YYYY-MM-DD') AS ex_date, kind, ratio, source FROM corporate_action`);
    expect(action).toEqual({ ex_date: '2008-06-18', kind: 'split', ratio: 2, source: 'csv' });

    const bars = await stored();
    expect(bars.get('2008-06-17')).toEqual({ close: 136, adj_close: 68, adj_source: 'computed' });
    expect(bars.get('2008-06-18')).toEqual({ close: 67.5, adj_close: 67.5, adj_source: 'computed' });
    expect(bars.get('2008-01-02')!.adj_close).toBeCloseTo(rawClose.get('2008-01-02')! / 2, 12);
    // The raw series falls 50% on the ex-date; the adjusted one moves like the market did (-0.7%).
    expect(67.5 / 136 - 1).toBeLessThan(-0.5);
    expect(Math.abs(bars.get('2008-06-18')!.adj_close / bars.get('2008-06-17')!.adj_close - 1)).toBeLessThan(0.01);

    // Idempotent: applying again changes nothing; re-importing the same unadjusted file keeps the derived values.
    expect(await ds.transaction((em) => repo.actions.applyAdjustments(em, 'VTI', '1d'))).toEqual({ adjusted: 0, first: null });
    const again = await load(unadjusted);
    expect(again).toMatchObject({ inserted: 0, revised: 0, unchanged: fileRows.length, corporateActions: 0, adjustedBars: 0 });
    expect((await stored()).get('2008-06-17')).toEqual({ close: 136, adj_close: 68, adj_source: 'computed' });
  });

  it('keeps a vendor Adj Close untouched when the same split is known (no double adjustment)', async () => {
    const s = await load(new LocalFilesProvider(dir, 'csv'));
    expect(s).toMatchObject({ stored: fileRows.length, corporateActions: 1, adjustedBars: 0 });
    const bars = await stored();
    for (const [d, adj] of vendorAdj) expect(bars.get(d)).toEqual({ close: rawClose.get(d), adj_close: adj, adj_source: 'vendor' });
  });
});
