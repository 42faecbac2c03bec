// Stored bar context against an independent oracle: window functions over the whole table, after every kind of write
// (fresh, appending and prepending imports, mid-series inserts, revisions, raw SQL inserts, deletes, moves, intraday).
import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { VOLUME_BASELINE_BARS } from '../../src/prices/bar-context';
import { LocalFilesProvider } from '../../src/providers/local-files';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { bundledDataDir, testDatabaseUrl, useImportHarness } from '../helpers/services';

const NOW = new Date('2024-01-01T00:00:00Z');

/**
 * The contract, written the slow way: lag() for the previous bar, gaps-and-islands for close runs, a 60-row frame for
 * the volume baseline (non-finite volumes as NULL, so count/avg/stddev skip them), the calendar by a join.
 */
const ORACLE = `
  WITH b AS (
    SELECT symbol, interval, ts, close, (ts AT TIME ZONE 'UTC')::date AS day,
      CASE WHEN volume IN ('NaN', 'Infinity', '-Infinity') THEN NULL ELSE ln(1 + greatest(volume, 0)) END AS lv
    FROM price_data
  ), w AS (
    SELECT b.*, lag(ts) OVER s AS prev_ts, lag(close) OVER s AS prev_close, lag(day) OVER s AS prev_day,
      (close IS DISTINCT FROM lag(close) OVER s)::int AS breaks,
      count(lv) OVER v AS n, avg(lv) OVER v AS mean, stddev_samp(lv) OVER v AS sd, min(lv) OVER v AS lo, max(lv) OVER v AS hi
    FROM b WINDOW s AS (PARTITION BY symbol, interval ORDER BY ts), v AS (s ROWS BETWEEN ${VOLUME_BASELINE_BARS} PRECEDING AND 1 PRECEDING)
  ), islands AS (
    SELECT w.*, sum(breaks) OVER (PARTITION BY symbol, interval ORDER BY ts) AS island FROM w
  )
  SELECT i.symbol, i.interval, i.ts, i.prev_ts, i.prev_close,
    row_number() OVER (PARTITION BY i.symbol, i.interval, i.island ORDER BY i.ts)::int AS close_run,
    CASE WHEN i.lv IS NULL OR i.n < 20 OR i.lo = i.hi THEN NULL ELSE (i.lv - i.mean) / i.sd END AS volume_z,
    -- greatest() skips NULLs: the first bar and days outside the calendar must stay NULL explicitly.
    CASE WHEN i.interval = '1d' AND pc.ordinal IS NOT NULL AND c.ordinal IS NOT NULL
      THEN greatest(0, c.ordinal - c.trading::int - pc.ordinal) END AS missing_sessions,
    CASE WHEN i.interval = '1d' THEN c.trading END AS trading_day
  FROM islands i
  LEFT JOIN exchange_calendar c ON c.exchange = 'XNYS' AND c.day = i.day
  LEFT JOIN exchange_calendar pc ON pc.exchange = 'XNYS' AND pc.day = i.prev_day`;

interface Mismatch {
  symbol: string;
  ts: Date;
  stored: unknown;
  expected: unknown;
}

/** Every bar whose stored context differs from the oracle (volume_z within 1e-9 relative, the rest exactly). */
async function contextMismatches(ds: DataSource): Promise<{ bars: number; mismatches: Mismatch[] }> {
  const [{ bars }] = await ds.query(`SELECT count(*)::int AS bars FROM price_data`);
  const mismatches: Mismatch[] = await ds.query(`
    SELECT p.symbol, p.ts,
      jsonb_build_object('prev_ts', p.prev_ts, 'prev_close', p.prev_close, 'close_run', p.close_run, 'volume_z', p.volume_z,
        'missing_sessions', p.missing_sessions, 'trading_day', p.trading_day) AS stored,
      jsonb_build_object('prev_ts', o.prev_ts, 'prev_close', o.prev_close, 'close_run', o.close_run, 'volume_z', o.volume_z,
        'missing_sessions', o.missing_sessions, 'trading_day', o.trading_day) AS expected
    FROM price_data p JOIN (${ORACLE}) o USING (symbol, interval, ts)
    WHERE p.prev_ts IS DISTINCT FROM o.prev_ts OR p.prev_close IS DISTINCT FROM o.prev_close OR p.close_run IS DISTINCT FROM o.close_run
      OR p.missing_sessions IS DISTINCT FROM o.missing_sessions OR p.trading_day IS DISTINCT FROM o.trading_day
      OR (p.volume_z IS NULL) <> (o.volume_z IS NULL) OR abs(p.volume_z - o.volume_z) > 1e-9 * abs(o.volume_z)
    ORDER BY p.symbol, p.ts LIMIT 20`);
  return { bars, mismatches };
}

