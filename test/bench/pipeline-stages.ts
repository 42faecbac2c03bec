// The reference for orchestration.pipeline_efficiency: the backfill's four stages run alone, each once over the
// whole universe (one activity call per stage, no Temporal, no child batches), into a fresh database. What the
// backfill loses against 1 / Σ 1/(stage bars/s) is its per-batch fixed costs and its scheduling.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { ExportStepResult, FeaturesResult, ImportResult, QualityResult } from '../../src/contracts/activities';
import { loadConfig } from '../../src/config';
import { RunRepository } from '../../src/repositories/run-repository';
import { testActivityDeps } from '../helpers/services';
import { measure, scratchDatabase, type BenchResult } from './harness';

export interface StageRates {
  bars: number;
  /** Seconds of each stage alone, over every bar at once. */
  seconds: { import: number; features: number; quality: number; export: number };
}

/** 1 / Σ 1/(stage bars/s): the serial speed of the stages alone (bars / Σ stage seconds). */
export const serialBarsPerS = (r: StageRates) => r.bars / Object.values(r.seconds).reduce((a, b) => a + b, 0);

export async function stagesAlone(
  adminUrl: string, plan: { symbols: string[]; range: { from: string; to: string }; seed: number; horizon: number }, log: (m: string) => void,
): Promise<StageRates> {
  const db = await scratchDatabase(adminUrl);
  const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-bench-stages-'));
  try {
    const config = loadConfig();
    const activities = createActivities(testActivityDeps(db.ds, { config, dataDir: config.dataDir, exportDir }));
    const pipelineRunId = await new RunRepository(db.ds).start({ workflowId: 'bench-stages', runId: 'r', workflowType: 'bench', taskQueue: 'bench', input: {}, startedAt: new Date() });
    const scope = { pipelineRunId, symbols: plan.symbols, interval: '1d', ...plan.range };
    let seq = 0;
    const alone = <T>(fn: () => Promise<T>) => measure(() => new MockActivityEnvironment({
      activityId: `stage-${++seq}`, workflowExecution: { workflowId: `bench-stages-${seq}`, runId: 'r' },
    }).run(fn) as Promise<T>);
    log(`stages alone: import, features, quality, export of ${plan.symbols.length} symbols in one call each`);
    const imp = await alone<ImportResult>(() => activities.importPrices({ ...scope, source: 'synthetic', seed: plan.seed }));
    const feat = await alone<FeaturesResult>(() => activities.computeFeatures({ ...scope, featureSet: 'default', changedFrom: imp.result.changedFrom }));
    const qual = await alone<QualityResult>(() => activities.runQualityChecks({ ...scope, featureSetVersion: feat.result.featureSetVersion }));
    if (qual.result.blockingFailures.length) throw new Error(`stages alone: quality gate failed: ${qual.result.blockingFailures.join(', ')}`);
    const exp = await alone<ExportStepResult>(() => activities.exportTrainingData({
      ...scope, featureSetVersion: feat.result.featureSetVersion, horizon: plan.horizon, qualityResultIds: qual.result.resultIds,
    }));
    log(`stages alone (s): import ${imp.seconds.toFixed(1)}, features ${feat.seconds.toFixed(1)}, quality ${qual.seconds.toFixed(1)}, export ${exp.seconds.toFixed(1)}`);
    return { bars: imp.result.stored, seconds: { import: imp.seconds, features: feat.seconds, quality: qual.seconds, export: exp.seconds } };
  } finally {
    await db.drop();
    fs.rmSync(exportDir, { recursive: true, force: true });
  }
}

/** The efficiency figure and each stage's rate alone, named under `prefix` (orchestration or scale). */
export function efficiencyResults(prefix: string, endToEndBarsPerS: number, stages: StageRates): BenchResult[] {
  const serial = serialBarsPerS(stages);
  const efficiency = endToEndBarsPerS / serial;
  return [
    {
      name: `${prefix}.pipeline_efficiency`, value: efficiency, unit: 'share',
      limit: `1 / Σ 1/(stage bars/s): the four stages alone over the same ${stages.bars} bars, one call each (${serial.toFixed(0)} bars/s)`,
      ratio: efficiency, note: 'target ≥ 0.8',
    },
    ...Object.entries(stages.seconds).map(([stage, s]): BenchResult => ({
      name: `${prefix}.stage_alone_${stage}_bars_per_s`, value: stages.bars / s, unit: 'bars/s', limit: '-', ratio: null, note: `${s.toFixed(1)} s`,
    })),
  ];
}
