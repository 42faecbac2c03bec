// reprocess: a new feature-set version over years of history (recomputeFeatures as a child, under an id derived
// from the database, version and scope, so a restarted reprocess skips a recompute this database has), then quality
// over the same history in symbol chunks. Every step is an idempotent activity: it resumes wherever it stopped.
import { defineQuery, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { z } from 'zod';
import type { Activities } from '../activities';
import type { QualityResult } from '../src/contracts/activities';
import { recordFailedRun } from './run-record';
import { bookkeeping, sqlBatch } from './activity-profiles';
import { childIdPrefix, runChildOnce, targetDatabaseId } from './child-runs';
import { executionMeta, shortHash } from './execution-meta';
import { parseWorkflowInput } from './pipeline-input';
import { recomputeFeatures, recomputeInputSchema } from './recompute-features';
import { TICKFLOW_FEATURE_SET, TICKFLOW_STAGE, TICKFLOW_SYMBOLS } from './search-attributes';

const book = proxyActivities<Activities>(bookkeeping);
const sql = proxyActivities<Activities>(sqlBatch);

export const reprocessInputSchema = recomputeInputSchema.safeExtend({
  /** Re-run the quality rules over the reprocessed history. */
  quality: z.boolean().default(true),
  /** Symbols per quality activity. */
  qualityChunkSize: z.number().int().min(1).max(5000).default(100),
});

export type ReprocessInputArgs = z.input<typeof reprocessInputSchema>;

export interface ReprocessProgress {
  stage: 'planning' | 'features' | 'quality' | 'completed' | 'failed';
  version?: string;
  qualityChunksDone: number;
  qualityChunksTotal: number;
}

export interface ReprocessSummary {
  pipelineRunId: string;
  version: string;
  featureSet: string;
  symbols: number;
  featureRows: number;
  /** false when a completed recompute with the same id existed and was reused. */
  recomputed: boolean;
  range: { from: string; to: string } | null;
  quality: { rulesEvaluated: number; passed: number; blockingFailures: string[]; warnings: string[] };
}

export const reprocessProgressQuery = defineQuery<ReprocessProgress>('reprocessProgress');

export async function reprocess(rawInput: unknown): Promise<ReprocessSummary> {
  const input = parseWorkflowInput(reprocessInputSchema, rawInput, 'reprocess');
  const { quality: withQuality, qualityChunkSize, ...recompute } = input;
  const progress: ReprocessProgress = { stage: 'planning', qualityChunksDone: 0, qualityChunksTotal: 0 };
  setHandler(reprocessProgressQuery, () => progress);
  const enter = (stage: ReprocessProgress['stage']) => {
    progress.stage = stage;
    upsertSearchAttributes([{ key: TICKFLOW_STAGE, value: stage }]);
  };
  const pipelineRunId = await book.startPipelineRun(input, executionMeta());
  try {
    const plan = await sql.planFeatureRecompute({
      featureSet: recompute.featureSet, version: recompute.version, definitions: recompute.definitions, symbols: recompute.symbols, interval: recompute.interval,
    });
    progress.version = plan.version;
    upsertSearchAttributes([{ key: TICKFLOW_FEATURE_SET, value: plan.version }, { key: TICKFLOW_SYMBOLS, value: plan.symbols.slice(0, 100) }]);

    enter('features');
    const childInput = { ...recompute, version: plan.version, symbols: plan.symbols };
    const childId = `${childIdPrefix('recompute', await targetDatabaseId())}-${plan.version}-${shortHash(JSON.stringify([plan.symbols, recompute.interval, recompute.from, recompute.to, recompute.chunkSize]))}`;
    const features = await runChildOnce(recomputeFeatures, childId, [childInput], pipelineRunId);
    await book.linkChildRun({ childWorkflowId: childId, parentRunId: pipelineRunId });
    const featureRows = features.kind === 'ran' ? features.result.rows : features.counts.features ?? 0;

    const quality: ReprocessSummary['quality'] = { rulesEvaluated: 0, passed: 0, blockingFailures: [], warnings: [] };
    let range: ReprocessSummary['range'] = null;
    if (withQuality && plan.symbols.length > 0) {
      enter('quality');
      const stored = await book.storedPriceRange({ symbols: plan.symbols, interval: recompute.interval });
      if (stored) {
        range = { from: recompute.from ?? stored.from, to: recompute.to ?? stored.to };
        const chunks: string[][] = [];
        for (let i = 0; i < plan.symbols.length; i += qualityChunkSize) chunks.push(plan.symbols.slice(i, i + qualityChunkSize));
        progress.qualityChunksTotal = chunks.length;
        for (const symbols of chunks) {
          const q: QualityResult = await sql.runQualityChecks({ pipelineRunId, symbols, interval: recompute.interval, ...range, featureSetVersion: plan.version });
          quality.rulesEvaluated += q.rulesEvaluated;
          quality.passed += q.passed;
          quality.blockingFailures.push(...q.blockingFailures.filter((f) => !quality.blockingFailures.includes(f)));
          quality.warnings.push(...q.warnings.filter((w) => !quality.warnings.includes(w)));
          progress.qualityChunksDone++;
        }
      }
    }
    enter('completed');
    await book.finishPipelineRun({ pipelineRunId, status: 'completed', counts: { features: featureRows, symbols: plan.symbols.length, validations: quality.rulesEvaluated } });
    return {
      pipelineRunId, version: plan.version, featureSet: plan.name, symbols: plan.symbols.length, featureRows, recomputed: features.kind === 'ran', range, quality,
    };
  } catch (err) {
    progress.stage = 'failed';
    await recordFailedRun(book.finishPipelineRun, pipelineRunId, {}, err);
    throw err;
  }
}

