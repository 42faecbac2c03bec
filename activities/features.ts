// The features stage: a feature-set version computed over stored bars, written idempotently, cached after commit.
import { Context } from '@temporalio/activity';
import { InputError } from '../src/errors';
import { compileFeatureSet, computeFeatures } from '../src/features/compute';
import { featureSets, featureSetVersion } from '../src/features/feature-set';
import { FeatureRepository, type FeatureRow } from '../src/repositories/feature-repository';
import { PriceRepository } from '../src/repositories/price-repository';
import { RunRepository } from '../src/repositories/run-repository';
import type { FeaturesArgs, FeaturesResult } from '../workflows/activity-types';
import { dayEnd, dayStart, type ActivityDeps } from './deps';
import { lineageStep } from './lineage-step';

function resolveFeatureSet(name: string) {
  const spec = featureSets[name];
  if (!spec) throw new InputError(`unknown feature set "${name}" (known: ${Object.keys(featureSets).join(', ')})`, 'featureSet');
  return compileFeatureSet(spec, featureSetVersion(spec));
}

export function createFeatureActivities(deps: ActivityDeps) {
  const ds = deps.dataSource;
  const runs = new RunRepository(ds);
  const prices = new PriceRepository(ds);
  const features = new FeatureRepository(ds);
  return {
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
  };
}
