// The export stage end to end: the pipeline writes Parquet with a direction label and ends with train → predict;
// `tickflow export` and `tickflow models` run as a user would run them, against the same database.
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { marketDataPipeline } from '../../workflows';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { lineageReferences, testDatabaseUrl, useTestWorker } from '../helpers/services';

jest.setTimeout(180_000);

describe('export, train and predict end to end', () => {
  const h = useTestWorker('e2e-export');
  const { taskQueue, exportDir } = h;

  async function cli(args: string[], expected = 0): Promise<string> {
    const p = spawnTickflow(args, childEnv({ DATABASE_URL: testDatabaseUrl(), TICKFLOW_EXPORT_DIR: exportDir }));
    const code = await p.exited;
    if (code !== expected) throw new Error(`tickflow ${args.join(' ')} exited ${code}, expected ${expected}:\n${p.output()}`);
    return p.output();
  }

  it('runs import → features → quality → Parquet export → train → predict, then exports and lists models from the CLI', async () => {
    const input = {
      symbols: ['AAPL', 'SPY'], from: '2015-01-02', to: '2015-12-31', export: { format: 'parquet', label: 'direction:5' }, model: { enabled: true },
    };
    const summary = await (await h.env.client.workflow.start(marketDataPipeline, { taskQueue, workflowId: 'e2e-export-model', args: [input] })).result();

    expect(summary.export!.path).toBe(path.join(exportDir, 'e2e-export-model.parquet'));
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const read = await duck.runAndReadAll(
      `SELECT count(*)::INT AS n, count(DISTINCT split)::INT AS splits, min(label_direction_5)::INT AS lo, max(label_direction_5)::INT AS hi,
              max(ts)::VARCHAR AS last FROM read_parquet('${summary.export!.path}')`,
    );
    duck.closeSync();
    // 2015 has 252 AAPL bars and 250 SPY bars (two quarantined); 5 unlabeled per symbol; 2 embargo gaps × 5 dates × 2 symbols.
    expect(read.getRowObjectsJS()[0]).toEqual({ n: 252 + 250 - 2 * 5 - 2 * 5 * 2, splits: 3, lo: 0, hi: 1, last: expect.stringMatching(/^2015-12-2[1-3]/) });
    expect(summary.export!.rows).toBe(252 + 250 - 2 * 5 - 2 * 5 * 2);

    const training = summary.model!.training;
    expect(training.model).toBe('logistic');
    expect(summary.model!.predictions).toEqual({ predictions: 2, skipped: [] });
    const [run] = await h.ds.query(`SELECT status, dataset_hash, pipeline_run_id FROM model_training_run WHERE id = $1`, [training.modelTrainingRunId]);
    expect(run).toEqual({ status: 'completed', dataset_hash: summary.export!.sha256, pipeline_run_id: summary.pipelineRunId });
    const predictions = await h.ds.query(`SELECT symbol, ts, value FROM model_prediction WHERE model_training_run_id = $1 ORDER BY symbol`, [training.modelTrainingRunId]);
    expect(predictions.map((p: { symbol: string; ts: Date }) => [p.symbol, p.ts.toISOString()])).toEqual([
      ['AAPL', '2015-12-31T00:00:00.000Z'], ['SPY', '2015-12-31T00:00:00.000Z'],
    ]);
    expect(predictions.every((p: { value: number }) => p.value > 0 && p.value < 1)).toBe(true);
    const lineage = await h.ds.query(`SELECT activity_type FROM data_lineage WHERE pipeline_run_id = $1 ORDER BY id`, [summary.pipelineRunId]);
    expect(lineage.map((l: { activity_type: string }) => l.activity_type)).toEqual(['importPrices', 'computeFeatures', 'runQualityChecks', 'exportTrainingData', 'trainModel', 'predict']);
    const [pipelineRun] = await h.ds.query(`SELECT counts FROM pipeline_run WHERE id = $1`, [summary.pipelineRunId]);
    expect(pipelineRun.counts).toMatchObject({ exported: summary.export!.rows, predictions: 2 });

    // The CLI: the same data as JSON Lines, with a PipelineRun and its lineage row.
    const outPath = path.join(exportDir, 'cli.jsonl');
    const exported = JSON.parse(await cli(['export', '--symbols', 'AAPL,SPY', '--from', '2015-01-02', '--to', '2015-12-31', '--label', 'direction:5', '--out', outPath, '--json']));
    expect(exported).toMatchObject({ path: outPath, format: 'jsonl', rows: summary.export!.rows });
    expect(fs.readFileSync(outPath, 'utf8').trim().split('\n')).toHaveLength(summary.export!.rows);
    const [cliLineage] = await h.ds.query(`SELECT output_dataset, content_hash FROM data_lineage WHERE pipeline_run_id = $1`, [exported.pipelineRunId]);
    expect(cliLineage).toEqual({ output_dataset: `file:${outPath}`, content_hash: exported.sha256 });
    expect(JSON.parse(fs.readFileSync(`${outPath}.manifest.json`, 'utf8')).pipelineRunId).toBe(exported.pipelineRunId);

    const listed = JSON.parse(await cli(['models', 'list', '--json']));
    expect(listed.map((m: { id: string }) => m.id)).toContain(training.modelTrainingRunId);
    const shown = await cli(['models', 'show', training.modelTrainingRunId]);
    expect(shown).toContain(`ModelTrainingRun ${training.modelTrainingRunId}`);
    expect(shown).toMatch(/AAPL\s+2015-12-31T00:00:00.000Z/);

    expect(await cli(['export', '--symbols', 'AAPL', '--from', '2015-01-02', '--to', '2015-12-31', '--label', 'expr:close[0]'], 2)).toContain('reads no future close');
    expect(await cli(['export', '--from', '2015-01-02', '--to', '2015-12-31'], 2)).toContain('needs --symbols A,B or --universe all|FILE');
    expect((await lineageReferences(h.ds)).unreadable).toEqual([]);
  });
});
