// The export stage: a point-in-time training file, its manifest and its lineage row.
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { exportTrainingData } from '../src/export/training-export';
import { RunRepository } from '../src/repositories/run-repository';
import type { ExportArgs, ExportStepResult } from '../workflows/activity-types';
import type { ActivityDeps } from './deps';
import { lineageStep } from './lineage-step';

export function createExportActivities(deps: ActivityDeps) {
  const ds = deps.dataSource;
  const runs = new RunRepository(ds);
  return {
    async exportTrainingData(args: ExportArgs): Promise<ExportStepResult> {
      const info = Context.current().info;
      const outPath = path.resolve(args.path ?? path.join(deps.exportDir, `${info.workflowExecution!.workflowId}.csv`));
      return lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const r = await exportTrainingData(em, {
          symbols: args.symbols, interval: args.interval, from: args.from, to: args.to, featureSetVersion: args.featureSetVersion,
          horizon: args.horizon, splits: { train: 0.7, validation: 0.15 }, outPath, pipelineRunId: args.pipelineRunId,
          qualityResultIds: args.qualityResultIds,
        });
        await runs.addCounts(em, args.pipelineRunId, { exported: r.rows });
        return {
          result: { path: r.path, manifestPath: r.manifestPath, rows: r.rows, sha256: r.sha256 },
          inputDatasets: [`feature_data:${args.featureSetVersion}:${args.interval}:${args.symbols.join(',')}:${args.from}..${args.to}`],
          outputDataset: `file:${r.path}`,
          rowsIn: r.splits.train.rows + r.splits.validation.rows + r.splits.test.rows,
          rowsOut: r.rows,
          details: { manifest: r.manifestPath, splits: r.splits, columns: r.columns.length },
          contentHash: r.sha256,
        };
      });
    },
  };
}
