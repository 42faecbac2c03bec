// An export outside a workflow (`tickflow export`): still a PipelineRun with one DataLineage row, written in the
// same transaction as the export, so the file's origin can be asked the same way as a pipeline's.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { formatDatasetRef, seriesOf } from '../contracts/dataset-ref';
import { ExportRepository } from '../repositories/export-repository';
import { RunRepository } from '../repositories/run-repository';
import { exportTrainingData, resolveFeatureSets, type ExportRequest, type ExportResult } from './training-export';

export interface StandaloneExport extends Omit<ExportRequest, 'pipelineRunId' | 'symbols'> {
  /** Tickers, or 'all': every symbol with features of the first set in the range. */
  symbols: string[] | 'all';
}

export async function runStandaloneExport(ds: DataSource, req: StandaloneExport): Promise<ExportResult & { pipelineRunId: string; workflowId: string }> {
  const runs = new RunRepository(ds);
  const key = { workflowId: `tickflow-export-${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`, runId: randomUUID() };
  const symbols = req.symbols === 'all'
    ? await ds.transaction(async (em) => {
      const [base] = await resolveFeatureSets(em, req.featureSetVersions.slice(0, 1));
      return new ExportRepository(ds).symbolsOf(base.version, req.interval, new Date(`${req.from}T00:00:00Z`), new Date(`${req.to}T23:59:59.999Z`), em);
    })
    : req.symbols;
  const pipelineRunId = await runs.start({ ...key, workflowType: 'tickflowExport', taskQueue: '-', input: { ...req, symbols }, startedAt: new Date() });
  try {
    const result = await ds.transaction(async (em) => {
      const r = await exportTrainingData(em, { ...req, symbols, pipelineRunId });
      await runs.recordLineage(em, {
        ...key, pipelineRunId, activityId: 'export', activityType: 'exportTrainingData', attempt: 1,
        inputDatasets: r.featureSetVersions.map((version) => formatDatasetRef({ kind: 'feature_data', version, ...seriesOf({ ...req, symbols }) })),
        outputDataset: formatDatasetRef({ kind: 'file', path: r.path }), rowsIn: r.rows, rowsOut: r.rows,
        details: { manifest: r.manifestPath, format: r.format, label: r.label, splits: r.splits, columns: r.columns.length }, contentHash: r.sha256,
      });
      await runs.addCounts(em, pipelineRunId, { exported: r.rows });
      return r;
    });
    await runs.finish(pipelineRunId, 'completed', {}, null, new Date());
    return { ...result, pipelineRunId, workflowId: key.workflowId };
  } catch (err) {
    await runs.finish(pipelineRunId, 'failed', {}, (err as Error).message, new Date());
    throw err;
  }
}
