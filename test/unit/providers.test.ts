import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../src/contracts/errors';
import { LocalFilesProvider } from '../../src/providers/local-files';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { bundledDataDir } from '../helpers/services';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('LocalFilesProvider', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-csv-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the bundled Yahoo file with line numbers as locations', async () => {
    const rows = await collect(new LocalFilesProvider(bundledDataDir).rows('AAPL'));
    expect(rows).toHaveLength(3379);
    expect(rows[0].location).toBe(`${path.join(bundledDataDir, 'AAPL.csv')}:2`);
    expect(rows[0].fields).toEqual({ date: '2004-08-19', open: '2.250714', high: '2.275714', low: '2.168571', close: '2.193571', adjClose: '1.966391', volume: '97230000' });
  });

  it('maps the old Yahoo order (Adj Close last), a BOM, CRLF and descending rows', async () => {
    fs.writeFileSync(path.join(dir, 'KO.csv'), '\uFEFFDate,Open,High,Low,Close,Volume,Adj Close\r\n1997-01-03,52.0,53.0,51.5,52.5,100,16.1\r\n1997-01-02,51.0,52.0,50.5,51.5,200,15.8\r\n');
    const rows = await collect(new LocalFilesProvider(dir).rows('KO'));
    expect(rows.map((r) => r.fields)).toEqual([
      { date: '1997-01-03', open: '52.0', high: '53.0', low: '51.5', close: '52.5', volume: '100', adjClose: '16.1' },
      { date: '1997-01-02', open: '51.0', high: '52.0', low: '50.5', close: '51.5', volume: '200', adjClose: '15.8' },
    ]);
  });

  it('names the file and the missing columns of a bad header', async () => {
    fs.writeFileSync(path.join(dir, 'BAD.csv'), 'Date,Open,Close\n2020-01-02,1,2\n');
    await expect(collect(new LocalFilesProvider(dir).rows('BAD'))).rejects.toThrow(`${path.join(dir, 'BAD.csv')}:1: header "Date,Open,Close" lacks column(s) high, low, volume (by Yahoo column names)`);
  });

  it('says which file is missing for an unknown symbol', async () => {
    const err = await collect(new LocalFilesProvider(dir).rows('NOPE')).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain(`no price file for symbol NOPE (expected ${path.join(dir, 'NOPE.csv')})`);
  });
});

