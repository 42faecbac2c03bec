// The import stage against real PostgreSQL: quarantine with reasons, idempotent re-import, revisions counted.
import fs from 'node:fs';
import path from 'node:path';
import { importPrices } from '../../src/import/import-prices';
import { LocalFilesProvider } from '../../src/providers/local-files';
import { bundledDataDir, csvRowsInRange, useImportHarness } from '../helpers/services';

const NOW = new Date('2024-01-01T00:00:00Z');

describe('importPrices', () => {
  const h = useImportHarness('import', NOW);
  const run = (provider: LocalFilesProvider, symbols: string[], from: string, to: string) => h.run(provider, symbols, from, to);

  it('stores the bundled SPY year and quarantines its two real vendor errors with the reason', async () => {
    const expected = csvRowsInRange(fs.readFileSync(path.join(bundledDataDir, 'SPY.csv'), 'utf8'), '2015-01-01', '2015-12-31');
    const s = await run(new LocalFilesProvider(bundledDataDir, 'bundled'), ['SPY'], '2015-01-01', '2015-12-31');
    expect(s.received).toBe(expected.length);
    expect(s.quarantined).toBe(2);
    expect(s.stored).toBe(expected.length - 2);
    expect(s.received).toBe(s.stored + s.quarantined + s.exactDuplicates);

    const q = await h.ds.query(`SELECT location, reason, raw_row FROM price_quarantine ORDER BY location`);
    expect(q.map((r: { raw_row: { Date: string } }) => r.raw_row.Date)).toEqual(['2015-03-05', '2015-03-30']);
    expect(q[0].reason).toMatch(/^open [\d.]+ outside \[low [\d.]+, high [\d.]+\]$/);
    expect(q[0].location).toMatch(/SPY\.csv:\d+$/);

    const [row] = await h.ds.query(`SELECT count(*)::int AS n, min(ts) AS first, max(ts) AS last FROM price_data WHERE symbol = 'SPY'`);
    expect(row.n).toBe(s.stored);
    expect(new Date(row.first).toISOString()).toBe('2015-01-02T00:00:00.000Z');
    // A stored value equals the file's value exactly.
    const jan2 = expected.find((c) => c[0] === '2015-01-02')!;
    const [bar] = await h.ds.query(`SELECT open, high, low, close, adj_close, volume FROM price_data WHERE symbol = 'SPY' AND ts = '2015-01-02T00:00:00Z'`);
    expect([bar.open, bar.high, bar.low, bar.close, bar.adj_close, bar.volume]).toEqual(jan2.slice(1).map(Number));
  });

  it('re-imports unchanged data without rewriting, and counts revisions when values change', async () => {
    const provider = new LocalFilesProvider(bundledDataDir, 'bundled');
    const first = await run(provider, ['AAPL', 'GOOG'], '2016-01-01', '2016-12-31');
    expect(first.inserted).toBe(first.stored);
    const before = await h.ds.query(`SELECT symbol, ts, close, xmin::text FROM price_data ORDER BY symbol, ts`);

    const again = await run(provider, ['AAPL', 'GOOG'], '2016-01-01', '2016-12-31');
    expect(again).toMatchObject({ inserted: 0, revised: 0, unchanged: first.stored, stored: first.stored });
    const after = await h.ds.query(`SELECT symbol, ts, close, xmin::text FROM price_data ORDER BY symbol, ts`);
    expect(after).toEqual(before); // same tuples: xmin unchanged means nothing was rewritten

    // A vendor correction: one close changes; the row is updated and counted as a revision.
    const content = fs.readFileSync(path.join(bundledDataDir, 'AAPL.csv'), 'utf8').split('\n');
    const idx = content.findIndex((l) => l.startsWith('2016-06-01,'));
    const cells = content[idx].split(',');
    cells[4] = String(Number(cells[4]) + 0.01);
    cells[2] = String(Math.max(Number(cells[2]), Number(cells[4])));
    content[idx] = cells.join(',');
    fs.writeFileSync(path.join(h.dir, 'AAPL.csv'), content.join('\n'));
    const revised = await run(new LocalFilesProvider(h.dir, 'bundled'), ['AAPL'], '2016-01-01', '2016-12-31');
    expect(revised).toMatchObject({ inserted: 0, revised: 1, unchanged: revised.stored - 1 });
    const [bar] = await h.ds.query(`SELECT close FROM price_data WHERE symbol = 'AAPL' AND ts = '2016-06-01T00:00:00Z'`);
    expect(bar.close).toBe(Number(cells[4]));
  });

  it('keeps every hostile row in quarantine with its exact reason, and still lands the good rows', async () => {
    fs.writeFileSync(
      path.join(h.dir, 'HOST.csv'),
      [
        'Date,Open,High,Low,Close,Adj Close,Volume',
        '2020-01-02,10,11,9,10.5,10.5,1000', // good
        '2020-01-03,10,11,9,abc,10.5,1000', // unparseable number
        '2020-01-06,10,11,9,10.5,10.5,-5', // negative volume
        '2020-01-07,10,8,9,10.5,10.5,1000', // high < low
        '2020-01-08,12,11,9,10.5,10.5,1000', // open above high
        '2020-01-09,-1,11,-2,10.5,10.5,1000', // negative price
        '2020-01-10,10,11,9,10.5,10.5,1000', // good
        '2020-01-10,10,11,9,10.5,10.5,1000', // exact duplicate
        '2020-01-13,10,11,9,10.5,10.5,1000', // good
        '2020-01-13,10,11,9,10.7,10.7,1000', // duplicate timestamp, different values
        '2024-06-03,10,11,9,10.5,10.5,1000', // after NOW: future
        'not-a-date,10,11,9,10.5,10.5,1000', // bad date
      ].join('\n'),
    );
    const s = await run(new LocalFilesProvider(h.dir, 'csv'), ['HOST'], '2020-01-01', '2030-01-01');
    expect(s).toMatchObject({ received: 12, stored: 3, quarantined: 8, exactDuplicates: 1 });
    const q = await h.ds.query(`SELECT location, reason FROM price_quarantine ORDER BY id`);
    const byLine = Object.fromEntries(q.map((r: { location: string; reason: string }) => [r.location.split(':').pop(), r.reason]));
    expect(byLine).toEqual({
      3: 'close is not a finite number',
      4: 'negative volume',
      5: 'high 8 < low 9',
      6: 'open 12 outside [low 9, high 11]',
      7: 'non-positive price',
      11: 'duplicate timestamp 2020-01-13T00:00:00.000Z with different values',
      12: 'timestamp 2024-06-03T00:00:00.000Z is in the future',
      13: 'date "not-a-date" is not a date (expected YYYY-MM-DD)',
    });
    const stored = await h.ds.query(`SELECT ts FROM price_data WHERE symbol = 'HOST' ORDER BY ts`);
    expect(stored.map((r: { ts: Date }) => r.ts.toISOString().slice(0, 10))).toEqual(['2020-01-02', '2020-01-10', '2020-01-13']);
  });

  it.each(['csv', 'jsonl'] as const)('quarantines %s rows dated on days that do not exist instead of rolling them over', async (format) => {
    const rows = [
      ['2016-04-29', 10], ['2016-04-31', 11], ['2016-05-02', 12], // 04-31 would become 05-01 through Date
      ['2021-02-26', 20], ['2021-02-30', 21], ['2021-03-01', 22], // 02-30 would become 03-02
      ['2016-02-29', 30], // a real leap day
    ] as const;
    const line = ([date, p]: readonly [string, number]) => (format === 'csv'
      ? `${date},${p},${p + 1},${p - 1},${p},${p},1000`
      : JSON.stringify({ date, open: p, high: p + 1, low: p - 1, close: p, adj_close: p, volume: 1000 }));
    const header = format === 'csv' ? ['Date,Open,High,Low,Close,Adj Close,Volume'] : [];
    fs.writeFileSync(path.join(h.dir, `ODD.${format}`), [...header, ...rows.map(line)].join('\n'));
    const s = await run(new LocalFilesProvider(h.dir, format, { format }), ['ODD'], '2016-01-01', '2021-12-31');
    expect(s).toMatchObject({ received: 7, stored: 5, quarantined: 2 });
    const q = await h.ds.query(`SELECT location, reason FROM price_quarantine ORDER BY id`);
    const firstRow = format === 'csv' ? 2 : 1;
    expect(q).toEqual([
      { location: `${path.join(h.dir, `ODD.${format}`)}:${firstRow + 1}`, reason: 'date 2016-04-31 does not exist' },
      { location: `${path.join(h.dir, `ODD.${format}`)}:${firstRow + 4}`, reason: 'date 2021-02-30 does not exist' },
    ]);
    const stored = await h.ds.query(`SELECT ts, close FROM price_data WHERE symbol = 'ODD' ORDER BY ts`);
    expect(stored.map((r: { ts: Date; close: number }) => [r.ts.toISOString().slice(0, 10), r.close])).toEqual([
      ['2016-02-29', 30], ['2016-04-29', 10], ['2016-05-02', 12], ['2021-02-26', 20], ['2021-03-01', 22],
    ]);
    // Nothing landed on the days the impossible dates roll over to.
    const [rolled] = await h.ds.query(`SELECT count(*)::int AS n FROM price_data WHERE ts IN ('2016-05-01T00:00:00Z', '2021-03-02T00:00:00Z')`);
    expect(rolled.n).toBe(0);
  });

  it('quarantines a corporate action whose ex-date does not exist, and keeps the others', async () => {
    fs.writeFileSync(path.join(h.dir, 'ACT.csv'), ['Date,Open,High,Low,Close,Volume', '2016-04-28,10,11,9,10,1000', '2016-04-29,10,11,9,10,1000'].join('\n'));
    fs.writeFileSync(path.join(h.dir, 'ACT.actions.csv'), ['Date,Kind,Value', '2016-04-31,dividend,0.5', '2016-04-29,split,2'].join('\n'));
    const s = await run(new LocalFilesProvider(h.dir, 'csv'), ['ACT'], '2016-01-01', '2016-12-31');
    expect(s).toMatchObject({ stored: 2, corporateActions: 1 });
    const q = await h.ds.query(`SELECT location, reason FROM price_quarantine`);
    expect(q).toEqual([{ location: `${path.join(h.dir, 'ACT.actions.csv')}:2`, reason: 'ex-date: date 2016-04-31 does not exist' }]);
    const actions = await h.ds.query(`SELECT ex_date::text AS ex, kind FROM corporate_action WHERE symbol = 'ACT'`);
    expect(actions).toEqual([{ ex: '2016-04-29', kind: 'split' }]);
  });

  it('rolls back everything when a symbol fails mid-import', async () => {
    const err = await run(new LocalFilesProvider(bundledDataDir, 'bundled'), ['AAPL', 'MISSING'], '2016-01-01', '2016-12-31').catch((e) => e);
    expect(err.message).toContain('no price file for symbol MISSING');
    const [c] = await h.ds.query(`SELECT count(*)::int AS n FROM price_data`);
    expect(c.n).toBe(0);
  });
});

