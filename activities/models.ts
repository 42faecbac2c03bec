// Model runs: trainModel fits the baseline on an export and records a ModelTrainingRun; predict applies a trained
// model to the latest bars and writes ModelPrediction rows. Each with its lineage row, in one transaction.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DatasetRef } from '../src/contracts/dataset-ref';
import { InputError } from '../src/contracts/errors';
import { readDataset } from '../src/models/dataset';
import { predictOne, trainLinearModel, type LinearModel, type ModelKind } from '../src/models/linear-model';
import { FeatureRepository } from '../src/repositories/feature-repository';
import { ModelRepository, type PredictionRow } from '../src/repositories/model-repository';
import { RunRepository } from '../src/repositories/run-repository';
import type { PredictArgs, PredictResult, TrainModelArgs, TrainModelResult } from '../src/contracts/activities';
import { dayEnd, type ActivityDeps } from './deps';
import { lineageStep } from './lineage-step';
import { confinePath, datasetRoots } from '../src/security/path-policy';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Logistic for 0/1 direction labels, ridge for everything else. */
const kindFor = (labelKind: string): ModelKind => (labelKind === 'direction' ? 'logistic' : 'ridge');

/** The feature rows a prediction read, per version: which symbols, between which dates (its lineage inputs). */
class FeatureReads {
  private readonly byVersion = new Map<string, { symbols: Set<string>; from: string; to: string }>();
  constructor(private readonly interval: string) {}

  note<R extends { ts: Date }>(version: string, symbol: string, row: R | null): R | null {
    if (!row) return row;
    const day = row.ts.toISOString().slice(0, 10);
    const seen = this.byVersion.get(version);
    if (!seen) this.byVersion.set(version, { symbols: new Set([symbol]), from: day, to: day });
    else {
      seen.symbols.add(symbol);
      if (day < seen.from) seen.from = day;
      if (day > seen.to) seen.to = day;
    }
    return row;
  }

  datasets(): DatasetRef[] {
    return [...this.byVersion].map(([version, r]) => ({ kind: 'feature_data', version, interval: this.interval, symbols: [...r.symbols], from: r.from, to: r.to }));
  }
}

export function createModelActivities(deps: ActivityDeps) {
  const ds = deps.dataSource;
  const runs = new RunRepository(ds);
  const models = new ModelRepository(ds);
  const features = new FeatureRepository(ds);

  return {
    async trainModel(args: TrainModelArgs): Promise<TrainModelResult> {
      if (!args.pipelineRunId) throw new InputError('trainModel runs inside a pipeline run', 'pipelineRunId');
      if (args.l2 !== undefined && !(Number.isFinite(args.l2) && args.l2 >= 0)) throw new InputError(`must be a number ≥ 0 (got ${args.l2})`, 'l2');
      const startedAt = new Date();
      const id = randomUUID();
      const datasetPath = confinePath(args.datasetPath, datasetRoots({ exportDir: deps.exportDir, sourceRoots: deps.config.sourceRoots }), { field: 'datasetPath' });
      const l2 = args.l2 ?? 1;
      try {
        return await lineageStep(ds, runs, args.pipelineRunId, async (em) => {
          const data = await readDataset(datasetPath);
          const kind = args.model ?? kindFor(data.manifest.label.kind);
          const { model, metrics } = trainLinearModel(data, kind, l2);
          const artifactPath = path.join(deps.exportDir, 'models', `${id}.json`);
          fs.mkdirSync(path.dirname(artifactPath), { recursive: true });
          const featureSetVersions = data.manifest.featureSets.map((s) => s.version);
          fs.writeFileSync(artifactPath, `${JSON.stringify({ modelTrainingRunId: id, featureSetVersions, ...model }, null, 2)}\n`);
          const s = data.manifest.splits;
          await models.saveRun({
            id, pipelineRunId: args.pipelineRunId, modelType: kind, datasetPath, datasetHash: data.manifest.sha256, featureSetVersions,
            splitRanges: { train: [s.train.from, s.train.to], validation: [s.validation.from, s.validation.to], test: [s.test.from, s.test.to] },
            hyperParameters: { l2, standardize: 'train split mean/std', missing: 'train mean', label: data.manifest.label.spec },
            metrics: { ...metrics, train_seconds: (Date.now() - startedAt.getTime()) / 1000 }, artifactPath, status: 'completed',
            startedAt, finishedAt: new Date(),
          }, em);
          return {
            result: { modelTrainingRunId: id, model: kind, artifactPath, metrics },
            inputDatasets: [{ kind: 'file', path: datasetPath }],
            outputDataset: { kind: 'model_training_run', id },
            rowsIn: data.splits.train.rows + data.splits.validation.rows + data.splits.test.rows,
            rowsOut: 1,
            details: { artifactPath, model: kind, metrics },
            contentHash: data.manifest.sha256,
          };
        });
      } catch (err) {
        // A failed training is a record too (one per attempt), so `models list` shows it.
        await models.saveRun({
          id: randomUUID(), pipelineRunId: args.pipelineRunId, modelType: args.model ?? 'unknown', datasetPath, datasetHash: '', featureSetVersions: [],
          splitRanges: {}, hyperParameters: { l2, error: (err as Error).message.slice(0, 500) }, metrics: {}, artifactPath: null, status: 'failed',
          startedAt, finishedAt: new Date(),
        }).catch(() => {});
        throw err;
      }
    },

    async predict(args: PredictArgs): Promise<PredictResult> {
      const at = args.asOf ? dayEnd(args.asOf, 'asOf') : 'infinity';
      if (!UUID.test(args.modelTrainingRunId)) throw new InputError(`${JSON.stringify(args.modelTrainingRunId)} is not a model training run id (a uuid)`, 'modelTrainingRunId');
      const run = await models.get(args.modelTrainingRunId);
      if (!run || run.status !== 'completed' || !run.artifactPath) {
        throw new InputError(`no completed model training run ${args.modelTrainingRunId}`, 'modelTrainingRunId');
      }
      if (!fs.existsSync(run.artifactPath)) throw new InputError(`the artifact ${run.artifactPath} of model training run ${run.id} is gone`, 'modelTrainingRunId');
      const model = JSON.parse(fs.readFileSync(run.artifactPath, 'utf8')) as LinearModel;
      const [base, ...others] = run.featureSetVersions;
      return lineageStep(ds, runs, args.pipelineRunId ?? run.pipelineRunId!, async (em) => {
        const rows: PredictionRow[] = [];
        const skipped: string[] = [];
        const read = new FeatureReads(args.interval);
        for (const symbol of args.symbols) {
          // The latest bar of the base version; the other versions as of that same bar (point in time).
          const latest = read.note(base, symbol, await features.asOf(base, symbol, args.interval, at));
          if (!latest) {
            skipped.push(symbol);
            continue;
          }
          const values = { ...latest.values };
          for (const v of others) Object.assign(values, read.note(v, symbol, await features.asOf(v, symbol, args.interval, latest.ts))?.values ?? {});
          rows.push({ symbol, ts: latest.ts, value: predictOne(model, values), featureSetVersion: base });
        }
        await models.savePredictions(em, run.id, rows);
        return {
          result: { predictions: rows.length, skipped },
          inputDatasets: [...read.datasets(), { kind: 'model_training_run', id: run.id }],
          outputDataset: { kind: 'model_prediction', modelTrainingRunId: run.id },
          rowsIn: rows.length,
          rowsOut: rows.length,
          details: { model: run.modelType, asOf: args.asOf ?? 'latest', skipped },
        };
      });
    },
  };
}
