// Activities are built by a factory over their dependencies, so the worker passes real ones and tests can too.
// Workflows see only the type: `proxyActivities<Activities>()`.
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { InputError } from '../src/errors';
import { exportTrainingData } from '../src/export/training-export';
import { compileFeatureSet, computeFeatures } from '../src/features/compute';
import type { FeatureCache } from '../src/features/feature-cache';
import { featureSets, featureSetVersion } from '../src/features/feature-set';
import { importPrices } from '../src/import/import-prices';
import { CsvDirectoryProvider } from '../src/providers/csv-directory';
import type { PriceProvider } from '../src/providers/provider';
import { SyntheticProvider } from '../src/providers/synthetic';
import { evaluateRules } from '../src/quality/run-quality';
import { defaultRules } from '../src/quality/rules';
import { FeatureRepository, type FeatureRow } from '../src/repositories/feature-repository';
import { PriceRepository } from '../src/repositories/price-repository';
import { RunRepository } from '../src/repositories/run-repository';
import type {
  ExportArgs, ExportStepResult, FeaturesArgs, FeaturesResult, FinishArgs, ImportArgs, ImportResult, QualityArgs, QualityResult,
} from '../workflows/activity-types';
import { lineageStep } from './lineage-step';

export interface ActivityDeps {
  dataSource: DataSource;
  featureCache: FeatureCache;
  /** Folder of bundled <SYMBOL>.csv price files. */
  dataDir: string;
  exportDir: string;
}

const dayStart = (d: string) => new Date(`${d}T00:00:00Z`);
const dayEnd = (d: string) => new Date(`${d}T23:59:59.999Z`);

function providerFor(args: ImportArgs, dataDir: string): PriceProvider {
  switch (args.source) {
    case 'bundled':
      return new CsvDirectoryProvider(dataDir, 'bundled');
    case 'csv':
      if (!args.sourcePath) throw new InputError('source "csv" needs sourcePath', 'importPrices');
      return new CsvDirectoryProvider(path.resolve(args.sourcePath), 'csv');
    case 'synthetic':
      return new SyntheticProvider(args.seed);
  }
}

function resolveFeatureSet(name: string) {
  const spec = featureSets[name];
  if (!spec) throw new InputError(`unknown feature set "${name}" (known: ${Object.keys(featureSets).join(', ')})`, 'featureSet');
  return compileFeatureSet(spec, featureSetVersion(spec));
}