describe('SyntheticProvider', () => {
  it('is deterministic per seed and symbol, and a sub-range yields the same bars', async () => {
    const p = new SyntheticProvider(7);
    const full = await collect(p.rows('ABC', '1d', { from: '2019-01-01', to: '2019-12-31' }));
    const again = await collect(new SyntheticProvider(7).rows('ABC', '1d', { from: '2019-01-01', to: '2019-12-31' }));
    const sub = await collect(p.rows('ABC', '1d', { from: '2019-06-01', to: '2019-06-30' }));
    const other = await collect(new SyntheticProvider(8).rows('ABC', '1d', { from: '2019-01-01', to: '2019-12-31' }));
    expect(again).toEqual(full);
    expect(sub).toEqual(full.filter((r) => String(r.fields.date) >= '2019-06-01' && String(r.fields.date) <= '2019-06-30'));
    expect(other.map((r) => r.fields.close)).not.toEqual(full.map((r) => r.fields.close));
  });

  it('serves the whole requested range, also before 2000, deterministically and the same for any sub-range', async () => {
    const range = { from: '1995-01-01', to: '2019-12-31' };
    const rows = await collect(new SyntheticProvider(7).rows('ABC', '1d', range));
    // Every trading day of the range, from the first one in 1995 (it used to start at 2000-01-03 without a word).
    expect(rows.map((r) => r.fields.date)).toEqual(SyntheticProvider.tradingDays(range).map((d) => d.toISOString().slice(0, 10)));
    expect(rows[0].fields.date).toBe('1995-01-02');
    expect(await collect(new SyntheticProvider(7).rows('ABC', '1d', range))).toEqual(rows);
    const inside = (from: string, to: string) => rows.filter((r) => String(r.fields.date) >= from && String(r.fields.date) <= to);
    for (const [from, to] of [['1997-05-01', '1997-05-30'], ['1999-12-01', '2000-01-31'], ['2005-03-01', '2005-03-31']]) {
      expect(await collect(new SyntheticProvider(7).rows('ABC', '1d', { from, to }))).toEqual(inside(from, to));
    }
    for (const { fields: f } of rows) {
      const [o, h, l, c] = [f.open, f.high, f.low, f.close] as number[];
      expect(h).toBeGreaterThanOrEqual(Math.max(o, c));
      expect(l).toBeLessThanOrEqual(Math.min(o, c));
      expect(l).toBeGreaterThan(0);
    }
    // The two paths meet at 2000-01-03: no jump larger than an ordinary day's.
    const closeBefore = Number(inside('1999-12-31', '1999-12-31')[0].fields.close);
    const openAfter = Number(inside('2000-01-03', '2000-01-03')[0].fields.open);
    expect(Math.abs(openAfter / closeBefore - 1)).toBeLessThan(0.02);
  });

  it('refuses a range before 1900 with an InputError instead of truncating it', async () => {
    const err = await collect(new SyntheticProvider(7).rows('ABC', '1d', { from: '1850-01-01', to: '1851-01-01' })).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe('source synthetic ABC: synthetic bars start at 1900-01-01; asked for 1850-01-01..1851-01-01');
  });

  it('serves 390 one-minute bars per trading day, each session from its daily open, the same on every call', async () => {
    const range = { from: '2019-07-01', to: '2019-07-05' };
    const days = await collect(new SyntheticProvider(7).rows('ABC', '1d', range));
    const minutes = await collect(new SyntheticProvider(7).rows('ABC', '1m', range));
    expect(days).toHaveLength(4); // 07-04 is a holiday
    expect(minutes).toHaveLength(4 * 390);
    expect(await collect(new SyntheticProvider(7).rows('ABC', '1m', range))).toEqual(minutes);
    expect(await collect(new SyntheticProvider(7).rows('ABC', '1m', { from: '2019-07-05', to: '2019-07-05' }))).toEqual(minutes.slice(3 * 390));
    const ts = minutes.map((r) => new Date(r.fields.date as number).toISOString());
    expect(ts[0]).toBe('2019-07-01T14:30:00.000Z');
    expect(ts[389]).toBe('2019-07-01T20:59:00.000Z');
    expect(ts[390]).toBe('2019-07-02T14:30:00.000Z');
    expect(new Set(ts).size).toBe(ts.length);
    for (let d = 0; d < days.length; d++) expect(minutes[d * 390].fields.open).toBe(days[d].fields.open);
    for (const { fields: f } of minutes) {
      const [o, h, l, c] = [f.open, f.high, f.low, f.close] as number[];
      expect(h).toBeGreaterThanOrEqual(Math.max(o, c));
      expect(l).toBeLessThanOrEqual(Math.min(o, c));
      expect(l).toBeGreaterThan(0);
    }
  });

  it('refuses an interval it does not serve, naming it', async () => {
    const err = await collect(new SyntheticProvider(7).rows('ABC', '5m', { from: '2019-07-01', to: '2019-07-05' })).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe('source synthetic ABC: synthetic bars come in intervals 1d, 1m; asked for "5m"');
  });

  it('produces only weekdays minus holidays, with consistent OHLC', async () => {
    const rows = await collect(new SyntheticProvider().rows('XYZ', '1d', { from: '2019-01-01', to: '2019-12-31' }));
    expect(rows).toHaveLength(SyntheticProvider.tradingDays({ from: '2019-01-01', to: '2019-12-31' }).length);
    for (const { fields: f } of rows) {
      const d = new Date(`${f.date}T00:00:00Z`);
      expect([0, 6]).not.toContain(d.getUTCDay());
      expect(['01-01', '07-04', '12-25']).not.toContain(String(f.date).slice(5));
      const [o, h, l, c] = [f.open, f.high, f.low, f.close] as number[];
      expect(h).toBeGreaterThanOrEqual(Math.max(o, c));
      expect(l).toBeLessThanOrEqual(Math.min(o, c));
      expect(l).toBeGreaterThan(0);
    }
  });
});
