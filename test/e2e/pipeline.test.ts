// marketDataPipeline on a real Temporal dev server, real PostgreSQL and real Redis, on the bundled data.
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type Redis from 'ioredis';
import { FeatureCache } from '../../src/features/feature-cache';
import { marketDataPipeline } from '../../workflows';
import { TICKFLOW_STAGE } from '../../workflows/search-attributes';
import { bundledDataDir, csvRowsInRange, useTestWorker } from '../helpers/services';

jest.setTimeout(180_000);

describe('marketDataPipeline end to end', () => {
  const h = useTestWorker('e2e', { redis: true });
  const { taskQueue } = h;

  const start = (args: unknown, workflowId: string) =>
    h.env.client.workflow.start(marketDataPipeline, { taskQueue, workflowId, args: [args] });

  it('imports, computes features, checks quality and exports, recording every step', async () => {
    const input = { symbols: ['AAPL', 'SPY'], from: '2015-01-02', to: '2015-12-31' };
    const handle = await start(input, 'e2e-bundled');
    const summary = await handle.result();

    // PriceData: every file row from the look-back start (120 days before `from`) to `to`, minus SPY's two bad rows.
    const lookbackFrom = '2014-09-04';
    const fileRows = (s: string) => csvRowsInRange(fs.readFileSync(path.join(bundledDataDir, `${s}.csv`), 'utf8'), lookbackFrom, '2015-12-31');
    const expectedBars = fileRows('AAPL').length + fileRows('SPY').length - 2;
    const [prices] = await h.ds.query(`SELECT count(*)::int AS n FROM price_data`);
    expect(prices.n).toBe(expectedBars);
    expect(summary.import).toMatchObject({ stored: expectedBars, quarantined: 2, received: expectedBars + 2, exactDuplicates: 0 });

    // FeatureData: one row per bar in [from, to], fully warmed up thanks to the look-back.
    const inRange = fileRows('AAPL').filter((c) => c[0] >= '2015-01-02').length + fileRows('SPY').filter((c) => c[0] >= '2015-01-02').length - 2;
    const [features] = await h.ds.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE array_position(values, NULL) IS NOT NULL)::int AS with_missing FROM feature_data WHERE feature_set_version = $1`,
      [summary.features.featureSetVersion],
    );
    expect(features).toEqual({ n: inRange, with_missing: 0 });
    expect(summary.features).toMatchObject({ rows: inRange, features: 27 });
    const [longShape] = await h.ds.query(`SELECT count(*)::int AS n FROM feature_values WHERE feature_set_version = $1`, [summary.features.featureSetVersion]);
    expect(longShape.n).toBe(inRange * 27);

    // ValidationResult: one row per default rule, all passed, linked to the run.
    const results = await h.ds.query(`SELECT rule, passed, pipeline_run_id, workflow_id FROM validation_result ORDER BY id`);
    expect(results).toHaveLength(18);
    expect(results.every((r: { passed: boolean; pipeline_run_id: string; workflow_id: string }) => r.passed && r.pipeline_run_id === summary.pipelineRunId && r.workflow_id === 'e2e-bundled')).toBe(true);

    // PipelineRun: keyed by the execution, completed, with counts and the gate decision.
    const [run] = await h.ds.query(`SELECT * FROM pipeline_run WHERE id = $1`, [summary.pipelineRunId]);
    expect(run).toMatchObject({ workflow_id: 'e2e-bundled', run_id: handle.firstExecutionRunId, workflow_type: 'marketDataPipeline', status: 'completed', error: null, task_queue: taskQueue });
    expect(run.counts).toMatchObject({ imported: expectedBars, quarantined: 2, features: inRange, validations: 18, exported: summary.export!.rows });
    expect(run.gate).toMatchObject({ decision: 'pass', blockingFailures: [], validationResultIds: summary.quality.resultIds });
    expect(run.finished_at).not.toBeNull();

    // DataLineage: exactly one row per data activity in the workflow's history, first attempts.
    const lineage = await h.ds.query(`SELECT activity_id, activity_type, attempt, rows_in::int, rows_out::int, output_dataset, content_hash FROM data_lineage WHERE pipeline_run_id = $1 ORDER BY id`, [summary.pipelineRunId]);
    expect(lineage.map((l: { activity_type: string }) => l.activity_type)).toEqual(['importPrices', 'computeFeatures', 'runQualityChecks', 'exportTrainingData']);
    const history = await handle.fetchHistory();
    const completedActivityIds = new Map<string, string>();
    const scheduled = new Map<string, { id: string; type: string }>();
    for (const e of history.events ?? []) {
      if (e.activityTaskScheduledEventAttributes) scheduled.set(String(e.eventId), { id: e.activityTaskScheduledEventAttributes.activityId!, type: e.activityTaskScheduledEventAttributes.activityType!.name! });
      if (e.activityTaskCompletedEventAttributes) {
        const s = scheduled.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId))!;
        completedActivityIds.set(s.id, s.type);
      }
    }
    for (const l of lineage) expect(completedActivityIds.get(l.activity_id)).toBe(l.activity_type);
    expect(lineage[0]).toMatchObject({ rows_out: expectedBars, attempt: 1 });
    expect(lineage[3].output_dataset).toBe(`file:${summary.export!.path}`);
    expect(lineage[3].content_hash).toBe(summary.export!.sha256);

    // Export file: header, row count, splits in time order, and a label recomputed from stored prices.
    const lines = fs.readFileSync(summary.export!.path, 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 4)).toEqual(['symbol', 'ts', 'split', 'sma_10']);
    expect(header.at(-1)).toBe('label_fwd_return_5');
    expect(lines.length - 1).toBe(summary.export!.rows);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.every((r) => r.length === header.length && r.every((v) => v !== ''))).toBe(true);
    const splitsInOrder = rows.map((r) => r[2]).filter((s, i, a) => i === 0 || s !== a[i - 1]);
    expect(splitsInOrder).toEqual(['train', 'validation', 'test']);
    // The last 5 bars per symbol have no label and are dropped; embargo gaps of 5 dates sit between splits.
    expect(summary.export!.rows).toBe(inRange - 2 * 5 - 2 * 2 * 5);
    const sample = rows.find((r) => r[0] === 'AAPL' && r[1] === '2015-03-02T00:00:00Z')!;
    const closes = await h.ds.query(`SELECT adj_close FROM price_data WHERE symbol = 'AAPL' AND ts >= '2015-03-02' ORDER BY ts LIMIT 6`);
    expect(Number(sample.at(-1))).toBeCloseTo(closes[5].adj_close / closes[0].adj_close - 1, 12);
    const manifest = JSON.parse(fs.readFileSync(summary.export!.manifestPath, 'utf8'));
    expect(manifest).toMatchObject({ rows: summary.export!.rows, sha256: summary.export!.sha256, pipelineRunId: summary.pipelineRunId, qualityResultIds: summary.quality.resultIds });
    expect(manifest.splits.train.rows + manifest.splits.validation.rows + manifest.splits.test.rows).toBe(summary.export!.rows);

    // Redis: the latest vector per symbol was cached after the features committed.
    if (h.redis) {
      const cached = await new FeatureCache(h.redis, 60).get(summary.features.featureSetVersion, 'AAPL', '1d');
      expect(cached?.ts).toBe('2015-12-31T00:00:00.000Z');
      expect(Object.keys(cached!.values)).toHaveLength(27);
      expect(summary.features.cached).toBe(2);
    }

    // Search attributes for the Web UI.
    const desc = await handle.describe();
    expect(desc.typedSearchAttributes.get(TICKFLOW_STAGE)).toBe('completed');
  });

  it('is idempotent: running the same range again changes no stored row', async () => {
    const before = await h.ds.query(`SELECT count(*)::int AS n, sum(xmin::text::bigint) AS x FROM price_data`);
    const fBefore = await h.ds.query(`SELECT count(*)::int AS n, sum(xmin::text::bigint) AS x FROM feature_data`);
    const summary = await (await start({ symbols: ['AAPL', 'SPY'], from: '2015-01-02', to: '2015-12-31', export: { enabled: false } }, 'e2e-again')).result();
    expect(summary.import).toMatchObject({ inserted: 0, revised: 0 });
    expect(summary.features.written).toBe(0);
    expect(summary.export).toBeNull();
    expect(await h.ds.query(`SELECT count(*)::int AS n, sum(xmin::text::bigint) AS x FROM price_data`)).toEqual(before);
    expect(await h.ds.query(`SELECT count(*)::int AS n, sum(xmin::text::bigint) AS x FROM feature_data`)).toEqual(fBefore);
  });

  it('tops up from the last stored bar with sinceLast, re-checking only that bar', async () => {
    const summary = await (await start({ symbols: ['AAPL', 'SPY'], from: '2015-01-02', to: '2015-12-31', sinceLast: true, export: { enabled: false } }, 'e2e-since-last')).result();
    expect(summary.import).toMatchObject({ received: 2, stored: 2, unchanged: 2, inserted: 0, quarantined: 0 });
    const [lineage] = await h.ds.query(`SELECT details FROM data_lineage WHERE pipeline_run_id = $1 AND activity_type = 'importPrices'`, [summary.pipelineRunId]);
    expect(lineage.details.perSymbol.AAPL).toMatchObject({ received: 1, first: '2015-12-31', last: '2015-12-31' });
    expect(lineage.details.sinceLast).toBe(true);
  });

  it('fails bad input at once, naming the field, without retrying', async () => {
    const handle = await start({ symbols: ['AAPL', 'not a ticker'], from: '2015-01-02', to: '2015-12-31' }, 'e2e-bad-input');
    const err = await handle.result().catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(err.cause.message).toContain('invalid pipeline input: symbols[1]: symbols are upper-case tickers');
    expect(err.cause.nonRetryable).toBe(true);
    const [run] = await h.ds.query(`SELECT count(*)::int AS n FROM pipeline_run WHERE workflow_id = 'e2e-bad-input'`);
    expect(run.n).toBe(0);
  });

  it('blocks the export when a blocking quality rule fails, and records why', async () => {
    // A bar that no provider row overwrites (a Sunday) and that breaks OHLC consistency.
    await h.ds.query(`INSERT INTO price_data (symbol, interval, ts, open, high, low, close, adj_close, volume, source)
      VALUES ('GOOG', '1d', '2016-03-06T00:00:00Z', 700, 650, 640, 690, 690, 100, 'manual')`);
    const handle = await start({ symbols: ['GOOG'], from: '2016-01-04', to: '2016-06-30' }, 'e2e-gate');
    const err = await handle.result().catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(err.cause.message).toMatch(/^quality gate blocked the export: price\.ohlc_consistency failed/);
    expect(err.cause.type).toBe('QualityGateError');
    const [run] = await h.ds.query(`SELECT id, status, error, gate FROM pipeline_run WHERE workflow_id = 'e2e-gate'`);
    expect(run.status).toBe('failed');
    expect(run.error).toContain('price.ohlc_consistency');
    expect(run.gate).toMatchObject({ decision: 'block', blockingFailures: ['price.ohlc_consistency'] });
    const failed = await h.ds.query(`SELECT id::text, sample FROM validation_result WHERE pipeline_run_id = $1 AND NOT passed AND blocking`, [run.id]);
    expect(failed).toHaveLength(1);
    expect(run.gate.validationResultIds).toContain(failed[0].id);
    expect(failed[0].sample[0]).toMatchObject({ symbol: 'GOOG', high: 650, open: 700 });
    const lineage = await h.ds.query(`SELECT activity_type FROM data_lineage WHERE pipeline_run_id = $1 ORDER BY id`, [run.id]);
    expect(lineage.map((l: { activity_type: string }) => l.activity_type)).toEqual(['importPrices', 'computeFeatures', 'runQualityChecks']);
  });
});
