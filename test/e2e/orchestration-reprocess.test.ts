// reprocess: a new feature-set version over years of stored history plus quality over it; idempotent (a second
// reprocess reuses the completed recompute), other versions untouched, lineage reconciling with history.
import fs from 'node:fs';
import path from 'node:path';
import { reconcileRunTree } from '../../activities/lineage';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { RunRepository } from '../../src/repositories/run-repository';
import { backfill, reprocess } from '../../workflows';
import { minusDays } from '../../workflows/pipeline-input';
import { record, replayAll } from '../replay/histories';
import { useTestWorker } from '../helpers/services';

jest.setTimeout(240_000);

describe('reprocess', () => {
  const h = useTestWorker('reprocess');
  const { taskQueue } = h;
  const symbols = ['RA', 'RB', 'RC', 'RD'];
  const range = { from: '2016-01-04', to: '2019-12-31' };

  beforeAll(async () => {
    await h.env.client.workflow.execute(backfill, { taskQueue, workflowId: 'rp-seed', args: [{ symbols, ...range, source: 'synthetic', seed: 2, batchSize: 2 }] });
  });
  const input = { featureSet: 'slim', definitions: [{ name: 'sma_10', indicator: 'sma', params: { period: 10 } }], symbols };

  it('computes the new version over the whole history and re-runs quality over it', async () => {
    const [defaultBefore] = await h.ds.query(`SELECT feature_set_version AS v, count(*)::int AS n FROM feature_data GROUP BY 1`);
    const summary = await h.env.client.workflow.execute(reprocess, { taskQueue, workflowId: 'rp-1', args: [input] });

    const storedDays = SyntheticProvider.tradingDays({ from: minusDays(range.from, 120), to: range.to });
    const stored = storedDays.length;
    expect(summary).toMatchObject({
      featureSet: 'slim', symbols: 4, featureRows: 4 * stored, recomputed: true, range: { from: storedDays[0].toISOString().slice(0, 10), to: range.to },
    });
    expect(summary.version).toMatch(/^slim-[0-9a-f]{12}$/);
    const [rows] = await h.ds.query(`SELECT count(*)::int AS n, count(DISTINCT (symbol, ts))::int AS d FROM feature_data WHERE feature_set_version = $1`, [summary.version]);
    expect(rows).toEqual({ n: 4 * stored, d: 4 * stored });
    // The default version is untouched.
    const [defaultAfter] = await h.ds.query(`SELECT count(*)::int AS n FROM feature_data WHERE feature_set_version = $1`, [defaultBefore.v]);
    expect(defaultAfter.n).toBe(defaultBefore.n);

    // Quality ran over the reprocessed range, recorded against the reprocess run.
    const [q] = await h.ds.query(`SELECT count(*)::int AS n FROM validation_result WHERE pipeline_run_id = $1`, [summary.pipelineRunId]);
    expect(q.n).toBe(summary.quality.rulesEvaluated);
    expect(q.n).toBeGreaterThan(0);

    // The recompute child points at the reprocess run; lineage reconciles with both histories.
    const kids = await h.ds.query(`SELECT workflow_type, status FROM pipeline_run WHERE parent_run_id = $1`, [summary.pipelineRunId]);
    expect(kids).toEqual([{ workflow_type: 'recomputeFeatures', status: 'completed' }]);
    const reports = await reconcileRunTree(h.env.client, new RunRepository(h.ds), summary.pipelineRunId);
    expect(reports.map((r) => r.workflowType)).toEqual(['reprocess', 'recomputeFeatures']);
    expect(reports.flatMap((r) => r.problems)).toEqual([]);
    expect(reports[0].completed).toBe(1); // one quality chunk
    expect(reports[1].completed).toBe(1); // one recompute chunk (4 symbols ≤ chunkSize 50)

    const childId = (await h.ds.query(`SELECT workflow_id FROM pipeline_run WHERE parent_run_id = $1`, [summary.pipelineRunId]))[0].workflow_id;
    expect(await replayAll([await record(h.env.client, 'reprocess', 'rp-1'), await record(h.env.client, 'recompute-features-child', childId)])).toEqual([]);
  });

  it('is idempotent: a second reprocess reuses the completed recompute and writes no duplicate', async () => {
    const again = await h.env.client.workflow.execute(reprocess, { taskQueue, workflowId: 'rp-2', args: [input] });
    const stored = SyntheticProvider.tradingDays({ from: minusDays(range.from, 120), to: range.to }).length;
    expect(again).toMatchObject({ recomputed: false, featureRows: 4 * stored });
    const [rows] = await h.ds.query(`SELECT count(*)::int AS n FROM feature_data WHERE feature_set_version = $1`, [again.version]);
    expect(rows.n).toBe(4 * stored);
    const recomputes = await h.ds.query(`SELECT count(*)::int AS n FROM pipeline_run WHERE workflow_type = 'recomputeFeatures'`);
    expect(recomputes[0].n).toBe(1);
  });
});
