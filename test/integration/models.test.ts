// Model runs on the real PostgreSQL: the baseline trainer recovers known coefficients, trains on exports in every
// format with the same result, records a ModelTrainingRun, and writes ModelPrediction rows for the latest bars.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { createFeatureActivities } from '../../activities/features';
import { createModelActivities } from '../../activities/models';
import { exportTrainingData, type ExportFormat } from '../../src/export/training-export';
import { DEFAULT_FEATURE_SET, featureSetVersion } from '../../src/features/feature-set';
import type { Dataset } from '../../src/models/dataset';
import { trainLinearModel, type LinearModel } from '../../src/models/linear-model';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { RunRepository } from '../../src/repositories/run-repository';
import { openTestDataSource, resetData, testActivityDeps } from '../helpers/services';

jest.setTimeout(120_000);

/** x1, x2 on a grid, y = 0.5 + 2·x1 − 3·x2 exactly; one missing x1 in validation (imputed with the train mean). */
function linearDataset(): Dataset {
  const rows = (n: number, offset: number) => {
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      const x1 = ((i + offset) % 7) - 3;
      const x2 = ((i * 3 + offset) % 5) * 0.5;
      x.push(x1, x2);
      y.push(0.5 + 2 * x1 - 3 * x2);
    }
    return { rows: n, x: Float64Array.from(x), y: Float64Array.from(y) };
  };
  return {
    manifest: {} as Dataset['manifest'], featureNames: ['x1', 'x2'], labelColumn: 'y',
    splits: { train: rows(70, 0), validation: rows(20, 1), test: rows(10, 2) },
  };
}

