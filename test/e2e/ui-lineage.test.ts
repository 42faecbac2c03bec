// `tickflow ui` Lineage page in headless Chromium: the DAG around a run or dataset holds every lineage row of the
// run as input → output edges, the walk reaches the later run that read the same prices, depth control and links
// work, and bad or unknown references are 400 / 404.
import { useUiBrowser } from '../helpers/ui-browser';
import { HOSTILE_EFFECTS, HOSTILE_SCRIPT, insertHostileRun } from '../helpers/ui-hostile';
import { useUiServer } from '../helpers/ui-server';

jest.setTimeout(120_000);

type Edge = { from: string; to: string; label: string };

describe('tickflow ui: lineage', () => {
  let hostileId = '';
  const ui = useUiServer('ui-lineage', {
    pipelines: [{ symbols: ['AAPL', 'SPY'], from: '2015-01-02', to: '2015-03-31' }, { symbols: ['SPY'], from: '2015-02-02', to: '2015-03-31' }],
    seed: async (h) => {
      hostileId = await insertHostileRun(h.ds);
    },
  });
  const browser = useUiBrowser();

  const graphOf = async (url: string) => {
    const o = await browser.open(url);
    const nodes = await o.page.$$eval('#lineage-graph g.node', (gs) => gs.map((g) => g.getAttribute('data-node')!));
    const edges: Edge[] = await o.page.$$eval('#lineage-graph g.edge', (gs) => gs.map((g) => ({ from: g.getAttribute('data-from')!, to: g.getAttribute('data-to')!, label: g.getAttribute('data-label')! })));
    const runs = await o.page.$$eval('#lineage-runs tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-run-id')!));
    return { ...o, nodes, edges, runs };
  };
  const lineageRows = (runId: string): Promise<{ activity_type: string; input_datasets: string[]; output_dataset: string }[]> =>
    ui.h.ds.query(`SELECT activity_type, input_datasets, output_dataset FROM data_lineage WHERE pipeline_run_id = $1 ORDER BY id`, [runId]);

  it('draws a run\'s lineage as a DAG holding every one of its rows as input → output edges', async () => {
    const [first, second] = ui.pipelines;
    const g = await graphOf(`${ui.url}/lineage?run=${first.pipelineRunId}`);
    expect(g.status).toBe(200);
    const rows = await lineageRows(first.pipelineRunId);
    expect(rows.map((r) => r.activity_type)).toEqual(['importPrices', 'computeFeatures', 'runQualityChecks', 'exportTrainingData']);
    for (const r of rows) {
      expect(g.nodes).toContain(r.output_dataset);
      for (const input of r.input_datasets) expect(g.edges).toContainEqual({ from: input, to: r.output_dataset, label: r.activity_type });
    }
    // Downstream, the second run's steps read the first run's SPY prices: both runs are on the way.
    expect(g.runs).toEqual(expect.arrayContaining([first.pipelineRunId, second.pipelineRunId]));
    expect(Number(await g.page.textContent('#node-count'))).toBe(g.nodes.length);
    expect(Number(await g.page.textContent('#edge-count'))).toBe(g.edges.length);
    // Laid out: every node has a real box inside the drawing, data flowing from top to bottom.
    const boxes = await g.page.$$eval('#lineage-graph g.node rect', (rs) => rs.map((r) => r.getBoundingClientRect()).map((b) => ({ w: b.width, h: Math.round(b.height) })));
    for (const b of boxes) expect(b).toEqual({ w: expect.any(Number), h: 38 }); // drawn at its size, not shrunk to fit
    for (const b of boxes) expect(b.w).toBeGreaterThan(30);
    const ys = new Map(await g.page.$$eval('#lineage-graph g.node', (gs) => gs.map((n) => [n.getAttribute('data-node')!, n.querySelector('rect')!.getBoundingClientRect().y] as const)));
    for (const r of rows) for (const input of r.input_datasets) expect(ys.get(input)!).toBeLessThan(ys.get(r.output_dataset)!);
    expect(g.requests.every((u) => u.startsWith(ui.url))).toBe(true);
    expect(g.consoleErrors).toEqual([]);
    await g.page.close();
  });

  it('centres on a dataset when it is clicked, controls the depth, and opens a step\'s run', async () => {
    const [first] = ui.pipelines;
    const [importRow] = await lineageRows(first.pipelineRunId);
    const g = await graphOf(`${ui.url}/lineage?run=${first.pipelineRunId}`);
    await Promise.all([g.page.waitForURL(/dataset=price_data/), g.page.click(`#lineage-graph g.node[data-node="${importRow.output_dataset}"] a`)]);
    expect(await g.page.textContent('#start-dataset')).toBe(importRow.output_dataset);
    expect(await g.page.getAttribute(`#lineage-graph g.node.start`, 'data-node')).toBe(importRow.output_dataset);

    const one = await graphOf(`${ui.url}/lineage?dataset=${encodeURIComponent(importRow.output_dataset)}&direction=downstream&depth=1`);
    expect(one.edges.filter((e) => e.from === importRow.output_dataset).map((e) => e.label)).toContain('computeFeatures');
    const deeper = one.nodes.length;
    await Promise.all([one.page.waitForURL(/depth=2/), one.page.click('a.depth-link[data-depth="2"]')]);
    expect(await one.page.textContent('#depth')).toBe('2');
    expect(await one.page.$$eval('#lineage-graph g.node', (gs) => gs.length)).toBeGreaterThan(deeper);
    // An activity label links to the run that executed it.
    await Promise.all([one.page.waitForURL(/\/runs\/[0-9a-f-]{36}$/), one.page.click('#lineage-graph g.edge[data-label="computeFeatures"] a')]);
    expect(await one.page.textContent('#run-status')).toBe('completed');
    await g.page.close();
    await one.page.close();
  });

  it('lists recent datasets on the bare page, draws hostile dataset names as text, and refuses bad references', async () => {
    const bare = await browser.open(`${ui.url}/lineage`);
    const [{ n }] = await ui.h.ds.query(`SELECT least(count(*), 15)::int AS n FROM data_lineage`);
    expect(await bare.page.$$('#recent-datasets tbody tr')).toHaveLength(n);
    await bare.page.close();

    const hostile = await graphOf(`${ui.url}/lineage?run=${hostileId}`);
    expect(await hostile.page.evaluate(HOSTILE_EFFECTS)).toEqual({ x: null, y: null, imgs: 0 });
    expect(hostile.nodes).toContain(`file:/tmp/${HOSTILE_SCRIPT}.csv`);
    expect(await hostile.page.textContent('#lineage-graph')).toContain(HOSTILE_SCRIPT);
    await hostile.page.close();

    const cases: [string, number, string][] = [
      ['/lineage?depth=0', 400, 'depth="0"'],
      ['/lineage?direction=sideways', 400, 'direction="sideways"'],
      ['/lineage?dataset=nonsense:1', 400, 'dataset="nonsense:1"'],
      [`/lineage?dataset=file:/x&run=${hostileId}`, 400, 'give dataset or run, not both'],
      ['/lineage?dataset=file:/no/such/file.csv', 404, 'no lineage row produces or reads file:/no/such/file.csv'],
      ['/lineage?run=no-such-run', 404, 'no pipeline run no-such-run'],
    ];
    for (const [path, status, message] of cases) {
      const o = await browser.open(`${ui.url}${path}`);
      expect({ path, status: o.status, message: await o.page.textContent('#error-message') }).toEqual({ path, status, message: expect.stringContaining(message) });
      await o.page.close();
    }
  });
});