async function expectExactContext(ds: DataSource, minBars = 1): Promise<void> {
  const { bars, mismatches } = await contextMismatches(ds);
  expect(mismatches).toEqual([]);
  expect(bars).toBeGreaterThanOrEqual(minBars);
}

interface CsvBar {
  date: string;
  close: number;
  volume: number;
}

/** Deterministic daily bars: mostly weekdays, the odd Saturday, skipped sessions, runs of equal closes, zero volumes. */
function generateBars(seed: number, from: string, to: string): CsvBar[] {
  let x = seed;
  const random = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out: CsvBar[] = [];
  let close = 50;
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const dow = new Date(t).getUTCDay();
    if (random() > (dow === 0 || dow === 6 ? 0.03 : 0.92)) continue;
    if (random() > 0.25) close = Math.round((close + (random() - 0.5) * 2) * 100) / 100;
    const volume = random() < 0.04 ? 0 : Math.floor(1e5 + random() * 1e6);
    out.push({ date: new Date(t).toISOString().slice(0, 10), close, volume });
  }
  return out;
}

function writeCsv(dir: string, symbol: string, bars: CsvBar[]): void {
  const lines = bars.map((b) => `${b.date},${b.close},${b.close},${b.close},${b.close},${b.close},${b.volume}`);
  fs.writeFileSync(path.join(dir, `${symbol}.csv`), ['Date,Open,High,Low,Close,Adj Close,Volume', ...lines].join('\n'));
}

