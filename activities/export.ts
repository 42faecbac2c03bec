// The export stage: a point-in-time training file, its manifest and its lineage row.
import { Context } from '@temporalio/activity';
import { seriesOf } from '../src/contracts/dataset-ref';
import { DEFAULT_SPLITS, EXPORT_EXTENSIONS, exportTrainingData } from '../src/export/training-export';
import { defaultLabel } from '../src/export/label-spec';
import { RunRepository } from '../src/repositories/run-repository';
import type { ExportArgs, ExportStepResult } from '../src/contracts/activities';
import { checkDateRange, type ActivityDeps } from './deps';
import { lineageStep } from './lineage-step';
import { confineExportFile, confineNewFile, exportRoots } from '../src/security/path-policy';

export function createExportActivities(deps: ActivityDeps) {
  const ds = deps.dataSource;
  const runs = new RunRepository(ds);
  return {
    async exportTrainingData(args: ExportArgs): Promise<ExportStepResult> {
      checkDateRange(args);
      const info = Context.current().info;
      const format = args.format ?? 'csv';
      // A given path must not replace a file (attempt 1 checked that; a retry may find its own earlier attempt's file).
      // The default name is this workflow's own, so a rerun of the workflow id replaces it; the id may hold "/" and "..".
      const outPath = args.path
        ? confineExportFile(args.path, deps, !!args.overwrite || info.attempt > 1)
        : confineNewFile(`${info.workflowExecution!.workflowId}.${EXPORT_EXTENSIONS[format]}`, exportRoots(deps), { field: 'workflowId', overwrite: true });
      const featureSetVersions = [args.featureSetVersion, ...(args.extraFeatureSets ?? [])];
      return lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const r = await exportTrainingData(em, {
          symbols: args.symbols, interval: args.interval, from: args.from, to: args.to, featureSetVersions,
          label: args.label ?? defaultLabel(args.horizon), format, splits: DEFAULT_SPLITS, outPath, pipelineRunId: args.pipelineRunId,
          qualityResultIds: args.qualityResultIds, gate: { decision: 'pass', by: 'the pipeline\'s quality stage' },
        });
        await runs.addCounts(em, args.pipelineRunId, { exported: r.rows });
        return {
          result: { path: r.path, manifestPath: r.manifestPath, rows: r.rows, sha256: r.sha256 },
          inputDatasets: r.featureSetVersions.map((version) => ({ kind: 'feature_data' as const, version, ...seriesOf(args) })),
          outputDataset: { kind: 'file', path: r.path },
          rowsIn: r.splits.train.rows + r.splits.validation.rows + r.splits.test.rows,
          rowsOut: r.rows,
          details: { manifest: r.manifestPath, format, label: r.label, splits: r.splits, columns: r.columns.length },
          contentHash: r.sha256,
        };
      });
    },
  };
}
