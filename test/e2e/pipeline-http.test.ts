// The pipeline on HTTP sources: real recorded Yahoo and SEC EDGAR responses replayed by a local server.
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { loadConfig } from '../../src/config';
import { marketDataPipeline } from '../../workflows';
import { ReplayServer } from '../helpers/replay-server';
import { fixturesDir, useTestWorker } from '../helpers/services';

jest.setTimeout(180_000);

describe('marketDataPipeline on HTTP providers', () => {
  let server: ReplayServer;
  const h = useTestWorker('http', {
    prepare: async () => {
      server = await ReplayServer.start([
        { path: '/v8/finance/chart/NVDA', file: 'yahoo/chart-NVDA-2021-02-01-to-2022-01-31.json' },
        { path: '/files/company_tickers.json', file: 'sec-edgar/company_tickers.json' },
        { path: '/api/xbrl/companyfacts/CIK0001640147.json', file: 'sec-edgar/companyfacts_CIK0001640147_SNOW.json' },
      ]);
      return loadConfig({
        YAHOO_BASE_URL: server.baseUrl, SEC_EDGAR_BASE_URL: server.baseUrl, SEC_EDGAR_WWW_URL: server.baseUrl,
        SEC_EDGAR_USER_AGENT: 'Tickflow Tests tests@example.com', YAHOO_RATE_LIMIT_PER_MIN: '6000', SEC_EDGAR_RATE_LIMIT_PER_MIN: '6000',
      });
    },
  });
  const { taskQueue } = h;

  afterAll(() => server?.stop());
  const run = (args: unknown, workflowId: string) => h.env.client.workflow.start(marketDataPipeline, { taskQueue, workflowId, args: [args] });

  it('imports Yahoo bars and the split they report, and runs every stage on them', async () => {
    const payload = JSON.parse(fs.readFileSync(path.join(fixturesDir, 'api', 'yahoo', 'chart-NVDA-2021-02-01-to-2022-01-31.json'), 'utf8'));
    const bars = payload.chart.result[0].timestamp.length as number;
    const summary = await (await run({ symbols: ['NVDA'], from: '2021-02-01', to: '2022-01-31', source: 'yahoo', lookbackDays: 0 }, 'http-yahoo')).result();
    expect(summary.import).toMatchObject({ received: bars, stored: bars, quarantined: 0, corporateActions: 1, adjustedBars: 0 });
    const [split] = await h.ds.query(`SELECT to_char(ex_date, 'YYYY-MM-DD') AS d, kind, ratio, source FROM corporate_action WHERE symbol = 'NVDA'`);
    expect(split).toEqual({ d: '2021-07-20', kind: 'split', ratio: 4, source: 'yahoo' });
    expect(summary.quality.blockingFailures).toEqual([]);
    expect(summary.export!.rows).toBeGreaterThan(100);
    const [lineage] = await h.ds.query(`SELECT input_datasets FROM data_lineage WHERE pipeline_run_id = $1 AND activity_type = 'importPrices'`, [summary.pipelineRunId]);
    expect(lineage.input_datasets[0]).toBe(`${server.baseUrl}/v8/finance/chart/NVDA?interval=1d`);
  });

  it('imports SEC fundamentals with filing dates next to the prices, counted on the run', async () => {
    const summary = await (await run({
      symbols: ['SNOW'], from: '2022-01-03', to: '2022-12-30', source: 'synthetic', fundamentalsSource: 'sec-edgar', export: { enabled: false },
    }, 'http-sec')).result();
    const [f] = await h.ds.query(`SELECT count(*)::int AS n, count(DISTINCT published_at)::int AS filings FROM company_fundamental WHERE symbol = 'SNOW' AND source = 'sec-edgar'`);
    expect(f.n).toBeGreaterThan(50);
    expect(f.filings).toBeGreaterThan(3);
    const [row] = await h.ds.query(`SELECT counts FROM pipeline_run WHERE id = $1`, [summary.pipelineRunId]);
    expect(row.counts.fundamentals).toBe(f.n);
    const steps = await h.ds.query(`SELECT activity_type, rows_out::int FROM data_lineage WHERE pipeline_run_id = $1 ORDER BY id`, [summary.pipelineRunId]);
    expect(steps.map((s: { activity_type: string }) => s.activity_type)).toEqual(['importPrices', 'importFundamentals', 'computeFeatures', 'runQualityChecks']);
    expect(steps[1].rows_out).toBe(f.n);
  });

  it('fails at once, naming the variable, when an API key is missing', async () => {
    const err = await (await run({ symbols: ['AAPL'], from: '2021-02-01', to: '2021-03-01', source: 'polygon' }, 'http-nokey')).result().catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(err.cause.cause?.message ?? err.cause.message).toContain('polygon needs POLYGON_API_KEY');
    const [row] = await h.ds.query(`SELECT status, error FROM pipeline_run WHERE workflow_id = 'http-nokey'`);
    expect(row.status).toBe('failed');
    expect(row.error).toContain('POLYGON_API_KEY');
  });
});
