// Real bad data, loaded straight into price_data with COPY (the import's quarantine would reject some of it before
// the rules see it): each known defect is caught by the rule meant for it, and the repaired version passes it.
// Files and licences: test/fixtures/quality/NOTICE.md.
import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { copyRows, type CopyValue } from '../../src/db/copy';
import { evaluateRules, type RuleOutcome } from '../../src/quality/run-quality';
import { duplicateDay, ohlcConsistency, priceRules, unexplainedJump, type RuleSpec } from '../../src/quality/rules';
import { fixturesDir, openTestDataSource, resetData } from '../helpers/services';

const dir = path.join(fixturesDir, 'quality');
// The split table comes with the lead's corporate-actions migration; without it the split-aware cases cannot run.
const itWithSplits = migrations.some((m) => m.name === 'CorporateActions1732406800000') ? it : it.skip;

interface Csv {
  header: string[];
  rows: string[][];
}

function readCsv(file: string): Csv {
  const [head, ...lines] = fs.readFileSync(path.join(dir, file), 'utf8').trim().split(/\r?\n/);
  return { header: head.split(',').map((h) => h.trim().toLowerCase()), rows: lines.map((l) => l.split(',')) };
}

const col = (csv: Csv, ...names: string[]) => {
  const i = csv.header.findIndex((h) => names.includes(h));
  if (i < 0) throw new Error(`no column ${names.join('/')} in ${csv.header.join(',')}`);
  return i;
};

/** The bar's local exchange date, stored at UTC midnight like every daily bar (yfinance dates carry their offset). */
const barTs = (date: string, hoursLater = 0) => new Date(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) + hoursLater * 3_600_000);

