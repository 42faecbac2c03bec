// Every default rule family on hand-made bars with a known defect, the NYSE calendar, fundamentals, and custom rules.
import type { DataSource } from 'typeorm';
import { InputError } from '../../src/contracts/errors';
import { addCustomRule, toRuleSpec } from '../../src/quality/custom-rules';
import { nyseCalendar, nyseHolidays } from '../../src/calendar/nyse-calendar';
import { evaluateRules, type RuleOutcome } from '../../src/quality/run-quality';
import {
  balanceSheetIdentity, calendarGaps, defaultRules, freshness, fundamentalPeriodOrder, fundamentalPublishedAfterPeriodEnd, missingValues,
  nonTradingDayBars, priceRules, requiredColumns, volumeSpike, type RuleSpec,
} from '../../src/quality/rules';
import { QualityRepository } from '../../src/repositories/quality-repository';
import { openTestDataSource, resetData } from '../helpers/services';

describe('NYSE calendar', () => {
  it('has the published number of trading days per year, and the one-off closures', () => {
    const perYear = (y: number) => nyseCalendar(y, y).filter((d) => d.trading).length;
    // Counts from NYSE's yearly calendars (2001: four days closed after 9/11; 2012: Hurricane Sandy).
    expect([1995, 2001, 2012, 2015, 2016, 2017, 2020, 2022, 2023, 2024].map(perYear)).toEqual([252, 248, 250, 252, 252, 251, 253, 251, 250, 252]);
    const days = nyseHolidays(1995, 2030).map((h) => h.day);
    expect(days).toEqual(expect.arrayContaining(['2001-09-11', '2012-10-29', '2018-12-05', '2025-01-09', '2022-06-20', '2021-12-24', '2030-04-19']));
    // New Year's Day 2022 fell on a Saturday: NYSE stayed open on Friday 2021-12-31.
    expect(days).not.toContain('2021-12-31');
    expect(days.filter((d) => d.startsWith('1995'))).toEqual(['1995-01-02', '1995-02-20', '1995-04-14', '1995-05-29', '1995-07-04', '1995-09-04', '1995-11-23', '1995-12-25']);
  });
});

