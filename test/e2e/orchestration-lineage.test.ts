// `tickflow lineage`: which runs and sources produced an export (upstream), what was built from a source file
// (downstream), and `lineage reconcile`: DataLineage rows against the Temporal history, failing on any mismatch.
import fs from 'node:fs';
import path from 'node:path';
import { marketDataPipeline } from '../../workflows';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { bundledDataDir, lineageReferences, testDatabaseUrl, useTestWorker } from '../helpers/services';

jest.setTimeout(180_000);

describe('tickflow lineage', () => {
  const h = useTestWorker('lineage');
  const { taskQueue } = h;

  const cli = async (...args: string[]) => {
    const p = spawnTickflow(args, childEnv({ DATABASE_URL: testDatabaseUrl(), TEMPORAL_ADDRESS: h.env.address, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_URL: undefined }));
    const code = await p.exited;
    const output = p.output();
    return { code, output, json: () => JSON.parse(output.slice(output.indexOf('{'))) };
  };

  it('answers which runs and sources produced the features in an export, and reconciles with history', async () => {
    // Two runs: AAPL over 2015–2016 without export, then AAPL+SPY over 2016 with export. The export's AAPL features
    // were computed by the first run (the second resumes after them), its SPY features by the second.
    const first = await h.env.client.workflow.execute(marketDataPipeline, { taskQueue, workflowId: 'lin-1', args: [{ symbols: ['AAPL'], from: '2015-01-02', to: '2016-12-30', export: { enabled: false } }] });
    const second = await h.env.client.workflow.execute(marketDataPipeline, { taskQueue, workflowId: 'lin-2', args: [{ symbols: ['AAPL', 'SPY'], from: '2016-01-04', to: '2016-12-30' }] });

    const up = await cli('lineage', second.export!.path, '--upstream', '--json');
    expect(up.code).toBe(0);
    const answer = up.json();
    expect(answer.runs.map((r: { workflowId: string }) => r.workflowId).sort()).toEqual(['lin-1', 'lin-2']);
    expect(answer.ends).toEqual([`file:${path.join(bundledDataDir, 'AAPL.csv')}`, `file:${path.join(bundledDataDir, 'SPY.csv')}`]);
    const exportNode = answer.roots[0].children[0];
    expect(exportNode.via).toMatchObject({ activityType: 'exportTrainingData', workflowId: 'lin-2', rowsOut: second.export!.rows, contentHash: second.export!.sha256 });
    expect(exportNode.dataset).toBe(`feature_data:${second.features.featureSetVersion}:1d:AAPL,SPY:2016-01-04..2016-12-30`);
    expect(exportNode.children.map((c: { via: { activityType: string; workflowId: string } }) => `${c.via.activityType}@${c.via.workflowId}`).sort())
      .toEqual(['computeFeatures@lin-1', 'computeFeatures@lin-2']);

    // --depth 1 stops at the export step.
    const shallow = (await cli('lineage', second.export!.path, '--depth', '1', '--json')).json();
    expect(shallow.runs.map((r: { workflowId: string }) => r.workflowId)).toEqual(['lin-2']);

    // Downstream of SPY's file: only the second run read it; what was built from it ends in the export file.
    const down = (await cli('lineage', `file:${path.join(bundledDataDir, 'SPY.csv')}`, '--downstream', '--json')).json();
    expect(down.runs.map((r: { workflowId: string }) => r.workflowId)).toEqual(['lin-2']);
    expect(down.ends).toContain(`file:${second.export!.path}`);

    // reconcile: clean run → 0; a row for an activity that never completed, or a missing row → 1, naming it.
    const ok = await cli('lineage', 'reconcile', 'lin-2');
    expect(ok.code).toBe(0);
    expect(ok.output).toContain('✓ marketDataPipeline lin-2: 4 completed data activities, 4 lineage rows');
    const [run] = await h.ds.query(`SELECT id, run_id FROM pipeline_run WHERE workflow_id = 'lin-1'`);
    await h.ds.query(
      `INSERT INTO data_lineage (pipeline_run_id, workflow_id, run_id, activity_id, activity_type, attempt, input_datasets, output_dataset, rows_in, rows_out)
       VALUES ($1, 'lin-1', $2, '99', 'computeFeatures', 1, '[]', 'feature_data:x-0123456789ab:1d:AAPL:start..end', 0, 0)`, [run.id, run.run_id]);
    await h.ds.query(`DELETE FROM data_lineage WHERE workflow_id = 'lin-1' AND activity_type = 'runQualityChecks'`);
    const bad = await cli('lineage', 'reconcile', 'lin-1', '--json');
    expect(bad.code).toBe(1);
    expect(bad.json().runs[0].problems.sort()).toEqual([
      'activity #4 (runQualityChecks) completed but has 0 lineage rows',
      'lineage row for activity #99 (computeFeatures, attempt 1) that did not complete in the history',
    ]);
    expect(first.pipelineRunId).toBe(run.id);
  });

  it('links predictions to the features they read, up to the import; every lineage row written parses', async () => {
    const run = await h.env.client.workflow.execute(marketDataPipeline, {
      taskQueue, workflowId: 'lin-model', args: [{ symbols: ['AAPL', 'SPY'], from: '2015-01-02', to: '2015-12-31', model: { enabled: true } }],
    });
    const prediction = `model_prediction:${run.model!.training.modelTrainingRunId}`;
    const version = run.features.featureSetVersion;

    const stored = await lineageReferences(h.ds);
    expect(stored.rows).toBe(3 - 1 + 1 + 4 + 6); // lin-1 (less the row deleted, plus the one added above), lin-2, lin-model
    expect(stored.references).toContain(prediction);
    expect(stored.unreadable).toEqual([]);

    const up = await cli('lineage', prediction, '--upstream', '--json');
    expect(up.code).toBe(0);
    const [root] = up.json().roots;
    type Node = { dataset: string; via?: { activityType: string; workflowId: string }; children: Node[] };
    // predict read the features of both symbols up to the last bar on or before `to`: a dated range lineage can match.
    const features = (root.children as Node[]).find((c) => c.dataset.startsWith('feature_data:'))!;
    expect(features).toMatchObject({ dataset: `feature_data:${version}:1d:AAPL,SPY:2015-12-31..2015-12-31`, via: { activityType: 'predict', workflowId: 'lin-model' } });
    // … which this run's computeFeatures computed from its price data, which its importPrices read from the files.
    const prices = features.children.find((c) => c.via?.workflowId === 'lin-model')!;
    expect(prices).toMatchObject({ dataset: 'price_data:1d:AAPL,SPY:2015-01-02..2015-12-31', via: { activityType: 'computeFeatures' } });
    const imported = prices.children.filter((c) => c.via?.workflowId === 'lin-model');
    expect(imported.map((c) => c.via!.activityType)).toEqual(['importPrices', 'importPrices']);
    expect(imported.map((c) => c.dataset).sort()).toEqual([`file:${path.join(bundledDataDir, 'AAPL.csv')}`, `file:${path.join(bundledDataDir, 'SPY.csv')}`]);
    expect(up.json().ends).toEqual(expect.arrayContaining([`file:${path.join(bundledDataDir, 'AAPL.csv')}`, `file:${path.join(bundledDataDir, 'SPY.csv')}`]));

    // A malformed reference fails naming it, instead of silently matching nothing.
    const bad = await cli('lineage', 'feature_data:v:1d:AAPL', '--upstream');
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('dataset reference: expected 4 part(s)');
  });
});
