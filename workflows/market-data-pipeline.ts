// import prices → compute features → quality gate → export training data, each step a retryable activity.
// Deterministic: all I/O is in activities; this file only decides what runs next.
import {
  defineQuery, patched, proxyActivities, setHandler, upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { nonRetryableFailure, QualityGateError } from '../src/contracts/errors';
import type { ExportStepResult, FeaturesResult, ImportResult, PredictResult, QualityResult, TrainModelResult } from '../src/contracts/activities';
import { recordFailedRun } from './run-record';
import { bookkeeping, providerImport, sqlBatch } from './activity-profiles';
import { executionMeta } from './execution-meta';
import { minusDays, parseWorkflowInput, pipelineInputSchema, type PipelineInput } from './pipeline-input';
import { TICKFLOW_FEATURE_SET, TICKFLOW_SOURCE, TICKFLOW_STAGE, TICKFLOW_SYMBOLS } from './search-attributes';

const book = proxyActivities<Activities>(bookkeeping);
const importer = proxyActivities<Activities>(providerImport);
const sql = proxyActivities<Activities>(sqlBatch);

export type Stage = 'starting' | 'import' | 'features' | 'quality' | 'export' | 'train' | 'predict' | 'completed' | 'failed';

export interface PipelineProgress {
  stage: Stage;
  pipelineRunId?: string;
  stagesDone: number;
  stagesTotal: number;
}

export interface PipelineSummary {
  pipelineRunId: string;
  input: PipelineInput;
  import: ImportResult;
  features: FeaturesResult;
  quality: QualityResult;
  export: ExportStepResult | null;
  /** Present when input.model.enabled: the baseline trained on the export, and its predictions for the latest bars. */
  model?: { training: TrainModelResult; predictions: PredictResult };
}

export const progressQuery = defineQuery<PipelineProgress>('progress');

export async function marketDataPipeline(rawInput: unknown): Promise<PipelineSummary> {
  const input = parseWorkflowInput(pipelineInputSchema, rawInput, 'pipeline');
  const progress: PipelineProgress = { stage: 'starting', stagesDone: 0, stagesTotal: (input.export.enabled ? 4 : 3) + (input.model.enabled ? 2 : 0) };
  setHandler(progressQuery, () => progress);
  const enter = (stage: Stage) => {
    progress.stage = stage;
    upsertSearchAttributes([{ key: TICKFLOW_STAGE, value: stage }]);
  };
  upsertSearchAttributes([
    { key: TICKFLOW_SYMBOLS, value: input.symbols.slice(0, 100) },
    { key: TICKFLOW_SOURCE, value: input.source },
    { key: TICKFLOW_FEATURE_SET, value: input.featureSet },
  ]);

  // Parent run and schedule info on the PipelineRun row; patched so runs started before it replay unchanged.
  const pipelineRunId = patched('pipeline-run-meta') ? await book.startPipelineRun(input, executionMeta()) : await book.startPipelineRun(input);
  progress.pipelineRunId = pipelineRunId;
  const scope = { pipelineRunId, symbols: input.symbols, interval: input.interval, from: input.from, to: input.to };
  const counts: Record<string, number> = {};
  try {
    enter('import');
    const imported = await importer.importPrices({
      ...scope, from: minusDays(input.from, input.lookbackDays), source: input.source, sourcePath: input.sourcePath, seed: input.seed,
      sinceLast: input.sinceLast,
    });
    if (input.fundamentalsSource) {
      const fundamentals = await importer.importFundamentals({ pipelineRunId, symbols: input.symbols, source: input.fundamentalsSource });
      counts.fundamentals = fundamentals.stored;
    }
    progress.stagesDone++;

    enter('features');
    // Bars the import changed inside stored history: the feature step recomputes the version from there, in this run.
    const features = await sql.computeFeatures({ ...scope, featureSet: input.featureSet, changedFrom: imported.changedFrom });
    upsertSearchAttributes([{ key: TICKFLOW_FEATURE_SET, value: features.featureSetVersion }]);
    progress.stagesDone++;

    enter('quality');
    const quality = await sql.runQualityChecks({ ...scope, featureSetVersion: features.featureSetVersion });
    progress.stagesDone++;
    if (quality.blockingFailures.length > 0) throw nonRetryableFailure(new QualityGateError(quality.blockingFailures, quality.resultIds));

    let exported: ExportStepResult | null = null;
    if (input.export.enabled) {
      enter('export');
      exported = await sql.exportTrainingData({
        ...scope, featureSetVersion: features.featureSetVersion, horizon: input.export.horizon, path: input.export.path,
        ...(input.export.overwrite ? { overwrite: true } : {}),
        qualityResultIds: quality.resultIds, format: input.export.format, label: input.export.label,
      });
      counts.exported = exported.rows;
      progress.stagesDone++;
    }

    let model: PipelineSummary['model'];
    if (input.model.enabled && exported) {
      enter('train');
      const training = await sql.trainModel({ pipelineRunId, datasetPath: exported.path, model: input.model.kind, l2: input.model.l2 });
      progress.stagesDone++;
      enter('predict');
      const predictions = await sql.predict({ pipelineRunId, modelTrainingRunId: training.modelTrainingRunId, symbols: input.symbols, interval: input.interval, asOf: input.to });
      counts.predictions = predictions.predictions;
      progress.stagesDone++;
      model = { training, predictions };
    }

    enter('completed');
    await book.finishPipelineRun({ pipelineRunId, status: 'completed', counts });
    return { pipelineRunId, input, import: imported, features, quality, export: exported, ...(model ? { model } : {}) };
  } catch (err) {
    progress.stage = 'failed';
    await recordFailedRun(book.finishPipelineRun, pipelineRunId, counts, err);
    throw err;
  }
}
