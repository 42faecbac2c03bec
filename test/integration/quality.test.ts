// Rules run as SQL inside PostgreSQL and record their results, including samples of the failing rows.
import type { DataSource } from 'typeorm';
import { evaluateRules } from '../../src/quality/run-quality';
import { defaultRules, featureRules, priceRules } from '../../src/quality/rules';
import { openTestDataSource, resetData } from '../helpers/services';

describe('quality rules', () => {
  let ds: DataSource;
  beforeAll(async () => {
    ds = await openTestDataSource();
  });
  beforeEach(() => resetData(ds));
  afterAll(() => ds.destroy());

  async function insertBars(symbol: string, closes: number[], start = '2019-01-07') {
    let t = Date.parse(`${start}T00:00:00Z`);
    for (const c of closes) {
      while ([0, 6].includes(new Date(t).getUTCDay())) t += 86_400_000;
      await ds.query(
        `INSERT INTO price_data (symbol, interval, ts, open, high, low, close, adj_close, volume, source) VALUES ($1, '1d', $2, $3, $4, $5, $3, $3, 1000, 'test')`,
        [symbol, new Date(t), c, c + 1, c - 1],
      );
      t += 86_400_000;
    }
  }

  const scope = { symbols: ['GOOD', 'BAD'], interval: '1d', from: '2019-01-01', to: '2019-12-31' };

  it('passes clean data and catches an inconsistent bar with a sample of it', async () => {
    await insertBars('GOOD', [10, 11, 12, 11, 10, 11, 12]);
    await insertBars('BAD', [10, 11, 12, 11]);
    await ds.query(`UPDATE price_data SET low = 20 WHERE symbol = 'BAD' AND ts = '2019-01-08'`);

    // Both symbols' last bars are within 3 trading days of the scope's end, so only the OHLC defect blocks.
    const recent = { ...scope, to: '2019-01-15' };
    const verdict = await ds.transaction((em) => evaluateRules(em, priceRules, recent, { pipelineRunId: null, workflowId: 'wf-q' }));
    const ohlc = verdict.outcomes.find((o) => o.rule === 'price.ohlc_consistency')!;
    expect(ohlc).toMatchObject({ passed: false, rowsChecked: 11, failingRows: 1, blocking: true, severity: 'error' });
    expect(ohlc.observed).toBeCloseTo(1 / 11, 12);
    expect(verdict.blockingFailures).toEqual(['price.ohlc_consistency']);

    const [stored] = await ds.query(`SELECT * FROM validation_result WHERE rule = 'price.ohlc_consistency'`);
    expect(stored).toMatchObject({ workflow_id: 'wf-q', passed: false, failing_rows: '1', rows_checked: '11', target_table: 'price_data' });
    expect(stored.sample).toEqual([expect.objectContaining({ symbol: 'BAD', ts: '2019-01-08T00:00:00+00:00', low: 20, open: 11, close: 11 })]);
    expect(stored.scope).toEqual(recent);
  });

  it('flags day-over-day jumps and stale closes as warnings that do not block', async () => {
    await insertBars('BAD', [10, 10, 10, 10, 10, 10, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43]);
    // The scope ends one trading day after the last bar (2019-02-01), so freshness passes and only the warnings fail.
    const recent = { ...scope, symbols: ['BAD'], to: '2019-02-04' };
    const verdict = await ds.transaction((em) => evaluateRules(em, priceRules, recent, { pipelineRunId: null, workflowId: null }));
    const byRule = Object.fromEntries(verdict.outcomes.map((o) => [o.rule, o]));
    expect(byRule['price.daily_jump']).toMatchObject({ passed: false, failingRows: 1 });
    expect(byRule['price.stale_close']).toMatchObject({ passed: false, failingRows: 2 });
    expect(verdict.blockingFailures).toEqual([]);
    expect(verdict.warnings).toEqual(expect.arrayContaining(['price.daily_jump', 'price.stale_close']));
  });

  it('catches non-finite feature values and an RSI out of range', async () => {
    await insertBars('GOOD', [10, 11]);
    await ds.query(`INSERT INTO feature_set (version, name, definitions, feature_names, warmup_bars) VALUES ('t-1', 't', '[]', '{rsi_14,x}', 0)`);
    await ds.query(`INSERT INTO feature_data (feature_set_version, symbol, interval, ts, values) VALUES
      ('t-1', 'GOOD', '1d', '2019-01-07', '{50, NaN}'), ('t-1', 'GOOD', '1d', '2019-01-08', '{120, 1}')`);
    const verdict = await ds.transaction((em) =>
      evaluateRules(em, featureRules, { ...scope, featureSetVersion: 't-1' }, { pipelineRunId: null, workflowId: null }));
    const byRule = Object.fromEntries(verdict.outcomes.map((o) => [o.rule, o]));
    expect(byRule['feature.non_finite']).toMatchObject({ passed: false, failingRows: 1, rowsChecked: 2 });
    expect(byRule['feature.rsi_range']).toMatchObject({ passed: false, failingRows: 1, rowsChecked: 2 });
    expect(verdict.blockingFailures.sort()).toEqual(['feature.non_finite', 'feature.rsi_range']);
  });

  it('finds ±Infinity as non-finite, and missing values only after the warm-up rows', async () => {
    await ds.query(`INSERT INTO feature_set (version, name, definitions, feature_names, warmup_bars) VALUES ('t-2', 't', '[]', '{a,b}', 1)`);
    await ds.query(`INSERT INTO feature_data (feature_set_version, symbol, interval, ts, values) VALUES
      ('t-2', 'GOOD', '1d', '2019-01-07', '{NULL, 1}'), ('t-2', 'GOOD', '1d', '2019-01-08', '{Infinity, NULL}'),
      ('t-2', 'GOOD', '1d', '2019-01-09', '{-Infinity, 2}'), ('t-2', 'GOOD', '1d', '2019-01-10', '{1, 2}'),
      ('t-2', 'BAD', '1d', '2019-01-07', '{NULL, NULL}')`);
    const verdict = await ds.transaction((em) =>
      evaluateRules(em, featureRules, { ...scope, featureSetVersion: 't-2' }, { pipelineRunId: null, workflowId: null }));
    const byRule = Object.fromEntries(verdict.outcomes.map((o) => [o.rule, o]));
    expect(byRule['feature.non_finite']).toMatchObject({ failingRows: 2, rowsChecked: 5 });
    // Row 1 of each symbol is its warm-up (warmup_bars 1): GOOD's rows 2..4 are checked, one has a NULL; BAD has none past it.
    expect(byRule['feature.missing_after_warmup']).toMatchObject({ failingRows: 1, rowsChecked: 3 });
  });

  it('finds feature rows of an unregistered version (feature_data has no foreign key), and keeps a version with rows', async () => {
    await ds.query(`INSERT INTO feature_set (version, name, definitions, feature_names, warmup_bars) VALUES ('t-3', 't', '[]', '{a}', 0)`);
    await ds.query(`INSERT INTO feature_data (feature_set_version, symbol, interval, ts, values) VALUES
      ('t-3', 'GOOD', '1d', '2019-01-07', '{1}'), ('orphan-1', 'GOOD', '1d', '2019-01-07', '{1}'), ('orphan-1', 'BAD', '1d', '2019-01-08', '{1}')`);
    const run = (featureSetVersion: string) => ds.transaction((em) =>
      evaluateRules(em, featureRules, { ...scope, featureSetVersion }, { pipelineRunId: null, workflowId: null }));
    const orphan = (await run('orphan-1')).outcomes.find((o) => o.rule === 'feature.registered_version')!;
    expect(orphan).toMatchObject({ passed: false, blocking: true, severity: 'error', rowsChecked: 2, failingRows: 2 });
    expect((await run('t-3')).outcomes.find((o) => o.rule === 'feature.registered_version')).toMatchObject({ passed: true, rowsChecked: 1, failingRows: 0 });
    // Deleting or renaming a version that still has rows is refused; one without rows may go.
    await expect(ds.query(`DELETE FROM feature_set WHERE version = 't-3'`)).rejects.toThrow(/feature-set version t-3 still has feature_data rows/);
    await expect(ds.query(`UPDATE feature_set SET version = 't-4' WHERE version = 't-3'`)).rejects.toThrow(/still has feature_data rows/);
    await ds.query(`DELETE FROM feature_data WHERE feature_set_version = 't-3'`);
    await ds.query(`DELETE FROM feature_set WHERE version = 't-3'`);
    expect(await ds.query(`SELECT version FROM feature_set WHERE version = 't-3'`)).toEqual([]);
  });

  it('skips feature rules when no feature set is in scope', async () => {
    const verdict = await ds.transaction((em) => evaluateRules(em, defaultRules, scope, { pipelineRunId: null, workflowId: null }));
    expect(verdict.outcomes.map((o) => o.rule)).toEqual(defaultRules.filter((r) => r.targetTable !== 'feature_data').map((r) => r.name));
    expect(verdict.outcomes.map((o) => o.rule)).toEqual(expect.arrayContaining(priceRules.map((r) => r.name)));
  });
});
