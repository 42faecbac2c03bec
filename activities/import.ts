// The import stage: a provider's rows, checked, into price_data (rejects into quarantine); fundamentals likewise.
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { loadConfig } from '../src/config';
import { InputError, TransientProviderError } from '../src/errors';
import { importFundamentals } from '../src/import/import-fundamentals';
import { importPrices } from '../src/import/import-prices';
import { createFundamentalsProvider, createPriceProvider } from '../src/providers/http-sources';
import { LocalFilesProvider } from '../src/providers/local-files';
import type { PriceProvider } from '../src/providers/provider';
import { SyntheticProvider } from '../src/providers/synthetic';
import { FundamentalRepository } from '../src/repositories/fundamental-repository';
import { PriceRepository } from '../src/repositories/price-repository';
import { RunRepository } from '../src/repositories/run-repository';
import type { FundamentalsArgs, FundamentalsResult, ImportArgs, ImportResult } from '../workflows/activity-types';
import type { ActivityDeps } from './deps';
import { lineageStep } from './lineage-step';

function providerFor(args: ImportArgs, deps: ActivityDeps): PriceProvider {
  switch (args.source) {
    case 'bundled':
      return new LocalFilesProvider(deps.dataDir, 'bundled');
    case 'csv':
    case 'jsonl':
      if (!args.sourcePath) throw new InputError(`source "${args.source}" needs sourcePath`, 'importPrices');
      return new LocalFilesProvider(path.resolve(args.sourcePath), args.source, { format: args.source });
    case 'synthetic':
      return new SyntheticProvider(args.seed);
    default:
      return createPriceProvider(args.source, deps.config ?? loadConfig());
  }
}

/** A provider's Retry-After becomes Temporal's next retry delay instead of the policy's backoff. */
async function honouringRetryAfter<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof TransientProviderError && err.retryAfterMs !== undefined) {
      throw ApplicationFailure.create({ type: err.name, message: err.message, nextRetryDelay: err.retryAfterMs, cause: err });
    }
    throw err;
  }
}

export function createImportActivities(deps: ActivityDeps) {
  const ds = deps.dataSource;
  const runs = new RunRepository(ds);
  const prices = new PriceRepository(ds);
  return {
    async importPrices(args: ImportArgs): Promise<ImportResult> {
      const provider = providerFor(args, deps);
      const ctx = Context.current();
      // Resuming re-reads the last stored bar itself, so a bar revised by the vendor on the day after is caught.
      const last = args.sinceLast ? await prices.lastBarTimes(args.symbols, args.interval) : new Map<string, Date>();
      const rangeFor = (symbol: string) => {
        const t = last.get(symbol);
        const resume = t ? t.toISOString().slice(0, 10) : args.from;
        return { from: resume > args.from ? resume : args.from, to: args.to };
      };
      return honouringRetryAfter(() => lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const s = await importPrices(em, prices, provider, {
          symbols: args.symbols,
          interval: args.interval,
          range: { from: args.from, to: args.to },
          rangeFor,
          pipelineRunId: args.pipelineRunId,
        }, (symbol, i) => ctx.heartbeat({ stage: 'import', symbol, done: i + 1, total: args.symbols.length }));
        const result: ImportResult = {
          received: s.received, stored: s.stored, inserted: s.inserted, revised: s.revised, unchanged: s.unchanged,
          quarantined: s.quarantined, exactDuplicates: s.exactDuplicates, corporateActions: s.corporateActions, adjustedBars: s.adjustedBars,
        };
        await runs.addCounts(em, args.pipelineRunId, { imported: s.stored, quarantined: s.quarantined, revised: s.revised });
        return {
          result,
          inputDatasets: s.datasets,
          outputDataset: `price_data:${args.interval}:${args.symbols.join(',')}:${args.from}..${args.to}`,
          rowsIn: s.received,
          rowsOut: s.stored,
          details: { source: provider.name, perSymbol: s.perSymbol, outOfRange: s.outOfRange, sinceLast: Boolean(args.sinceLast) },
        };
      }));
    },

    /** Company fundamentals as published (restatements are new versions), for point-in-time features. */
    async importFundamentals(args: FundamentalsArgs): Promise<FundamentalsResult> {
      const provider = createFundamentalsProvider(args.source, deps.config ?? loadConfig());
      const repo = new FundamentalRepository(ds);
      const ctx = Context.current();
      return honouringRetryAfter(() => lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        ctx.heartbeat({ stage: 'fundamentals' });
        const s = await importFundamentals(em, repo, provider, { symbols: args.symbols, pipelineRunId: args.pipelineRunId });
        await runs.addCounts(em, args.pipelineRunId, { fundamentals: s.stored, fundamentalsQuarantined: s.quarantined });
        const result: FundamentalsResult = {
          received: s.received, stored: s.stored, unchanged: s.unchanged, quarantined: s.quarantined, exactDuplicates: s.exactDuplicates,
        };
        return {
          result,
          inputDatasets: s.datasets,
          outputDataset: `company_fundamental:${args.symbols.join(',')}`,
          rowsIn: s.received,
          rowsOut: s.stored,
          details: { source: provider.name, perSymbol: s.perSymbol },
        };
      }));
    },
  };
}