export function createActivities(deps: ActivityDeps) {
  const ds = deps.dataSource;
  const runs = new RunRepository(ds);
  const prices = new PriceRepository(ds);
  const features = new FeatureRepository(ds);

  return {
    /** Creates (or, on retry, finds) the PipelineRun row of the calling workflow execution. */
    async startPipelineRun(input: unknown): Promise<string> {
      const info = Context.current().info;
      return runs.start({
        workflowId: info.workflowExecution!.workflowId,
        runId: info.workflowExecution!.runId,
        workflowType: info.workflowType ?? 'unknown',
        taskQueue: info.taskQueue,
        input,
        startedAt: new Date(),
      });
    },

    async finishPipelineRun(args: FinishArgs): Promise<void> {
      await runs.finish(args.pipelineRunId, args.status, args.counts, args.error ?? null, new Date());
    },

    async importPrices(args: ImportArgs): Promise<ImportResult> {
      const provider = providerFor(args, deps.dataDir);
      const ctx = Context.current();
      return lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const s = await importPrices(em, prices, provider, {
          symbols: args.symbols,
          interval: args.interval,
          range: { from: args.from, to: args.to },
          pipelineRunId: args.pipelineRunId,
        }, (symbol, i) => ctx.heartbeat({ stage: 'import', symbol, done: i + 1, total: args.symbols.length }));
        const result: ImportResult = {
          received: s.received, stored: s.stored, inserted: s.inserted, revised: s.revised, unchanged: s.unchanged,
          quarantined: s.quarantined, exactDuplicates: s.exactDuplicates,
        };
        await runs.addCounts(em, args.pipelineRunId, { imported: s.stored, quarantined: s.quarantined, revised: s.revised });
        return {
          result,
          inputDatasets: s.datasets,
          outputDataset: `price_data:${args.interval}:${args.symbols.join(',')}:${args.from}..${args.to}`,
          rowsIn: s.received,
          rowsOut: s.stored,
          details: { source: provider.name, perSymbol: s.perSymbol, outOfRange: s.outOfRange },
        };
      });
    },

    async computeFeatures(args: FeaturesArgs): Promise<FeaturesResult> {
      const set = resolveFeatureSet(args.featureSet);
      const ctx = Context.current();
      const latest: { symbol: string; row: FeatureRow }[] = [];
      const result = await lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        await features.register(set, em);
        await features.createStaging(em);
        let barsRead = 0;
        let rows = 0;
        for (const [i, symbol] of args.symbols.entries()) {
          // Re-read the warm-up window before `from` so the first bars in range have full values.
          const readFrom = await prices.tsBarsBefore(symbol, args.interval, dayStart(args.from), set.warmupBars);
          const bars = await prices.bars(symbol, args.interval, readFrom, dayEnd(args.to), em);
          barsRead += bars.length;
          const values = computeFeatures(set, bars);
          const inRange: FeatureRow[] = [];
          bars.forEach((b, k) => {
            if (b.ts >= dayStart(args.from)) inRange.push({ symbol, interval: args.interval, ts: b.ts, values: values[k] });
          });
          rows += await features.stage(em, set.version, inRange, args.pipelineRunId);
          if (inRange.length > 0) latest.push({ symbol, row: inRange[inRange.length - 1] });
          ctx.heartbeat({ stage: 'features', symbol, done: i + 1, total: args.symbols.length });
        }
        const merged = await features.mergeStaging(em);
        await runs.addCounts(em, args.pipelineRunId, { features: rows });
        return {
          result: { featureSetVersion: set.version, rows, written: merged.written, features: set.names.length, cached: 0 },
          inputDatasets: [`price_data:${args.interval}:${args.symbols.join(',')}:${args.from}..${args.to}`],
          outputDataset: `feature_data:${set.version}:${args.interval}:${args.symbols.join(',')}:${args.from}..${args.to}`,
          rowsIn: barsRead,
          rowsOut: rows,
          details: { featureSet: set.spec.name, names: set.names, warmupBars: set.warmupBars, rewritten: merged.written },
        };
      });
      // After commit: the cache must never hold values the database does not.
      let cached = 0;
      for (const { symbol, row } of latest) {
        const values = Object.fromEntries(set.names.map((n, k) => [n, row.values[k]]));
        if (await deps.featureCache.put(set.version, symbol, args.interval, { ts: row.ts.toISOString(), values })) cached++;
      }
      return { ...result, cached };
    },

    async runQualityChecks(args: QualityArgs): Promise<QualityResult> {
      const info = Context.current().info;
      return lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const verdict = await evaluateRules(em, defaultRules, {
          symbols: args.symbols, interval: args.interval, from: args.from, to: args.to, featureSetVersion: args.featureSetVersion,
        }, { pipelineRunId: args.pipelineRunId, workflowId: info.workflowExecution!.workflowId });
        const resultIds = verdict.outcomes.map((o) => o.id);
        const gate = { decision: verdict.blockingFailures.length === 0 ? 'pass' : 'block', blockingFailures: verdict.blockingFailures, warnings: verdict.warnings, validationResultIds: resultIds };
        await runs.setGate(em, args.pipelineRunId, gate);
        await runs.addCounts(em, args.pipelineRunId, { validations: verdict.outcomes.length, qualityFailures: verdict.blockingFailures.length + verdict.warnings.length });
        const rowsChecked = verdict.outcomes.reduce((a, o) => a + o.rowsChecked, 0);
        return {
          result: {
            rulesEvaluated: verdict.outcomes.length, passed: verdict.outcomes.filter((o) => o.passed).length,
            blockingFailures: verdict.blockingFailures, warnings: verdict.warnings, resultIds,
          },
          inputDatasets: [
            `price_data:${args.interval}:${args.symbols.join(',')}:${args.from}..${args.to}`,
            `feature_data:${args.featureSetVersion}:${args.interval}:${args.symbols.join(',')}:${args.from}..${args.to}`,
          ],
          outputDataset: `validation_result:pipeline_run=${args.pipelineRunId}`,
          rowsIn: rowsChecked,
          rowsOut: verdict.outcomes.length,
          details: { gate },
        };
      });
    },

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

export type Activities = ReturnType<typeof createActivities>;
