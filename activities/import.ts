// The import stage: a provider's rows, checked, into price_data (rejects into quarantine).
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { InputError } from '../src/errors';
import { importPrices } from '../src/import/import-prices';
import { LocalFilesProvider } from '../src/providers/local-files';
import type { PriceProvider } from '../src/providers/provider';
import { SyntheticProvider } from '../src/providers/synthetic';
import { PriceRepository } from '../src/repositories/price-repository';
import { RunRepository } from '../src/repositories/run-repository';
import type { ImportArgs, ImportResult } from '../workflows/activity-types';
import type { ActivityDeps } from './deps';
import { lineageStep } from './lineage-step';

function providerFor(args: ImportArgs, dataDir: string): PriceProvider {
  switch (args.source) {
    case 'bundled':
      return new LocalFilesProvider(dataDir, 'bundled');
    case 'csv':
      if (!args.sourcePath) throw new InputError('source "csv" needs sourcePath', 'importPrices');
      return new LocalFilesProvider(path.resolve(args.sourcePath), 'csv');
    case 'synthetic':
      return new SyntheticProvider(args.seed);
  }
}

export function createImportActivities(deps: ActivityDeps) {
  const ds = deps.dataSource;
  const runs = new RunRepository(ds);
  const prices = new PriceRepository(ds);
  return {
    async importPrices(args: ImportArgs): Promise<ImportResult> {
      const provider = providerFor(args, deps.dataDir);
      const ctx = Context.current();
      // Resuming re-reads the last stored bar itself, so a bar revised by the vendor on the day after is caught.
      const last = args.sinceLast ? await prices.lastBarTimes(args.symbols, args.interval) : new Map<string, Date>();
      const rangeFor = (symbol: string) => {
        const t = last.get(symbol);
        const resume = t ? t.toISOString().slice(0, 10) : args.from;
        return { from: resume > args.from ? resume : args.from, to: args.to };
      };
      return lineageStep(ds, runs, args.pipelineRunId, async (em) => {
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
      });
    },
  };
}