describe('quality rule families', () => {
  let ds: DataSource;
  let repo: QualityRepository;
  beforeAll(async () => {
    ds = await openTestDataSource();
    repo = new QualityRepository(ds);
  });
  beforeEach(async () => {
    await resetData(ds);
    await ds.query('TRUNCATE quality_custom_rule');
  });
  afterAll(() => ds.destroy());

  /** Bars on the given dates; close defaults to a gentle ramp so no other rule fires by accident. */
  async function bars(symbol: string, dates: string[], f: (i: number) => Partial<Record<'open' | 'high' | 'low' | 'close' | 'adj_close' | 'volume', number | null>> = () => ({})) {
    for (const [i, d] of dates.entries()) {
      const c = 100 + i * 0.1;
      const b = { open: c, high: c + 1, low: c - 1, close: c, adj_close: c, volume: 1000 + (i % 7) * 10, ...f(i) };
      await ds.query(`INSERT INTO price_data (symbol, interval, ts, open, high, low, close, adj_close, volume, source)
        VALUES ($1, '1d', $2, $3, $4, $5, $6, $7, $8, 'test')`, [symbol, `${d}T00:00:00Z`, b.open, b.high, b.low, b.close, b.adj_close, b.volume]);
    }
  }

  const tradingDays = (from: string, to: string) => nyseCalendar(Number(from.slice(0, 4)), Number(to.slice(0, 4)))
    .filter((d) => d.trading && d.day >= from && d.day <= to).map((d) => d.day);

  async function run(rules: RuleSpec[], symbols: string[], from: string, to: string): Promise<Record<string, RuleOutcome>> {
    const v = await ds.transaction((em) => evaluateRules(em, rules, { symbols, interval: '1d', from, to }, { pipelineRunId: null, workflowId: 'wf-rules' }));
    return Object.fromEntries(v.outcomes.map((o) => [o.rule, o]));
  }

  it('passes a clean year of NYSE trading days on every price rule', async () => {
    await bars('CLEAN', tradingDays('2016-01-01', '2016-12-31'));
    const r = await run(priceRules, ['CLEAN'], '2016-01-01', '2016-12-31');
    expect(Object.values(r).filter((o) => !o.passed).map((o) => o.rule)).toEqual([]);
    // 252 trading days in 2016, holidays (e.g. Good Friday 2016-03-25) are not counted as gaps.
    expect(r['price.calendar_gaps']).toMatchObject({ rowsChecked: 252, failingRows: 0 });
    expect(r['price.ohlc_consistency'].rowsChecked).toBe(252);
  });

  it('counts missing trading days, not weekends or holidays, and flags bars dated on holidays', async () => {
    const days = tradingDays('2016-03-01', '2016-04-29');
    const kept = days.filter((d) => !['2016-03-22', '2016-03-23', '2016-04-12'].includes(d));
    await bars('GAPPY', [...kept, '2016-03-25' /* Good Friday */, '2016-03-26' /* Saturday */].sort());
    const r = await run([calendarGaps({ maxShare: 0.01 }), nonTradingDayBars()], ['GAPPY'], '2016-03-01', '2016-04-29');
    expect(r['price.calendar_gaps']).toMatchObject({ passed: false, failingRows: 3, rowsChecked: days.length });
    expect(r['price.calendar_gaps'].observed).toBeCloseTo(3 / days.length, 12);
    expect(r['price.non_trading_day']).toMatchObject({ passed: false, failingRows: 2, rowsChecked: days.length - 3 + 2 });
    // A scope starting inside the 03-22/23 gap counts only the missing session inside it.
    const mid = await run([calendarGaps({ maxShare: 0.01 })], ['GAPPY'], '2016-03-23', '2016-04-29');
    expect(mid['price.calendar_gaps']).toMatchObject({ failingRows: 2, rowsChecked: tradingDays('2016-03-23', '2016-04-29').length });
  });

  it('flags nulls and NaN, volume spikes, and stale data by trading days behind the end of the scope', async () => {
    const days = tradingDays('2017-01-01', '2017-06-30');
    await bars('HOLEY', days, (i) => (i === 3 ? { adj_close: null } : i === 9 ? { close: Number.NaN } : i === 50 ? { volume: 5_000_000 } : {}));
    await bars('STALE', days.slice(0, days.length - 5));
    const r = await run([missingValues(), volumeSpike(), freshness({ maxTradingDays: 3 })], ['HOLEY', 'STALE', 'NOBARS'], '2017-01-01', '2017-06-30');
    expect(r['price.missing_values']).toMatchObject({ passed: false, failingRows: 2, rowsChecked: 2 * days.length - 5 });
    expect(r['price.volume_spike']).toMatchObject({ failingRows: 1 });
    // STALE ends 5 trading days early and NOBARS has no bars at all; HOLEY is fresh.
    expect(r['price.freshness']).toMatchObject({ passed: false, failingRows: 2, rowsChecked: 3, blocking: true });
    const [stored] = await ds.query(`SELECT sample, symbol_counts FROM validation_result WHERE rule = 'price.freshness'`);
    expect(stored.symbol_counts).toEqual({ HOLEY: { checked: 1, failing: 0 }, STALE: { checked: 1, failing: 1 }, NOBARS: { checked: 1, failing: 1 } });
    expect(stored.sample).toEqual(expect.arrayContaining([expect.objectContaining({ symbol: 'STALE', trading_days_behind: 5 }),
      expect.objectContaining({ symbol: 'NOBARS', latest: null })]));
  });

  it('measures on hand-made defects exactly what evaluating every bar measures, also when the scope starts mid-series', async () => {
    const days = tradingDays('2017-01-01', '2017-12-31');
    await bars('MIXED', [...days.filter((_, i) => i % 37 !== 5), '2017-07-04' /* holiday */, '2017-07-08' /* Saturday */].sort(), (i) => (
      i % 50 === 7 ? { volume: 9_000_000 } : i % 61 === 3 ? { volume: Number.NaN } : i % 71 === 9 ? { close: 180, high: 181 }
        : i % 83 === 11 ? { low: 500 } : i >= 120 && i < 128 ? { close: 77, open: 77, high: 78, low: 76 } : i % 97 === 13 ? { adj_close: null } : {}));
    await bars('CLEAN', days);
    const scope = { symbols: ['MIXED', 'CLEAN', 'NOBARS'], interval: '1d', from: '2017-03-15', to: '2017-12-31' };
    const measure = async (everyBar: boolean) => {
      const v = await ds.transaction((em) => evaluateRules(em, priceRules, scope, { pipelineRunId: null, workflowId: 'wf-contract' }, { everyBar }));
      return ds.query(`SELECT rule, rows_checked, failing_rows, sample, symbol_counts FROM validation_result WHERE id = ANY($1::bigint[]) ORDER BY rule`,
        [v.outcomes.map((o) => o.id)]);
    };
    const fast = await measure(false);
    expect(fast).toEqual(await measure(true));
    const failing = fast.filter((r: { failing_rows: string }) => Number(r.failing_rows) > 0).map((r: { rule: string }) => r.rule);
    expect(failing).toEqual(expect.arrayContaining(['price.calendar_gaps', 'price.daily_jump', 'price.missing_values', 'price.non_trading_day',
      'price.ohlc_consistency', 'price.stale_close', 'price.volume_spike']));
  });

  it('fails the schema rule on a missing column and names it', async () => {
    const r = await run([requiredColumns('price_data', ['close', 'closing_price'])], ['ANY'], '2020-01-01', '2020-01-31');
    expect(r['schema.price_data_columns']).toMatchObject({ passed: false, rowsChecked: 2, failingRows: 1, blocking: true });
    const [stored] = await ds.query(`SELECT sample FROM validation_result WHERE rule = 'schema.price_data_columns'`);
    expect(stored.sample).toEqual([{ table_name: 'price_data', column_name: 'closing_price' }]);
  });

  it('checks fundamentals: period order, publication after period end, balance-sheet identity', async () => {
    const f = (symbol: string, metric: string, year: number, end: string, value: number, published: string) => ds.query(
      `INSERT INTO company_fundamental (symbol, metric, fiscal_period, fiscal_year, period_end, value, published_at, source)
       VALUES ($1, $2, 'FY', $3, $4, $5, $6, 'test')`, [symbol, metric, year, end, value, published]);
    // GOOD: identity holds within 1%, published after year end, periods in order.
    await f('GOOD', 'total_assets', 2019, '2019-12-31', 1000, '2020-02-15');
    await f('GOOD', 'total_liabilities', 2019, '2019-12-31', 600, '2020-02-15');
    await f('GOOD', 'total_equity', 2019, '2019-12-31', 395, '2020-02-15');
    await f('GOOD', 'total_assets', 2020, '2020-12-31', 1100, '2021-02-15');
    // BAD: assets ≠ liabilities + equity by 10%, a figure published before its period ended, FY2020 ending before FY2019.
    await f('BAD', 'total_assets', 2019, '2019-12-31', 1000, '2020-02-15');
    await f('BAD', 'total_liabilities', 2019, '2019-12-31', 500, '2020-02-15');
    await f('BAD', 'total_equity', 2019, '2019-12-31', 400, '2020-02-15');
    await f('BAD', 'revenue', 2019, '2019-12-31', 90, '2019-12-30');
    await f('BAD', 'revenue', 2020, '2019-06-30', 95, '2020-08-01');
    const r = await run([fundamentalPeriodOrder(), fundamentalPublishedAfterPeriodEnd(), balanceSheetIdentity()], ['GOOD', 'BAD'], '2019-01-01', '2020-12-31');
    expect(r['fundamental.balance_sheet_identity']).toMatchObject({ passed: false, rowsChecked: 2, failingRows: 1 });
    expect(r['fundamental.published_after_period_end']).toMatchObject({ passed: false, rowsChecked: 9, failingRows: 1 });
    expect(r['fundamental.period_order']).toMatchObject({ passed: false, rowsChecked: 2, failingRows: 1 });
    const [identity] = await ds.query(`SELECT sample FROM validation_result WHERE rule = 'fundamental.balance_sheet_identity'`);
    expect(identity.sample).toEqual([expect.objectContaining({ symbol: 'BAD', assets: 1000, liabilities: 500, equity: 400 })]);
  });

  it('adds, lists, runs read-only and removes a custom rule; refuses anything but one SELECT', async () => {
    await bars('CUST', tradingDays('2018-01-01', '2018-01-31'), (i) => (i < 3 ? { volume: 0 } : {}));
    const base = { description: 'no zero-volume bars', targetTable: 'price_data' as const, severity: 'error' as const, blocking: true, maxFailingRows: 1 };
    const rule = await addCustomRule(repo, { ...base, name: 'custom.zero_volume',
      sql: `SELECT p.symbol, p.ts, p.volume FROM price_data p WHERE p.symbol = ANY($1) AND p.interval = $2 AND p.ts BETWEEN $3 AND $4 AND p.volume = 0;` });
    expect(rule).toMatchObject({ name: 'custom.zero_volume', maxFailingRows: 1, severity: 'error' });
    expect((await repo.listCustomRules()).map((r) => r.name)).toEqual(['custom.zero_volume']);

    const refuse = (over: object) => addCustomRule(repo, { ...base, name: 'custom.bad', sql: 'SELECT 1', ...over });
    await expect(refuse({ sql: 'DELETE FROM price_data' })).rejects.toThrow('sql="DELETE FROM price_data": must be a single SELECT');
    await expect(refuse({ sql: 'SELECT 1; DROP TABLE price_data' })).rejects.toThrow('must be a single statement');
    await expect(refuse({ sql: 'WITH d AS (DELETE FROM price_data RETURNING *) SELECT * FROM d' })).rejects.toThrow(InputError);
    await expect(refuse({ sql: 'SELECT * FROM no_such_table' })).rejects.toThrow('relation "no_such_table" does not exist');
    await expect(refuse({ name: 'price.ohlc_consistency' })).rejects.toThrow('name="price.ohlc_consistency": is the name of a default rule');
    await expect(refuse({ severity: 'fatal' as 'error' })).rejects.toThrow('severity="fatal"');

    // A rule stored without the add-time checks (here: a function that writes) is refused at run time: it fails alone.
    await ds.query(`INSERT INTO quality_custom_rule (name, description, target_table, severity, blocking, max_failing_rows, sql)
      VALUES ('custom.sneaky', 'writes', 'price_data', 'warn', false, 0, 'SELECT nextval(''validation_result_id_seq'') AS n')`);
    const custom = (await repo.listCustomRules()).map(toRuleSpec);
    const r = await run(custom, ['CUST'], '2018-01-01', '2018-01-31');
    expect(r['custom.zero_volume']).toMatchObject({ passed: false, failingRows: 3, observed: 3, threshold: 1, blocking: true });
    expect(r['custom.sneaky']).toMatchObject({ passed: false });
    const [sneaky] = await ds.query(`SELECT sample FROM validation_result WHERE rule = 'custom.sneaky'`);
    expect(sneaky.sample[0].error).toBe('refused, not run: the query calls nextval(), which is not on the custom-rule function allowlist');
    const [zero] = await ds.query(`SELECT sample, symbol_counts FROM validation_result WHERE rule = 'custom.zero_volume'`);
    expect(zero.symbol_counts).toEqual({ CUST: { checked: 3, failing: 3 } });
    expect(zero.sample.map((s: { ts: string }) => s.ts)).toEqual(['2018-01-02T00:00:00+00:00', '2018-01-03T00:00:00+00:00', '2018-01-04T00:00:00+00:00']);

    expect(await repo.removeCustomRule('custom.zero_volume')).toBe(true);
    expect(await repo.removeCustomRule('custom.zero_volume')).toBe(false);
  });

  it('keeps a history per rule and symbol that answers "since"', async () => {
    await bars('HIST', tradingDays('2019-01-01', '2019-01-31'));
    for (let i = 0; i < 3; i++) await run(defaultRules, ['HIST'], '2019-01-01', '2019-01-31');
    await run(defaultRules, ['OTHER'], '2019-01-01', '2019-01-31');
    const h = await repo.history({ rule: 'price.ohlc_consistency', symbol: 'HIST', since: '2000-01-01' });
    expect(h).toHaveLength(3);
    expect(h.map((x) => x.rowsChecked)).toEqual([21, 21, 21]);
    expect(await repo.history({ rule: 'price.ohlc_consistency', since: '2999-01-01' })).toEqual([]);
    expect(await repo.history({ symbol: 'OTHER' })).toHaveLength(defaultRules.filter((r) => r.targetTable !== 'feature_data').length);
  });
});
