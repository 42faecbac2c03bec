// An export outside a workflow (`tickflow export`): still a PipelineRun with one DataLineage row, written in the
// same transaction as the export, so the file's origin can be asked the same way as a pipeline's. Gated like the
// pipeline's export: the quality rules run over the export's scope first, and a blocking failure writes no file.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { gateRules, gateScope, type GateDecision } from '../quality/gate';
import { formatDatasetRef, seriesOf } from '../contracts/dataset-ref';
import { ExportRepository } from '../repositories/export-repository';
import { QualityRepository, type MeasureOptions } from '../repositories/quality-repository';
import { RunRepository } from '../repositories/run-repository';
import { exportTrainingData, resolveFeatureSets, type ExportRequest, type ExportResult } from './training-export';

export interface StandaloneExport extends Omit<ExportRequest, 'pipelineRunId' | 'symbols' | 'qualityResultIds' | 'gate'> {
  /** Tickers, or 'all': every symbol with features of the first set in the range. */
  symbols: string[] | 'all';
  /** Run the quality gate over the scope first. false (`--no-gate`) exports ungated, and the manifest says so. */
  gate: boolean;
}

interface RunIds {
  pipelineRunId: string;
  workflowId: string;
}

export type StandaloneExportResult =
  | (ExportResult & RunIds & { status: 'exported'; gate: GateDecision | null })
  | (RunIds & { status: 'blocked'; gate: GateDecision });

export async function runStandaloneExport(ds: DataSource, req: StandaloneExport, options: MeasureOptions = {}): Promise<StandaloneExportResult> {
  const runs = new RunRepository(ds);
  const key = { workflowId: `tickflow-export-${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`, runId: randomUUID() };
  const [base] = await ds.transaction((em) => resolveFeatureSets(em, req.featureSetVersions.slice(0, 1)));
  const symbols = req.symbols === 'all'
    ? await new ExportRepository(ds).symbolsOf(base.version, req.interval, new Date(`${req.from}T00:00:00Z`), new Date(`${req.to}T23:59:59.999Z`))
    : req.symbols;
  const { gate: gated, ...request } = req;
  const pipelineRunId = await runs.start({ ...key, workflowType: 'tickflowExport', taskQueue: '-', input: { ...req, symbols }, startedAt: new Date() });
  const ids = { pipelineRunId, workflowId: key.workflowId };
  const rules = gated ? await gateRules(new QualityRepository(ds)) : [];
  try {
    // Gate and export in one transaction: the file holds exactly the data the rules passed.
    const outcome = await ds.transaction(async (em): Promise<StandaloneExportResult> => {
      const gate = gated
        ? (await gateScope(em, runs, rules, { symbols, interval: req.interval, from: req.from, to: req.to, featureSetVersion: base.version }, ids, options)).gate
        : null;
      if (gate?.decision === 'block') return { status: 'blocked', ...ids, gate };
      const r = await exportTrainingData(em, {
        ...request, symbols, pipelineRunId, qualityResultIds: gate?.validationResultIds ?? [],
        gate: gate ? { decision: 'pass', by: 'tickflow export', warnings: gate.warnings } : { decision: 'skipped', reason: '--no-gate' },
      });
      await runs.recordLineage(em, {
        ...key, pipelineRunId, activityId: 'export', activityType: 'exportTrainingData', attempt: 1,
        inputDatasets: r.featureSetVersions.map((version) => formatDatasetRef({ kind: 'feature_data', version, ...seriesOf({ ...req, symbols }) })),
        outputDataset: formatDatasetRef({ kind: 'file', path: r.path }), rowsIn: r.rows, rowsOut: r.rows,
        details: { manifest: r.manifestPath, format: r.format, label: r.label, splits: r.splits, columns: r.columns.length }, contentHash: r.sha256,
      });
      await runs.addCounts(em, pipelineRunId, { exported: r.rows });
      return { status: 'exported', ...r, ...ids, gate };
    });
    if (outcome.status === 'blocked') {
      await runs.finish(pipelineRunId, 'failed', {}, `quality gate blocked the export: ${outcome.gate.blockingFailures.join(', ')} failed`, new Date());
    } else {
      await runs.finish(pipelineRunId, 'completed', {}, null, new Date());
    }
    return outcome;
  } catch (err) {
    await runs.finish(pipelineRunId, 'failed', {}, (err as Error).message, new Date());
    throw err;
  }
}
