// `tickflow ui` Runs pages in headless Chromium, over a database the real pipeline filled: the list and its
// filters equal the pipeline_run rows, a run's detail equals its row, lineage rows and gate, links resolve, hostile
// text shows literally, bad parameters are 400 and unknown runs 404.
import { workflowUiLink } from '../../src/cli/context';
import { useUiBrowser } from '../helpers/ui-browser';
import { HOSTILE_EFFECTS, HOSTILE_IMG, HOSTILE_SCRIPT, HOSTILE_SYMBOL, insertHostileRun } from '../helpers/ui-hostile';
import { useUiServer } from '../helpers/ui-server';

jest.setTimeout(120_000);

describe('tickflow ui: runs', () => {
  let hostileId = '';
  const ui = useUiServer('ui-runs', {
    pipelines: [{ symbols: ['AAPL', 'SPY'], from: '2015-01-02', to: '2015-03-31' }, { symbols: ['SPY'], from: '2015-02-02', to: '2015-03-31' }],
    seed: async (h) => {
      hostileId = await insertHostileRun(h.ds);
    },
  });
  const browser = useUiBrowser();

  type Listed = { id: string; status: string; type: string; workflowId: string; symbols: string };
  const listed = (url: string) => browser.open(url).then(async (o) => {
    const rows: Listed[] = await o.page.$$eval('#runs tbody tr', (trs) => trs.map((tr) => ({
      id: tr.getAttribute('data-run-id')!, status: tr.querySelector('.status')!.textContent!.trim(), type: tr.querySelector('.type')!.textContent!,
      workflowId: tr.querySelector('.workflow-id')!.textContent!, symbols: tr.querySelector('.symbols')!.textContent!,
    }))).catch(() => []);
    return { ...o, rows, count: Number(await o.page.textContent('#run-count')) };
  });
  const dbRuns = (where = 'true', params: unknown[] = []): Promise<{ id: string; status: string; workflow_type: string; workflow_id: string; symbols: string }[]> =>
    ui.h.ds.query(`SELECT id, status, workflow_type, workflow_id, coalesce((SELECT string_agg(s, ', ') FROM jsonb_array_elements_text(input->'symbols') s), '') AS symbols
      FROM pipeline_run WHERE ${where} ORDER BY started_at DESC, id`, params);
  const asListed = (rows: Awaited<ReturnType<typeof dbRuns>>): Listed[] => rows.map((r) => ({ id: r.id, status: r.status, type: r.workflow_type, workflowId: r.workflow_id, symbols: r.symbols }));

  it('lists every run as the database has it, with no request leaving the server and no script', async () => {
    const o = await listed(`${ui.url}/runs`);
    expect(o.status).toBe(200);
    const expected = await dbRuns();
    expect(expected.length).toBe(3);
    expect(o.rows).toEqual(asListed(expected));
    expect(o.count).toBe(expected.length);
    expect(o.requests.every((u) => u.startsWith(ui.url))).toBe(true);
    expect(o.requests.some((u) => u.endsWith('/assets/ui.css'))).toBe(true);
    expect(o.pageErrors).toEqual([]);
    expect(o.consoleErrors).toEqual([]);
    // Every nav link resolves.
    const nav = await o.page.$$eval('header nav a', (as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(nav).toHaveLength(6);
    for (const link of nav) expect((await fetch(link)).status).toBe(200);
    await o.page.close();
  });

  it('filters by status, workflow type, symbols and date, as the database does', async () => {
    const cases: [string, string, unknown[]][] = [
      ['status=failed', `status = 'failed'`, []],
      ['status=completed&type=marketDataPipeline', `status = 'completed' AND workflow_type = 'marketDataPipeline'`, []],
      ['symbols=aapl', `input->'symbols' ? 'AAPL'`, []],
      ['symbols=SPY,AAPL', `input->'symbols' ?| array['SPY','AAPL']`, []],
      [`from=${new Date().toISOString().slice(0, 10)}`, `started_at >= current_date`, []],
      ['to=2000-01-01', 'false', []],
    ];
    for (const [query, where, params] of cases) {
      const o = await listed(`${ui.url}/runs?${query}`);
      expect({ query, rows: o.rows }).toEqual({ query, rows: asListed(await dbRuns(where, params)) });
      await o.page.close();
    }
    // The form submits the same filters.
    const o = await browser.open(`${ui.url}/runs`);
    await o.page.selectOption('select[name=status]', 'completed');
    await o.page.fill('input[name=symbols]', 'AAPL');
    await Promise.all([o.page.waitForURL(/status=completed/), o.page.click('#run-filters button[type=submit]')]);
    expect(await o.page.$$eval('#runs tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-run-id'))))
      .toEqual((await dbRuns(`status = 'completed' AND input->'symbols' ? 'AAPL'`)).map((r) => r.id));
    await o.page.close();
  });

  it('shows a run: counts, timings, the gate, its lineage rows and validation results, with working links', async () => {
    const summary = ui.pipelines[0];
    const [run] = await ui.h.ds.query(`SELECT * FROM pipeline_run WHERE id = $1`, [summary.pipelineRunId]);
    const lineage = await ui.h.ds.query(`SELECT activity_type, rows_in::int, rows_out::int, output_dataset FROM data_lineage WHERE pipeline_run_id = $1 ORDER BY id`, [run.id]);
    const o = await browser.open(`${ui.url}/runs`);
    await Promise.all([o.page.waitForURL(`**/runs/${run.id}`), o.page.click(`#runs tr[data-run-id="${run.id}"] a.run-link`)]);
    const p = o.page;
    expect(await p.textContent('#run-id')).toBe(run.id);
    expect(await p.textContent('#run-status')).toBe('completed');
    expect(await p.textContent('#run-symbols')).toBe('AAPL, SPY');
    expect(await p.textContent('#run-started')).toBe(`${run.started_at.toISOString().slice(0, 19).replace('T', ' ')}Z`);
    const counts = await p.$$eval('#run-counts tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.getAttribute('data-count'), Number(tr.querySelector('td')!.textContent)])));
    expect(counts).toEqual(run.counts);
    expect(await p.textContent('#gate-decision')).toBe(run.gate.decision);
    const rows = await p.$$eval('#lineage-rows tbody tr', (trs) => trs.map((tr) => ({
      activity_type: tr.querySelector('.activity-type')!.textContent, rows_in: Number(tr.querySelector('.rows-in')!.textContent),
      rows_out: Number(tr.querySelector('.rows-out')!.textContent), output_dataset: tr.querySelector('a.output')!.textContent,
    })));
    expect(rows).toEqual(lineage);
    // The step-time chart: a bar per lineage row, drawn.
    const chart = p.locator('figure.chart[data-chart="step-times"]');
    expect(Number(await chart.getAttribute('data-bars'))).toBe(lineage.length);
    expect(await chart.locator('svg path').count()).toBeGreaterThan(lineage.length);
    expect(await p.getAttribute('#temporal-link', 'href')).toBe(workflowUiLink(ui.config, run.workflow_id, run.run_id));

    // The quality link shows this run's results; the lineage link its graph.
    const [{ n }] = await ui.h.ds.query(`SELECT count(*)::int AS n FROM validation_result WHERE pipeline_run_id = $1`, [run.id]);
    await Promise.all([p.waitForURL(/\/quality\?run=/), p.click('#quality-link')]);
    expect(Number(await p.textContent('#result-count'))).toBe(n);
    await p.goBack();
    await Promise.all([p.waitForURL(/\/lineage\?run=/), p.click('#lineage-link')]);
    expect(await p.$$('#lineage-graph svg.dag g.node')).not.toHaveLength(0);
    await p.close();
  });

  it('shows hostile workflow ids, symbols, errors and datasets as text: no script runs, no element appears', async () => {
    for (const url of [`${ui.url}/runs`, `${ui.url}/runs/${hostileId}`, `${ui.url}/runs?symbols=X`, `${ui.url}/lineage?run=${hostileId}`]) {
      const o = await browser.open(url);
      expect(o.status).toBe(200);
      expect(await o.page.evaluate(HOSTILE_EFFECTS)).toEqual({ x: null, y: null, imgs: 0 });
      const text = await o.page.textContent('main');
      if (!url.includes('symbols=X')) expect(text).toContain(HOSTILE_SCRIPT);
      expect(o.pageErrors).toEqual([]);
      await o.page.close();
    }
    const o = await browser.open(`${ui.url}/runs/${hostileId}`);
    expect(await o.page.textContent('#run-error')).toBe(`import failed: ${HOSTILE_SCRIPT} ${HOSTILE_IMG}`);
    expect(await o.page.textContent('#run-symbols')).toBe(HOSTILE_SYMBOL);
    expect(await o.page.textContent('#gate-blocking')).toBe(HOSTILE_SCRIPT);
    await o.page.close();
  });

  it('answers bad parameters with 400 naming them, and unknown runs with 404', async () => {
    const cases: [string, number, string][] = [
      ['/runs?status=bogus', 400, 'status="bogus"'],
      ['/runs?from=2020-13-01', 400, 'from="2020-13-01": not a calendar date'],
      ['/runs?symbols=%3Cscript%3E', 400, 'symbols="<script>"'],
      ['/runs?limit=5', 400, 'limit: unknown parameter'],
      ['/runs/00000000-0000-0000-0000-000000000000', 404, 'no pipeline run 00000000-0000-0000-0000-000000000000'],
      ['/runs/no-such-workflow', 404, 'no pipeline run no-such-workflow'],
      ['/nowhere', 404, 'nothing at /nowhere'],
    ];
    for (const [path, status, message] of cases) {
      const o = await browser.open(`${ui.url}${path}`);
      expect({ path, status: o.status, message: await o.page.textContent('#error-message') }).toEqual({ path, status, message: expect.stringContaining(message) });
      await o.page.close();
    }
  });
});
