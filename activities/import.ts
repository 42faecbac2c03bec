// The import stage: a provider's rows, checked, into price_data (rejects into quarantine); fundamentals likewise.
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { seriesOf } from '../src/contracts/dataset-ref';
import { InputError, TransientProviderError } from '../src/contracts/errors';
import { importFundamentals } from '../src/import/import-fundamentals';
import { importPrices, importRepositories, type ImportSummary } from '../src/import/import-prices';
import { createFundamentalsProvider, createPriceProvider } from '../src/providers/http-sources';
import { LocalFilesProvider } from '../src/providers/local-files';
import type { PriceProvider } from '../src/providers/provider';
import { SyntheticProvider } from '../src/providers/synthetic';
import { FundamentalRepository } from '../src/repositories/fundamental-repository';
import { RunRepository } from '../src/repositories/run-repository';
import type { FundamentalsArgs, FundamentalsResult, ImportArgs, ImportResult } from '../src/contracts/activities';
import type { EntityManager } from 'typeorm';
import { checkDateRange, type ActivityDeps } from './deps';
import { lineageStep } from './lineage-step';
import { confinePath, sourceRoots } from '../src/security/path-policy';

/** Symbols per committed import segment: the unit a retried import resumes after. */
const IMPORT_SEGMENT_SYMBOLS = 25;

interface ImportCursor {
  segmentsDone: number;
  /** Counts of the committed segments; null before the first. */
  summary: ImportSummary | null;
}

/** The cursor a dead attempt heartbeated, if it has the expected shape (anything else restarts from zero). */
function importCursorOf(details: unknown, segments: number): ImportCursor | null {
  const c = (details as { cursor?: ImportCursor } | undefined)?.cursor;
  return c && Number.isInteger(c.segmentsDone) && c.segmentsDone > 0 && c.segmentsDone < segments && c.summary ? c : null;
}

function mergeSummaries(a: ImportSummary | null, b: ImportSummary): ImportSummary {
  if (!a) return b;
  const sum = (k: keyof ImportSummary) => (a[k] as number) + (b[k] as number);
  return {
    received: sum('received'), stored: sum('stored'), inserted: sum('inserted'), revised: sum('revised'), unchanged: sum('unchanged'),
    quarantined: sum('quarantined'), exactDuplicates: sum('exactDuplicates'), outOfRange: sum('outOfRange'),
    corporateActions: sum('corporateActions'), adjustedBars: sum('adjustedBars'), perSymbol: { ...a.perSymbol, ...b.perSymbol },
    datasets: [...a.datasets, ...b.datasets], changedFrom: { ...a.changedFrom, ...b.changedFrom }, staleMarked: sum('staleMarked'),
  };
}

function providerFor(args: ImportArgs, deps: ActivityDeps): PriceProvider {
  switch (args.source) {
    case 'bundled':
      return new LocalFilesProvider(deps.dataDir, 'bundled');
    case 'csv':
    case 'jsonl': {
      if (!args.sourcePath) throw new InputError(`source "${args.source}" needs sourcePath`, 'importPrices');
      const roots = sourceRoots(deps.config);
      const provider = new LocalFilesProvider(confinePath(args.sourcePath, roots, { field: 'sourcePath' }), args.source, { format: args.source });
      // A file inside the folder may itself be a symlink out of it.
      for (const symbol of args.symbols) {
        for (const file of [provider.fileFor(symbol), path.join(provider.dir, `${symbol}.actions.csv`)]) confinePath(file, roots, { field: 'sourcePath' });
      }
      return provider;
    }
    case 'synthetic':
      return new SyntheticProvider(args.seed);
    default:
      return createPriceProvider(args.source, deps.config);
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
  const prices = importRepositories(ds);
  return {
    async importPrices(args: ImportArgs): Promise<ImportResult> {
      checkDateRange(args);
      const provider = providerFor(args, deps);
      const ctx = Context.current();
      // Resuming re-reads the last stored bar itself, so a bar revised by the vendor on the day after is caught.
      const last = args.sinceLast ? await prices.bars.lastBarTimes(args.symbols, args.interval) : new Map<string, Date>();
      const rangeFor = (symbol: string) => {
        const t = last.get(symbol);
        const resume = t ? t.toISOString().slice(0, 10) : args.from;
        return { from: resume > args.from ? resume : args.from, to: args.to };
      };
      // Long imports commit in segments of symbols and heartbeat a cursor (segments committed + their counts): a retry
      // after the worker died resumes after the last committed segment. The last segment commits with the lineage row,
      // so the row still exists only for the attempt that completed.
      const segments: string[][] = [];
      for (let i = 0; i < args.symbols.length; i += IMPORT_SEGMENT_SYMBOLS) segments.push(args.symbols.slice(i, i + IMPORT_SEGMENT_SYMBOLS));
      const resumed = importCursorOf(ctx.info.heartbeatDetails, segments.length);
      let cursor: ImportCursor = resumed ?? { segmentsDone: 0, summary: null };
      const importSegment = (em: EntityManager, symbols: string[], offset: number) => importPrices(em, prices, provider, {
        symbols,
        interval: args.interval,
        range: { from: args.from, to: args.to },
        rangeFor,
        pipelineRunId: args.pipelineRunId,
      }, (symbol, i) => ctx.heartbeat({ stage: 'import', symbol, done: offset + i + 1, total: args.symbols.length, cursor }));
      return honouringRetryAfter(() => lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        for (let k = cursor.segmentsDone; k < segments.length - 1; k++) {
          const part = await ds.transaction((segmentEm) => importSegment(segmentEm, segments[k], k * IMPORT_SEGMENT_SYMBOLS));
          cursor = { segmentsDone: k + 1, summary: mergeSummaries(cursor.summary, part) };
          ctx.heartbeat({ stage: 'import', done: (k + 1) * IMPORT_SEGMENT_SYMBOLS, total: args.symbols.length, cursor });
        }
        const lastIndex = segments.length - 1;
        const s = mergeSummaries(cursor.summary, await importSegment(em, segments[lastIndex], lastIndex * IMPORT_SEGMENT_SYMBOLS));
        const result: ImportResult = {
          received: s.received, stored: s.stored, inserted: s.inserted, revised: s.revised, unchanged: s.unchanged,
          quarantined: s.quarantined, exactDuplicates: s.exactDuplicates, corporateActions: s.corporateActions, adjustedBars: s.adjustedBars,
          changedFrom: s.changedFrom, staleMarked: s.staleMarked,
        };
        await runs.addCounts(em, args.pipelineRunId, { imported: s.stored, quarantined: s.quarantined, revised: s.revised });
        return {
          result,
          inputDatasets: s.datasets,
          outputDataset: { kind: 'price_data', ...seriesOf(args) },
          rowsIn: s.received,
          rowsOut: s.stored,
          details: {
            source: provider.name, perSymbol: s.perSymbol, outOfRange: s.outOfRange, sinceLast: Boolean(args.sinceLast),
            segments: segments.length, resumedAfterSegments: resumed?.segmentsDone ?? 0,
          },
        };
      }));
    },

    /** Company fundamentals as published (restatements are new versions), for point-in-time features. */
    async importFundamentals(args: FundamentalsArgs): Promise<FundamentalsResult> {
      const provider = createFundamentalsProvider(args.source, deps.config);
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
          outputDataset: { kind: 'company_fundamental', symbols: args.symbols },
          rowsIn: s.received,
          rowsOut: s.stored,
          details: { source: provider.name, perSymbol: s.perSymbol },
        };
      }));
    },
  };
}
