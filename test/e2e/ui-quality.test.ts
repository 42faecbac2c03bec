// `tickflow ui` Quality page in headless Chromium: a run's results equal its validation_result rows, each rule has
// a trend with a point per run, a symbol with failing bars gets a price chart marking exactly those bars, custom
// rules are listed, hostile rule text stays text, bad selections are 400 and runs without results 404.
import { nyseCalendar } from '../../src/calendar/nyse-calendar';
import { evaluateRules } from '../../src/quality/run-quality';
import { defaultRules } from '../../src/quality/rules';
import { useUiBrowser } from '../helpers/ui-browser';
import { HOSTILE_EFFECTS, HOSTILE_IMG, HOSTILE_SCRIPT, HOSTILE_SYMBOL } from '../helpers/ui-hostile';
import { useUiServer } from '../helpers/ui-server';

jest.setTimeout(120_000);

describe('tickflow ui: quality', () => {
  const runIds: string[] = [];
  const ui = useUiServer('ui-quality', {
    pipelines: [{ symbols: ['AAPL'], from: '2015-01-02', to: '2015-02-27' }],
    seed: async (h) => {
      // BAD's bars as in test/e2e/quality-report.test.ts: two OHLC violations and a 100× jump there and back.
      const days = nyseCalendar(2019, 2019).filter((d) => d.trading && d.day <= '2019-03-29').map((d) => d.day);
      for (const [i, day] of days.entries()) {
        let c = 50 + i * 0.2;
        if (day === '2019-02-12') c *= 100;
        const [open, high, low] = day === '2019-01-15' || day === '2019-03-05' ? [c + 5, c + 1, c - 1] : [c, c + 1, c - 1];
        await h.ds.query(`INSERT INTO price_data (symbol, interval, ts, open, high, low, close, adj_close, volume, source)
          VALUES ('BAD', '1d', $1, $2, $3, $4, $5, $5, $6, 'test')`, [`${day}T00:00:00Z`, open, high, low, c, 1000 + (i % 5) * 10]);
      }
      for (const n of [1, 2]) {
        const [run] = await h.ds.query(`INSERT INTO pipeline_run (workflow_id, run_id, workflow_type, task_queue, status, input, started_at)
          VALUES ($1, $2, 'marketDataPipeline', 'q', 'completed', '{"symbols":["BAD"]}', now()) RETURNING id`, [`wf-quality-${n}`, `run-${n}`]);
        runIds.push(run.id);
        await h.ds.transaction((em) => evaluateRules(em, defaultRules, { symbols: ['BAD'], interval: '1d', from: '2019-01-01', to: '2019-03-29' },
          { pipelineRunId: run.id, workflowId: `wf-quality-${n}` }));
      }
      // Hostile text in a result (rule, sample, symbol) and in a custom rule.
      await h.ds.query(`INSERT INTO validation_result (pipeline_run_id, workflow_id, rule, target_table, scope, severity, blocking, passed, observed, threshold,
          rows_checked, failing_rows, sample, symbol_counts)
        VALUES ($1, 'wf-quality-2', $2, 'price_data', '{"symbols":["BAD"],"interval":"1d","from":"2019-01-01","to":"2019-03-29"}', 'warn', false, false, 1, 0, 1, 1, $3, $4)`,
      [runIds[1], `custom.${HOSTILE_SCRIPT}`, JSON.stringify([{ symbol: HOSTILE_SYMBOL, ts: '2019-01-15T00:00:00Z', note: HOSTILE_IMG }]),
        JSON.stringify({ [HOSTILE_SYMBOL]: { checked: 1, failing: 1 } })]);
      await h.ds.query(`INSERT INTO quality_custom_rule (name, description, target_table, severity, blocking, max_failing_rows, sql)
        VALUES ('custom.cheap_bars', $1, 'price_data', 'warn', false, 0, $2)`, [`closes under 1 ${HOSTILE_SCRIPT}`, `SELECT symbol, ts FROM price_data WHERE close < 1 -- ${HOSTILE_IMG}`]);
    },
  });
  const browser = useUiBrowser();

  it('shows a run\'s results as stored, a trend per rule with a point per run, and BAD\'s failing bars marked', async () => {
    const o = await browser.open(`${ui.url}/quality?run=${runIds[0]}`);
    expect(o.status).toBe(200);
    const p = o.page;
    const stored: { id: string; rule: string; passed: boolean; observed: number; failing_rows: string; rows_checked: string }[] = await ui.h.ds.query(
      `SELECT id::text, rule, passed, observed, failing_rows, rows_checked FROM validation_result WHERE pipeline_run_id = $1 ORDER BY id`, [runIds[0]]);
    const rows = await p.$$eval('#results tbody tr', (trs) => trs.map((tr) => ({
      id: tr.getAttribute('data-result-id'), rule: tr.querySelector('.rule')!.textContent, status: tr.querySelector('.status')!.textContent,
      observed: Number(tr.querySelector('.observed')!.textContent), failing: tr.querySelector('.failing')!.textContent,
    })));
    const sig = (v: number) => Number(v.toPrecision(6));
    expect(rows).toEqual(stored.map((s) => ({ id: s.id, rule: s.rule, status: s.passed ? 'pass' : 'FAIL', observed: sig(s.observed), failing: `${s.failing_rows} / ${s.rows_checked}` })));
    expect(Number(await p.textContent('#passed-count'))).toBe(stored.filter((s) => s.passed).length);
    expect(await p.textContent('#blocking')).toBe('price.ohlc_consistency');

    // One trend per rule; each has as many points as the rule has results over all runs (the AAPL pipeline's too).
    const perRule: { rule: string; n: number }[] = await ui.h.ds.query(`SELECT rule, count(*)::int AS n FROM validation_result
      WHERE rule = ANY($1) GROUP BY rule`, [stored.map((s) => s.rule)]);
    const trends = await p.$$eval('#trends figure.chart', (fs) => fs.map((f) => ({
      rule: f.getAttribute('data-chart'), points: Number(f.getAttribute('data-points')),
      series: Number(f.getAttribute('data-series')), width: f.querySelector('svg')!.getBoundingClientRect().width, paths: f.querySelectorAll('svg path').length,
    })));
    expect(trends.map((t) => t.rule).sort()).toEqual(stored.map((s) => s.rule).sort());
    for (const t of trends) {
      const n = perRule.find((r) => r.rule === t.rule)!.n;
      expect({ rule: t.rule, points: t.points }).toEqual({ rule: t.rule, points: n * t.series }); // observed (+ threshold) per run
      expect(t.width).toBeGreaterThan(300);
      expect(t.paths).toBeGreaterThan(0);
    }

    // BAD's price chart: its close per bar in scope, the failing bars (OHLC violations, the jump there and back) marked.
    const [{ bars }] = await ui.h.ds.query(`SELECT count(*)::int AS bars FROM price_data WHERE symbol = 'BAD'`);
    const chart = p.locator('#failing-charts figure[data-chart="price:BAD"]');
    expect(Number(await chart.getAttribute('data-points'))).toBe(bars);
    const marked = await chart.locator('details tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent!))
      .filter((c) => c[1] === 'marker').map((c) => c[2].slice(0, 10)).sort());
    expect(marked).toEqual(['2019-01-15', '2019-02-12', '2019-02-13', '2019-03-05']);
    expect(await chart.locator('svg').count()).toBe(1);
    // The failing rows themselves, from the stored sample.
    expect(await p.locator('table.sample[data-rule="price.ohlc_consistency"] tbody tr').count()).toBe(2);
    expect(o.requests.every((u) => u.startsWith(ui.url))).toBe(true);
    // The CSP forbids inline styles and scripts: charts that needed either would log a violation.
    expect(o.consoleErrors).toEqual([]);

    // A result's run link opens the run.
    await Promise.all([p.waitForURL(`**/runs/${runIds[0]}`), p.click(`#results tbody tr:first-child a.run-link`)]);
    expect(await p.textContent('#run-id')).toBe(runIds[0]);
    await p.close();
  });

  it('lists custom rules and shows hostile rule names, samples, symbols and SQL as text', async () => {
    const o = await browser.open(`${ui.url}/quality?run=${runIds[1]}`);
    const p = o.page;
    expect(await p.evaluate(HOSTILE_EFFECTS)).toEqual({ x: null, y: null, imgs: 0 });
    expect(await p.textContent(`#results tr[data-rule="custom.${HOSTILE_SCRIPT}"] .rule`)).toBe(`custom.${HOSTILE_SCRIPT}`);
    expect(await p.textContent('#custom-rules tr[data-rule="custom.cheap_bars"] .description')).toBe(`closes under 1 ${HOSTILE_SCRIPT}`);
    expect(await p.textContent('#custom-rules .sql')).toContain(HOSTILE_IMG);
    expect(await p.textContent(`table.sample[data-rule="custom.${HOSTILE_SCRIPT}"]`)).toContain(HOSTILE_IMG);
    expect(await p.$$eval('#failing-charts figure', (fs) => fs.map((f) => f.getAttribute('data-chart')))).toContain(`price:${HOSTILE_SYMBOL}`);
    expect(o.pageErrors).toEqual([]);
    await p.close();

    // No selection: the newest run's results.
    const newest = await browser.open(`${ui.url}/quality`);
    expect(await newest.page.textContent('#selection')).toContain(runIds[1].slice(0, 8));
    const since = await browser.open(`${ui.url}/quality?since=2000-01-01`);
    const [{ n }] = await ui.h.ds.query(`SELECT count(*)::int AS n FROM validation_result`);
    expect(Number(await since.page.textContent('#result-count'))).toBe(n);
    await newest.page.close();
    await since.page.close();
  });

  it('answers bad selections with 400 and a run without results with 404', async () => {
    const cases: [string, number, string][] = [
      ['/quality?run=not-a-uuid', 400, 'run="not-a-uuid": expected a UUID'],
      ['/quality?since=2020-02-30', 400, 'since="2020-02-30": not a calendar date'],
      [`/quality?since=2020-01-01&run=${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`, 400, 'give run or since, not both'],
      [`/quality?run=${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`, 404, 'no validation results for pipeline run'],
    ];
    for (const [path, status, message] of cases) {
      const o = await browser.open(`${ui.url}${path}`);
      expect({ path, status: o.status, message: await o.page.textContent('#error-message') }).toEqual({ path, status, message: expect.stringContaining(message) });
      await o.page.close();
    }
  });
});