describe('quality rules on real bad data', () => {
  let ds: DataSource;
  beforeAll(async () => {
    ds = await openTestDataSource();
  });
  beforeEach(() => resetData(ds));
  afterAll(() => ds.destroy());

  async function load(file: string, symbol: (row: string[]) => string, opts: { stampRepeats?: boolean } = {}): Promise<number> {
    const csv = readCsv(file);
    const [d, o, h, l, c] = [col(csv, 'date', 'datetime'), col(csv, 'open'), col(csv, 'high'), col(csv, 'low'), col(csv, 'close')];
    const adj = csv.header.indexOf('adj close');
    const vol = csv.header.indexOf('volume');
    const seen = new Map<string, number>();
    const rows: CopyValue[][] = csv.rows.map((r) => {
      const key = `${symbol(r)}|${r[d].slice(0, 10)}`;
      const repeat = seen.get(key) ?? 0;
      seen.set(key, repeat + 1);
      if (repeat > 0 && !opts.stampRepeats) throw new Error(`${file}: ${key} repeats`);
      // The primary key refuses an exact repeat, so a repeated date can only land a few hours later: that is the
      // shape of the hazard (a date-only feed next to a tz-aware one) the duplicate rule exists for.
      return [symbol(r), '1d', barTs(r[d], repeat), Number(r[o]), Number(r[h]), Number(r[l]), Number(r[c]),
        adj >= 0 ? Number(r[adj]) : null, vol >= 0 ? Number(r[vol]) : 0, `fixture:${file}`];
    });
    return ds.transaction((em) => copyRows(em, 'price_data', ['symbol', 'interval', 'ts', 'open', 'high', 'low', 'close', 'adj_close', 'volume', 'source'], rows));
  }

  /** Stores the file's non-zero split column as corporate_action splits (ratio = new shares per old, as both vendors give it). */
  async function loadSplits(file: string, symbol: (row: string[]) => string, column: string): Promise<number> {
    const csv = readCsv(file);
    const [d, s] = [col(csv, 'date', 'datetime'), col(csv, column)];
    const splits = csv.rows.filter((r) => Number(r[s]) !== 0 && Number(r[s]) !== 1);
    for (const r of splits) {
      await ds.query(`INSERT INTO corporate_action (symbol, ex_date, kind, ratio, source) VALUES ($1, $2, 'split', $3, 'fixture')`,
        [symbol(r), r[d].slice(0, 10), Number(r[s])]);
    }
    return splits.length;
  }

  async function run(rules: RuleSpec[], symbols: string[], from: string, to: string): Promise<Record<string, RuleOutcome & { sample: Record<string, unknown>[] }>> {
    const verdict = await ds.transaction((em) => evaluateRules(em, rules, { symbols, interval: '1d', from, to }, { pipelineRunId: null, workflowId: 'wf-hostile' }));
    const stored: { rule: string; sample: Record<string, unknown>[] }[] = await ds.query(`SELECT rule, sample FROM validation_result WHERE id = ANY($1::bigint[])`,
      [verdict.outcomes.map((o) => o.id)]);
    return Object.fromEntries(verdict.outcomes.map((o) => [o.rule, { ...o, sample: stored.find((s) => s.rule === o.rule)!.sample }]));
  }

  const days = (sample: Record<string, unknown>[]) => sample.map((s) => String(s.ts).slice(0, 10)).sort();

  // yfinance price-repair pairs: X.csv as Yahoo served it, X-fixed.csv as yfinance repaired it.
  const jumpCases: [string, string, string[]][] = [
    ['AET-L-1d-100x-error', 'pence quoted as pounds (0.1455 ↔ 14.55) for two weeks', ['2022-05-09', '2022-05-20']],
    ['SSW-JO-1d-100x-error', 'one ZAc/ZAR 100× unit error', ['2023-06-01']],
    ['MOB-ST-1d-bad-stock-split', 'a 1:10 consolidation applied to one bar two days early', ['2023-05-22', '2023-05-23']],
    ['LA-V-1d-bad-stock-split', 'a 1:10 consolidation applied to the ex-date bar only', ['2020-08-26', '2020-08-27']],
    ['DEX-AX-1d-bad-stock-split', 'a consolidation applied to part of the bars', ['2023-05-22']],
    ['4063-T-1d-bad-stock-split', 'a 5:1 split applied one day before its ex-date', ['2023-03-29']],
  ];

  itWithSplits.each(jumpCases)('%s (%s): the unexplained jump rule catches it, with its splits stored, and passes the repaired file', async (name, _what, jumpDays) => {
    const symbol = () => name.split('-1')[0];
    for (const [file, sym] of [[`yfinance/${name}.csv`, 'RAW'], [`yfinance/${name}-fixed.csv`, 'FIXED']] as const) {
      await load(file, () => `${symbol()}.${sym}`);
      await loadSplits(file, () => `${symbol()}.${sym}`, 'stock splits');
    }
    const rows = readCsv(`yfinance/${name}.csv`).rows.map((r) => r[0].slice(0, 10)).sort();
    const raw = await run([unexplainedJump()], [`${symbol()}.RAW`], rows[0], rows[rows.length - 1]);
    expect(raw['price.daily_jump']).toMatchObject({ passed: false, failingRows: jumpDays.length, rowsChecked: rows.length - 1 });
    expect(days(raw['price.daily_jump'].sample)).toEqual(jumpDays);
    const fixed = await run([unexplainedJump()], [`${symbol()}.FIXED`], rows[0], rows[rows.length - 1]);
    expect(fixed['price.daily_jump']).toMatchObject({ passed: true, failingRows: 0, rowsChecked: rows.length - 1 });
  });

  it('SSW-JO: the four bars with Open outside High/Low fail OHLC consistency in both versions (yfinance does not repair them)', async () => {
    await load('yfinance/SSW-JO-1d-100x-error.csv', () => 'SSW.RAW');
    await load('yfinance/SSW-JO-1d-100x-error-fixed.csv', () => 'SSW.FIXED');
    const result = await run([ohlcConsistency()], ['SSW.RAW', 'SSW.FIXED'], '2023-01-01', '2023-12-31');
    expect(result['price.ohlc_consistency']).toMatchObject({ passed: false, failingRows: 8, rowsChecked: 58 });
    const bySymbol: { symbol_counts: Record<string, unknown> }[] = await ds.query(`SELECT symbol_counts FROM validation_result WHERE rule = 'price.ohlc_consistency'`);
    expect(bySymbol[0].symbol_counts).toEqual({ 'SSW.RAW': { checked: 29, failing: 4 }, 'SSW.FIXED': { checked: 29, failing: 4 } });
    const raw = result['price.ohlc_consistency'].sample.filter((s) => s.symbol === 'SSW.RAW');
    expect(days(raw)).toEqual(['2023-05-02', '2023-05-10', '2023-05-19', '2023-05-23']);
    for (const s of raw) expect(Number(s.open) > Number(s.high) || Number(s.open) < Number(s.low)).toBe(true);
  });

  it('VIX: the 47 early-1990s rows with Open outside High/Low fail OHLC consistency, and only those', async () => {
    expect(await load('finance-vix/vix-daily.csv', () => 'VIX')).toBe(9235);
    const result = await run([ohlcConsistency()], ['VIX'], '1990-01-01', '2026-12-31');
    expect(result['price.ohlc_consistency']).toMatchObject({ passed: false, failingRows: 47, rowsChecked: 9235 });
    const sample = result['price.ohlc_consistency'].sample;
    expect(sample.length).toBeGreaterThan(0);
    for (const s of sample) {
      const [o, h, l] = [Number(s.open), Number(s.high), Number(s.low)];
      expect(o > h || o < l).toBe(true);
    }
    const [outside] = await ds.query(`SELECT count(*)::int AS n FROM price_data WHERE symbol = 'VIX' AND (open > high OR open < low)`);
    expect(outside.n).toBe(47);
  });

  it('Quandl WIKI stacked table read as one series: 664 repeated dates fail the duplicate-day rule; read per ticker, it passes', async () => {
    const file = 'zipline/QUANDL_SAMPLE_TABLE.csv';
    expect(await load(file, () => 'WIKI', { stampRepeats: true })).toBe(916);
    const naive = await run([duplicateDay()], ['WIKI'], '2014-01-01', '2014-12-31');
    expect(naive['price.duplicate_day']).toMatchObject({ passed: false, failingRows: 664, rowsChecked: 915, blocking: true });
    await resetData(ds);
    const ticker = col(readCsv(file), 'ticker');
    await load(file, (r) => r[ticker]);
    const perTicker = await run([duplicateDay()], ['AAPL', 'BRK_A', 'MSFT', 'ZEN'], '2014-01-01', '2014-12-31');
    expect(perTicker['price.duplicate_day']).toMatchObject({ passed: true, failingRows: 0, rowsChecked: 916 - 4 });
  });

  itWithSplits('Quandl WIKI AAPL: the unadjusted 7:1 split (645.57 → 93.70) is a jump until the split is stored', async () => {
    const file = 'zipline/QUANDL_SAMPLE_TABLE.csv';
    const ticker = col(readCsv(file), 'ticker');
    await load(file, (r) => r[ticker]);
    const before = await run([unexplainedJump()], ['AAPL'], '2014-01-01', '2014-12-31');
    expect(before['price.daily_jump']).toMatchObject({ passed: false, failingRows: 1 });
    expect(before['price.daily_jump'].sample[0]).toMatchObject({ ts: '2014-06-09T00:00:00+00:00', prev_close: 645.57, close: 93.7 });
    expect(await loadSplits(file, (r) => r[ticker], 'split_ratio')).toBe(1);
    const after = await run([unexplainedJump()], ['AAPL'], '2014-01-01', '2014-12-31');
    expect(after['price.daily_jump']).toMatchObject({ passed: true, failingRows: 0, rowsChecked: 251 });
  });

  itWithSplits('every bar rule measures on all of this data exactly what it measures when every bar gets attention', async () => {
    // The rule pass evaluates rules only on the bars their `attention` SQL picks out; this is the reference it must match.
    const symbols: string[] = [];
    for (const [name] of jumpCases) {
      for (const file of [`yfinance/${name}.csv`, `yfinance/${name}-fixed.csv`]) {
        const symbol = file.replace('yfinance/', '').replace('.csv', '');
        await load(file, () => symbol);
        await loadSplits(file, () => symbol, 'stock splits');
        symbols.push(symbol);
      }
    }
    await load('finance-vix/vix-daily.csv', () => 'VIX');
    const quandl = 'zipline/QUANDL_SAMPLE_TABLE.csv';
    await load(quandl, () => 'WIKI', { stampRepeats: true });
    const ticker = col(readCsv(quandl), 'ticker');
    await load(quandl, (r) => r[ticker]);
    symbols.push('VIX', 'WIKI', 'AAPL', 'BRK_A', 'MSFT', 'ZEN');

    const measure = async (everyBar: boolean) => {
      const verdict = await ds.transaction((em) => evaluateRules(em, priceRules, { symbols, interval: '1d', from: '1990-01-01', to: '2026-12-31' },
        { pipelineRunId: null, workflowId: 'wf-contract' }, { everyBar }));
      const stored: { rule: string; rows_checked: string; failing_rows: string; sample: unknown[]; symbol_counts: unknown }[] = await ds.query(
        `SELECT rule, rows_checked, failing_rows, sample, symbol_counts FROM validation_result WHERE id = ANY($1::bigint[]) ORDER BY rule`,
        [verdict.outcomes.map((o) => o.id)]);
      return stored;
    };
    const fast = await measure(false);
    const reference = await measure(true);
    expect(fast).toEqual(reference);
    // Not a vacuous comparison: these data fail several rules.
    expect(fast.filter((r) => Number(r.failing_rows) > 0).map((r) => r.rule)).toEqual(
      expect.arrayContaining(['price.daily_jump', 'price.duplicate_day', 'price.ohlc_consistency']));
  });
});