describe('model runs', () => {
  let ds: DataSource;
  let runId: string;
  let seq = 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-models-'));
  const inActivity = <T>(fn: () => Promise<T>): Promise<T> => new MockActivityEnvironment({ activityId: `m${++seq}` }).run(fn) as Promise<T>;
  let models: ReturnType<typeof createModelActivities>;
  const version = featureSetVersion(DEFAULT_FEATURE_SET);
  const symbols = ['SYNA', 'SYNB', 'SYNC'];
  const exportAs = (format: ExportFormat, label: string) => ds.transaction((em) => exportTrainingData(em, {
    symbols, interval: '1d', from: '2020-03-02', to: '2021-06-30', featureSetVersions: ['default'], label, format,
    splits: { train: 0.7, validation: 0.15 }, outPath: path.join(dir, `${format}-${++seq}.${format}`), pipelineRunId: runId, qualityResultIds: [], gate: { decision: 'skipped', reason: 'test' },
  }));

  beforeAll(async () => {
    ds = await openTestDataSource();
    await resetData(ds);
    runId = await new RunRepository(ds).start({ workflowId: 'models-test', runId: 'r1', workflowType: 'test', taskQueue: 'test', input: {}, startedAt: new Date() });
    const provider = new SyntheticProvider(11);
    for (const s of symbols) {
      for await (const r of provider.rows(s, '1d', { from: '2019-09-02', to: '2021-06-30' })) {
        const f = r.fields as { date: string; open: number; high: number; low: number; close: number; adjClose: number; volume: number };
        if (f.date < '2019-09-02') continue;
        await ds.query(
          `INSERT INTO price_data (symbol, interval, ts, open, high, low, close, adj_close, volume, source) VALUES ($1, '1d', $2, $3, $4, $5, $6, $7, $8, 'synthetic')`,
          [s, `${f.date}T00:00:00Z`, f.open, f.high, f.low, f.close, f.adjClose, f.volume],
        );
      }
    }
    const features = createFeatureActivities(testActivityDeps(ds, { exportDir: dir }));
    const plan = await inActivity(() => features.planFeatureRecompute({ featureSet: 'default', interval: '1d' }));
    await inActivity(() => features.recomputeFeatureChunk({ pipelineRunId: runId, ...plan, interval: '1d' }));
    models = createModelActivities(testActivityDeps(ds, { exportDir: dir }));
  });

  afterAll(async () => {
    await ds?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ridge recovers exact coefficients; logistic separates a separable label', () => {
    const data = linearDataset();
    const { model, metrics } = trainLinearModel(data, 'ridge', 0);
    // Standardized weights = raw coefficient × train std of the feature.
    const std = (j: number) => {
      const v = Array.from({ length: 70 }, (_, r) => data.splits.train.x[r * 2 + j]);
      const m = v.reduce((a, b) => a + b) / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
    };
    expect(model.weights[0]).toBeCloseTo(2 * std(0), 9);
    expect(model.weights[1]).toBeCloseTo(-3 * std(1), 9);
    expect(metrics.test_r2).toBeCloseTo(1, 9);
    expect(metrics.train_mse).toBeCloseTo(0, 12);

    const cls: Dataset = { ...data, splits: { train: { ...data.splits.train, y: data.splits.train.y.map((v) => (v > 0 ? 1 : 0)) },
      validation: { ...data.splits.validation, y: data.splits.validation.y.map((v) => (v > 0 ? 1 : 0)) },
      test: { ...data.splits.test, y: data.splits.test.y.map((v) => (v > 0 ? 1 : 0)) } } };
    const logistic = trainLinearModel(cls, 'logistic', 0.01);
    expect(logistic.metrics.train_accuracy).toBe(1);
    expect(logistic.metrics.test_accuracy).toBe(1);
    expect(() => trainLinearModel(data, 'logistic', 1)).toThrow(/needs a 0\/1 label/);
  });

  it('trains on an export (same fit from every format), records the run and predicts the latest bars', async () => {
    const exports = await Promise.all((['csv', 'jsonl', 'parquet'] as const).map((f) => exportAs(f, 'fwd_return:5')));
    const trained: Awaited<ReturnType<typeof models.trainModel>>[] = [];
    for (const e of exports) trained.push(await inActivity(() => models.trainModel({ pipelineRunId: runId, datasetPath: e.path, l2: 10 })));
    expect(trained.map((t) => t.model)).toEqual(['ridge', 'ridge', 'ridge']);
    const artifacts = trained.map((t) => JSON.parse(fs.readFileSync(t.artifactPath, 'utf8')) as LinearModel);
    for (const a of artifacts.slice(1)) a.weights.forEach((w, j) => expect(w).toBeCloseTo(artifacts[0].weights[j], 9));
    expect(trained[0].metrics.train_rows).toBe(exports[0].splits.train.rows);
    expect(trained[0].metrics.test_rows).toBe(exports[0].splits.test.rows);

    const [run] = await ds.query(`SELECT * FROM model_training_run WHERE id = $1`, [trained[2].modelTrainingRunId]);
    expect(run).toMatchObject({
      status: 'completed', model_type: 'ridge', dataset_hash: exports[2].sha256, dataset_path: exports[2].path, feature_set_versions: [version],
      pipeline_run_id: runId, artifact_path: trained[2].artifactPath,
      split_ranges: { train: [exports[2].splits.train.from, exports[2].splits.train.to], test: [exports[2].splits.test.from, exports[2].splits.test.to] },
    });
    expect(run.finished_at.getTime()).toBeGreaterThanOrEqual(run.started_at.getTime());
    expect(run.hyper_parameters).toMatchObject({ l2: 10 });

    const predicted = await inActivity(() => models.predict({ pipelineRunId: runId, modelTrainingRunId: trained[2].modelTrainingRunId, symbols: [...symbols, 'NONE'], interval: '1d' }));
    expect(predicted).toEqual({ predictions: 3, skipped: ['NONE'] });
    const rows = await ds.query(`SELECT symbol, ts, value, feature_set_version FROM model_prediction WHERE model_training_run_id = $1 ORDER BY symbol`, [trained[2].modelTrainingRunId]);
    expect(rows.map((r: { symbol: string }) => r.symbol)).toEqual(symbols);
    // Independently: intercept + Σ w·(x − mean)/std over the last stored vector of each symbol.
    const a = artifacts[2];
    for (const r of rows) {
      expect(r.ts.toISOString()).toBe('2021-06-30T00:00:00.000Z');
      expect(r.feature_set_version).toBe(version);
      const [stored] = await ds.query(`SELECT values FROM feature_data WHERE feature_set_version = $1 AND symbol = $2 ORDER BY ts DESC LIMIT 1`, [version, r.symbol]);
      const names: string[] = (await ds.query(`SELECT feature_names FROM feature_set WHERE version = $1`, [version]))[0].feature_names;
      let expected = a.intercept;
      a.featureNames.forEach((n, j) => { if (a.std[j] > 0) expected += ((stored.values[names.indexOf(n)] - a.mean[j]) / a.std[j]) * a.weights[j]; });
      expect(r.value).toBeCloseTo(expected, 9);
    }
    // One lineage row per training and one for the predictions (the mock activity context names no activity type).
    const lineage = await ds.query(`SELECT output_dataset, rows_out::int FROM data_lineage WHERE pipeline_run_id = $1 AND output_dataset LIKE 'model_%' ORDER BY id`, [runId]);
    expect(lineage).toEqual([
      ...trained.map((t) => ({ output_dataset: `model_training_run:${t.modelTrainingRunId}`, rows_out: 1 })),
      { output_dataset: `model_prediction:${trained[2].modelTrainingRunId}`, rows_out: 3 },
    ]);
  });

  it('uses logistic regression for a direction label and refuses a file its manifest does not describe', async () => {
    const e = await exportAs('parquet', 'direction:5');
    const t = await inActivity(() => models.trainModel({ pipelineRunId: runId, datasetPath: e.path }));
    expect(t.model).toBe('logistic');
    expect(t.metrics.test_accuracy).toBeGreaterThan(0);
    expect(t.metrics.test_logloss).toBeGreaterThan(0);

    const csv = await exportAs('csv', 'fwd_return:5');
    fs.appendFileSync(csv.path, 'SYNA,2021-07-01T00:00:00Z,test\n');
    await expect(inActivity(() => models.trainModel({ pipelineRunId: runId, datasetPath: csv.path }))).rejects.toThrow(/its manifest says/);
    const [failed] = await ds.query(`SELECT status, artifact_path FROM model_training_run WHERE dataset_path = $1`, [csv.path]);
    expect(failed).toEqual({ status: 'failed', artifact_path: null });
  });
});