describe('importPrices from other local layouts', () => {
  const h = useImportHarness('layouts', NOW);
  const run = (provider: LocalFilesProvider, from: string, to: string, symbol: string, interval = '1d') => h.run(provider, [symbol], from, to, interval);

  it('maps a generic CSV (barchart layout: Time,Last, month/day/year) through a column mapping', async () => {
    fs.writeFileSync(path.join(h.dir, 'JPY.csv'), 'Time,Open,High,Low,Last,Change,Volume\r\n3/11/2020,0.0096,0.0097,0.0095,0.00965,3.60E-05,1200\r\n3/10/2020,0.0095,0.0096,0.0094,0.0096,-1E-05,900\r\n');
    const provider = new LocalFilesProvider(h.dir, 'csv', { columns: { date: 'Time', open: 'Open', high: 'High', low: 'Low', close: 'Last', volume: 'Volume' }, dateOrder: 'mdy' });
    const s = await run(provider, '2020-01-01', '2020-12-31', 'JPY');
    expect(s).toMatchObject({ received: 2, stored: 2, quarantined: 0 });
    const rows = await h.ds.query(`SELECT ts, close, adj_close FROM price_data WHERE symbol = 'JPY' ORDER BY ts`);
    expect(rows).toEqual([
      { ts: new Date('2020-03-10T00:00:00Z'), close: 0.0096, adj_close: null },
      { ts: new Date('2020-03-11T00:00:00Z'), close: 0.00965, adj_close: null },
    ]);
  });

  it('imports JSON lines of intraday bars keyed by timestamp, quarantining lines that are not JSON', async () => {
    fs.writeFileSync(path.join(h.dir, 'MSFT.jsonl'), [
      '{"timestamp":"2020-06-01T13:30:00Z","open":182.5,"high":183.0,"low":182.1,"close":182.8,"volume":120000}',
      '{"timestamp":"2020-06-01T13:31:00Z","open":182.8,"high":182.9,"low":182.4,"close":182.6,"volume":90000}',
      '{"timestamp":"2020-06-01T13:32:00Z", "open": 182.6',
      '[1,2,3]',
    ].join('\n'));
    const provider = new LocalFilesProvider(h.dir, 'jsonl', { format: 'jsonl', columns: { date: 'timestamp' } });
    const s = await run(provider, '2020-06-01', '2020-06-01', 'MSFT', '1m');
    expect(s).toMatchObject({ received: 4, stored: 2, quarantined: 2 });
    const q = await h.ds.query(`SELECT location, reason FROM price_quarantine ORDER BY id`);
    expect(q[0].location).toMatch(/MSFT\.jsonl:3$/);
    expect(q[0].reason).toMatch(/^line is not valid JSON/);
    expect(q[1].reason).toBe('line is not a JSON object');
    const rows = await h.ds.query(`SELECT interval, ts FROM price_data WHERE symbol = 'MSFT' ORDER BY ts`);
    expect(rows).toEqual([{ interval: '1m', ts: new Date('2020-06-01T13:30:00Z') }, { interval: '1m', ts: new Date('2020-06-01T13:31:00Z') }]);
  });

  it('resumes from a per-symbol range (sinceLast) and re-checks the last stored bar', async () => {
    const provider = new LocalFilesProvider(bundledDataDir, 'bundled');
    await run(provider, '2017-01-03', '2017-06-30', 'AAPL');
    const last = await h.repo.bars.lastBarTimes(['AAPL', 'NONE'], '1d');
    expect([...last.keys()]).toEqual(['AAPL']);
    expect(last.get('AAPL')!.toISOString()).toBe('2017-06-30T00:00:00.000Z');
    const s = await h.ds.transaction((em) => importPrices(em, h.repo, provider, {
      symbols: ['AAPL'], interval: '1d', range: { from: '2017-01-03', to: '2017-07-31' }, pipelineRunId: null, now: NOW,
      rangeFor: () => ({ from: '2017-06-30', to: '2017-07-31' }),
    }));
    const july = csvRowsInRange(fs.readFileSync(path.join(bundledDataDir, 'AAPL.csv'), 'utf8'), '2017-07-01', '2017-07-31').length;
    expect(s).toMatchObject({ received: july + 1, inserted: july, unchanged: 1, revised: 0 });
  });
});