describe('bar context', () => {
  const h = useImportHarness('context', NOW);
  const csv = new LocalFilesProvider(h.dir, 'csv');
  const run = h.run;
  const derive = (symbols: string[], interval = '1d') => h.ds.transaction((em) => h.repo.context.deriveContext(em, symbols, interval));
  const dirtyCount = async () => (await h.ds.query(`SELECT count(*)::int AS n FROM price_data WHERE close_run IS NULL`))[0].n as number;
  const tuples = () => h.ds.query(`SELECT symbol, interval, ts, xmin::text FROM price_data ORDER BY 1, 2, 3`);

  it('the oracle notices a wrong stored value', async () => {
    writeCsv(h.dir, 'CTXA', generateBars(1, '2016-01-01', '2016-12-31'));
    await run(csv, ['CTXA'], '2016-01-01', '2016-12-31');
    await expectExactContext(h.ds, 200);
    await h.ds.query(`UPDATE price_data SET volume_z = volume_z * (1 + 1e-8) WHERE ts = (SELECT max(ts) FROM price_data)`);
    expect((await contextMismatches(h.ds)).mismatches).toHaveLength(1);
  });

  it('is exact after a fresh import, and a re-import of unchanged data writes nothing', async () => {
    writeCsv(h.dir, 'CTXA', generateBars(1, '2015-06-01', '2017-06-30'));
    writeCsv(h.dir, 'CTXB', generateBars(2, '2015-06-01', '2017-06-30'));
    await run(csv, ['CTXA', 'CTXB'], '2015-06-01', '2017-06-30');
    await run(new LocalFilesProvider(bundledDataDir, 'bundled'), ['AAPL', 'SPY'], '2015-01-01', '2017-12-31');
    expect(await dirtyCount()).toBe(0);
    await expectExactContext(h.ds, 2000);

    const before = await tuples();
    const again = await run(csv, ['CTXA', 'CTXB'], '2015-06-01', '2017-06-30');
    expect(again).toMatchObject({ inserted: 0, revised: 0 });
    expect(await tuples()).toEqual(before);
    expect(await derive(['CTXA', 'CTXB', 'AAPL', 'SPY', 'NONE'])).toBe(0);
  });

  it('is exact after an appending import (seeded by the stored bars) and after a prepending one', async () => {
    writeCsv(h.dir, 'CTXA', generateBars(3, '2015-01-01', '2017-12-31'));
    writeCsv(h.dir, 'CTXB', generateBars(4, '2015-01-01', '2017-12-31'));
    await run(csv, ['CTXA', 'CTXB'], '2016-01-01', '2016-06-30');
    await run(csv, ['CTXA'], '2016-07-01', '2016-12-31');
    expect(await dirtyCount()).toBe(0);
    await expectExactContext(h.ds, 300);
    // Older history before stored bars: the first stored bar's previous bar changes.
    await run(csv, ['CTXA', 'CTXB'], '2015-01-01', '2015-12-31');
    expect(await dirtyCount()).toBe(0);
    await expectExactContext(h.ds, 800);
  });

  it('is exact after a mid-series insert and a revision of a close and a volume, rewriting only the bars affected', async () => {
    const bars = generateBars(5, '2015-01-01', '2017-12-31');
    const gap = bars.findIndex((b) => b.date >= '2016-05-02');
    writeCsv(h.dir, 'CTXA', [...bars.slice(0, gap), ...bars.slice(gap + 1)]);
    await run(csv, ['CTXA'], '2015-01-01', '2017-12-31');
    await expectExactContext(h.ds, 600);

    let before = new Map((await tuples()).map((r: { ts: Date; xmin: string }) => [r.ts.getTime(), r.xmin]));
    writeCsv(h.dir, 'CTXA', bars);
    expect(await run(csv, ['CTXA'], '2015-01-01', '2017-12-31')).toMatchObject({ inserted: 1, revised: 0 });
    await expectExactContext(h.ds, 600);
    let rewritten = (await tuples()).filter((r: { ts: Date; xmin: string }) => before.get(r.ts.getTime()) !== r.xmin);
    // The new bar, and the following bars whose volume window now holds it (at most a window's worth).
    expect(rewritten.length).toBeGreaterThan(1);
    expect(rewritten.length).toBeLessThanOrEqual(1 + VOLUME_BASELINE_BARS);

    before = new Map((await tuples()).map((r: { ts: Date; xmin: string }) => [r.ts.getTime(), r.xmin]));
    const revised = bars.map((b) => ({ ...b }));
    revised[100].close += 1;
    revised[400].volume += 12345;
    // A close revised onto its neighbour's value lengthens a run.
    revised[300].close = revised[299].close;
    writeCsv(h.dir, 'CTXA', revised);
    expect(await run(csv, ['CTXA'], '2015-01-01', '2017-12-31')).toMatchObject({ inserted: 0, revised: revised[300].close === bars[300].close ? 2 : 3 });
    await expectExactContext(h.ds, 600);
    rewritten = (await tuples()).filter((r: { ts: Date; xmin: string }) => before.get(r.ts.getTime()) !== r.xmin);
    expect(rewritten.length).toBeLessThanOrEqual(3 * (1 + VOLUME_BASELINE_BARS));
  });

  it('derives raw SQL inserts (hostile volumes, microsecond timestamps) and writes nothing on a clean table', async () => {
    writeCsv(h.dir, 'CTXA', generateBars(6, '2016-01-01', '2016-12-31'));
    await run(csv, ['CTXA'], '2016-01-01', '2016-12-31');
    expect(await derive(['CTXA'])).toBe(0);

    await h.ds.query(`INSERT INTO price_data (symbol, interval, ts, open, high, low, close, volume, source)
      SELECT 'RAW', '1d', d, 10, 10, 10, CASE WHEN i % 7 < 3 THEN 10 ELSE 10 + i % 5 END,
        CASE i % 17 WHEN 0 THEN 'NaN'::float8 WHEN 1 THEN 'Infinity' WHEN 2 THEN -40 WHEN 3 THEN 0 ELSE 1000 + (i * 7919) % 3000 END, 'raw'
      FROM generate_series(timestamptz '2015-01-01', '2016-06-30', interval '1 day') WITH ORDINALITY AS g(d, i)`);
    await h.ds.query(`INSERT INTO price_data (symbol, interval, ts, open, high, low, close, volume, source) VALUES
      ('CTXA', '1d', '2016-03-15 12:34:56.123457+00', 1, 1, 1, 1, 12345, 'raw'),
      ('CTXA', '1d', '2016-03-15 12:34:56.123458+00', 1, 1, 1, 1, 12, 'raw'),
      ('CTXA', '1d', '2017-02-01', 1, 1, 1, 1, 5, 'raw')`);
    expect(await dirtyCount()).toBeGreaterThan(500);
    const written = await derive(['CTXA', 'RAW']);
    expect(written).toBe(await h.ds.query(`SELECT count(*)::int AS n FROM price_data WHERE symbol = 'RAW'`).then((r) => r[0].n + 3 + VOLUME_BASELINE_BARS));
    expect(await dirtyCount()).toBe(0);
    await expectExactContext(h.ds, 700);
    expect(await derive(['CTXA', 'RAW'])).toBe(0);
  });

  it('`tickflow db context` derives every series stored without context, across intervals, in batches', async () => {
    await h.ds.query(`INSERT INTO price_data (symbol, interval, ts, open, high, low, close, volume, source)
      SELECT 'S' || s, iv, d, 10, 10, 10, 10 + (extract(doy FROM d)::int % 9), 1000 + (extract(doy FROM d)::int * 7919) % 3000, 'raw'
      FROM generate_series(1, 60) s, (VALUES ('1d', interval '1 day'), ('1h', interval '1 hour')) v(iv, step),
        LATERAL generate_series(timestamptz '2016-01-04', timestamptz '2016-01-04' + step * 99, step) d`);
    expect(await dirtyCount()).toBe(60 * 2 * 100);
    const p = spawnTickflow(['db', 'context', '--json'], childEnv({ DATABASE_URL: testDatabaseUrl() }));
    const code = await p.exited;
    expect({ code, output: code === 0 ? '' : p.output() }).toEqual({ code: 0, output: '' });
    expect(JSON.parse(p.output().slice(p.output().indexOf('{')))).toEqual({ derived: 60 * 2 * 100 });
    expect(await dirtyCount()).toBe(0);
    await expectExactContext(h.ds, 12_000);
  });

  it('is exact after deletes (scattered, a block, the first and the last bar) and after a bar moves', async () => {
    writeCsv(h.dir, 'CTXA', generateBars(7, '2015-01-01', '2017-12-31'));
    writeCsv(h.dir, 'CTXB', generateBars(8, '2015-01-01', '2017-12-31'));
    await run(csv, ['CTXA', 'CTXB'], '2015-01-01', '2017-12-31');
    await h.ds.query(`DELETE FROM price_data WHERE symbol = 'CTXA' AND (extract(dow FROM ts) = 3 AND ts < '2015-09-01'
      OR ts BETWEEN '2016-02-01' AND '2016-04-30' OR ts = (SELECT max(ts) FROM price_data WHERE symbol = 'CTXA')
      OR ts = (SELECT min(ts) FROM price_data WHERE symbol = 'CTXA'))`);
    await h.ds.query(`DELETE FROM price_data WHERE symbol = 'CTXB' AND ts = '2016-06-01'`);
    expect(await dirtyCount()).toBeGreaterThan(10);
    expect(await derive(['CTXA', 'CTXB'])).toBeGreaterThan(0);
    await expectExactContext(h.ds, 1000);

    // A bar moved later (its old successor's previous bar changes too) and another moved to the other symbol.
    await h.ds.query(`UPDATE price_data SET ts = ts + interval '20 days 3 hours' WHERE symbol = 'CTXB' AND ts = (SELECT min(ts) FROM price_data WHERE symbol = 'CTXB' AND ts > '2017-03-01')`);
    await h.ds.query(`UPDATE price_data SET symbol = 'CTXA' WHERE symbol = 'CTXB' AND ts = (SELECT min(ts) FROM price_data WHERE symbol = 'CTXB' AND ts > '2015-05-01'
      AND ts NOT IN (SELECT ts FROM price_data WHERE symbol = 'CTXA'))`);
    await derive(['CTXA', 'CTXB']);
    await expectExactContext(h.ds, 1000);
  });

  it('is exact for an intraday interval, with no calendar columns', async () => {
    const lines = ['Date,Open,High,Low,Close,Adj Close,Volume'];
    let close = 100;
    for (let i = 0; i < 3000; i++) {
      if (i % 390 > 380) continue; // an overnight gap
      if (i % 4 !== 0) close = Math.round((close + Math.sin(i) * 0.3) * 100) / 100;
      lines.push(`${new Date(Date.UTC(2020, 5, 1, 13, 30) + i * 60_000).toISOString()},${close},${close},${close},${close},${close},${100 + ((i * 31) % 700)}`);
    }
    fs.writeFileSync(path.join(h.dir, 'MIN.csv'), lines.join('\n'));
    await run(csv, ['MIN'], '2020-06-01', '2020-06-01', '1m');
    await run(csv, ['MIN'], '2020-06-02', '2020-06-02', '1m');
    await h.ds.query(`INSERT INTO price_data (symbol, interval, ts, open, high, low, close, volume, source)
      VALUES ('MIN', '1m', '2020-06-01 14:00:30+00', 1, 1, 1, 1, 1, 'raw')`);
    await h.ds.query(`UPDATE price_data SET volume = 1e6 WHERE symbol = 'MIN' AND ts = '2020-06-01 15:00+00'`);
    await derive(['MIN'], '1m');
    await run(csv, ['MIN'], '2020-06-03', '2020-06-03', '1m');
    expect(await dirtyCount()).toBe(0);
    await expectExactContext(h.ds, 2500);
    const [{ n }] = await h.ds.query(`SELECT count(*)::int AS n FROM price_data WHERE missing_sessions IS NOT NULL OR trading_day IS NOT NULL`);
    expect(n).toBe(0);
  });
});
