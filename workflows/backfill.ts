// backfill: one marketDataPipeline child per symbol batch over a date range, at most `concurrency` at a time.
// Child ids are derived from the database and what the batch covers: a restarted backfill skips ranges it has.
// Continues as new before the history grows too long; pause/resume/cancel are signals, progress is a query.
import {
  ApplicationFailure, CancellationScope, condition, continueAsNew, defineQuery, defineSignal, isCancellation, proxyActivities,
  setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import { z } from 'zod';
import { isoDateSchema, tickerSchema, withDateRange } from '../src/contracts/schemas';
import type { Activities } from '../activities';
import { bookkeeping } from './activity-profiles';
import { childIdPrefix, runChildOnce, targetDatabaseId } from './child-runs';
import { executionMeta, shortHash } from './execution-meta';
import { marketDataPipeline } from './market-data-pipeline';
import { parseWorkflowInput } from './pipeline-input';
import { TICKFLOW_FEATURE_SET, TICKFLOW_SOURCE, TICKFLOW_STAGE, TICKFLOW_SYMBOLS } from './search-attributes';

const book = proxyActivities<Activities>(bookkeeping);

export const backfillInputSchema = withDateRange(z
  .object({
    symbols: z.array(tickerSchema).min(1).max(20000).optional(),
    /** Instead of symbols: "bundled" (every file in data/prices) or "synthetic:N" (SYN0000 … SYN<N-1>). */
    universe: z.string().regex(/^(bundled|synthetic:\d{1,5})$/, 'universe is "bundled" or "synthetic:N"').optional(),
    from: isoDateSchema,
    to: isoDateSchema,
    source: z.enum(['bundled', 'csv', 'synthetic']).default('bundled'),
    sourcePath: z.string().min(1).optional(),
    seed: z.number().int().default(42),
    featureSet: z.string().default('default'),
    lookbackDays: z.number().int().min(0).max(3660).default(120),
    /** Symbols per child workflow. */
    batchSize: z.number().int().min(1).max(1000).default(10),
    /** Children running at once (each holds database connections while its activities run). */
    concurrency: z.number().int().min(1).max(64).default(4),
    export: z.object({ enabled: z.boolean().default(false), horizon: z.number().int().min(1).max(252).default(5) }).prefault({}),
    /** Part of every child id: change it to deliberately redo ranges that already completed. */
    rerunKey: z.string().max(32).default(''),
    /** Continue as new after this many batches in one run (0: only when Temporal suggests it). */
    batchesPerRun: z.number().int().min(0).default(0),
  })
  .strict())
  .refine((i) => !!i.symbols !== !!i.universe, { message: 'give exactly one of symbols or universe', path: ['symbols'] })
  .refine((i) => i.source !== 'csv' || i.sourcePath, { message: 'source "csv" needs sourcePath', path: ['sourcePath'] });

export type BackfillInput = z.infer<typeof backfillInputSchema>;
export type BackfillInputArgs = z.input<typeof backfillInputSchema>;

/** What one run hands the next across continue-as-new. */
export interface BackfillState {
  pipelineRunId: string;
  /** The database the batches write to (part of their ids); absent in runs started before ids carried it. */
  databaseId?: string;
  symbols: string[];
  nextBatch: number;
  batchesDone: number;
  batchesSkipped: number;
  symbolsDone: number;
  rowsImported: number;
  featureRows: number;
  failed: { batch: number; workflowId: string; error: string }[];
  startedAtMs: number;
  runs: number;
}

export type BackfillStage = 'planning' | 'running' | 'paused' | 'cancelling' | 'continuing' | 'completed' | 'cancelled' | 'failed';

export interface BackfillProgress {
  stage: BackfillStage;
  symbolsDone: number;
  symbolsTotal: number;
  batchesDone: number;
  batchesSkipped: number;
  batchesTotal: number;
  running: number;
  rowsImported: number;
  featureRows: number;
  failedBatches: number;
  /** Seconds left at the pace so far; null before the first batch finishes. */
  etaSeconds: number | null;
  /** Executions so far (1 + continue-as-new count). */
  runs: number;
}

export interface BackfillSummary extends Omit<BackfillProgress, 'running' | 'etaSeconds'> {
  pipelineRunId: string;
  failed: BackfillState['failed'];
}

export const backfillProgressQuery = defineQuery<BackfillProgress>('backfillProgress');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Stops launching batches, lets running ones finish (no half-written range), then ends as cancelled. */
export const cancelSignal = defineSignal('cancel');

/** The deterministic id of one batch: same database, source, range, feature set and symbols → same id. */
export function batchWorkflowId(input: BackfillInput, batch: string[], databaseId?: string): string {
  const key = [input.rerunKey, input.source, input.sourcePath ?? '', input.seed, input.featureSet, input.lookbackDays, input.export.enabled, batch.join(',')].join('|');
  return `${childIdPrefix('bf', databaseId)}-${input.from}-${input.to}-${batch[0]}-${batch.length}-${shortHash(key)}`;
}

export async function backfill(rawInput: unknown, carried?: BackfillState): Promise<BackfillSummary> {
  const input = parseWorkflowInput(backfillInputSchema, rawInput, 'backfill');
  let stage: BackfillStage = 'planning';
  let paused = false;
  let cancelRequested = false;
  const running = new Set<number>();
  let state: BackfillState | undefined = carried;

  const batchesOf = (s: BackfillState) => Math.ceil(s.symbols.length / input.batchSize);
  const progress = (): BackfillProgress => {
    const s = state;
    const elapsed = s ? (Date.now() - s.startedAtMs) / 1000 : 0;
    const total = s?.symbols.length ?? 0;
    const done = s?.symbolsDone ?? 0;
    return {
      stage: paused && stage === 'running' ? 'paused' : stage, symbolsDone: done, symbolsTotal: total, batchesDone: s?.batchesDone ?? 0,
      batchesSkipped: s?.batchesSkipped ?? 0, batchesTotal: s ? batchesOf(s) : 0, running: running.size, rowsImported: s?.rowsImported ?? 0,
      featureRows: s?.featureRows ?? 0, failedBatches: s?.failed.length ?? 0,
      etaSeconds: done > 0 && done < total ? Math.round((elapsed / done) * (total - done)) : done >= total && total > 0 ? 0 : null, runs: s?.runs ?? 1,
    };
  };
  setHandler(backfillProgressQuery, progress);
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(cancelSignal, () => void (cancelRequested = true));
  const enter = (s: BackfillStage) => {
    stage = s;
    upsertSearchAttributes([{ key: TICKFLOW_STAGE, value: s }]);
  };

  if (!state) {
    const pipelineRunId = await book.startPipelineRun(input, executionMeta());
    const databaseId = await targetDatabaseId();
    const symbols = input.symbols ?? (await book.resolveUniverse(input.universe!));
    state = {
      pipelineRunId, ...(databaseId ? { databaseId } : {}), symbols: [...new Set(symbols)].sort(), nextBatch: 0, batchesDone: 0, batchesSkipped: 0, symbolsDone: 0,
      rowsImported: 0, featureRows: 0, failed: [], startedAtMs: Date.now(), runs: 1,
    };
  }
  const s = state;
  upsertSearchAttributes([
    { key: TICKFLOW_SYMBOLS, value: s.symbols.slice(0, 100) },
    { key: TICKFLOW_SOURCE, value: input.source },
    { key: TICKFLOW_FEATURE_SET, value: input.featureSet },
  ]);
  enter('running');

  const batchSymbols = (b: number) => s.symbols.slice(b * input.batchSize, (b + 1) * input.batchSize);
  const runBatch = async (b: number): Promise<void> => {
    const symbols = batchSymbols(b);
    const workflowId = batchWorkflowId(input, symbols, s.databaseId);
    const childInput = {
      symbols, from: input.from, to: input.to, source: input.source, ...(input.sourcePath ? { sourcePath: input.sourcePath } : {}), seed: input.seed,
      featureSet: input.featureSet, lookbackDays: input.lookbackDays, export: { enabled: input.export.enabled, horizon: input.export.horizon },
    };
    try {
      const outcome = await runChildOnce(marketDataPipeline, workflowId, [childInput], s.pipelineRunId);
      if (outcome.kind === 'ran') {
        s.rowsImported += outcome.result.import.stored;
        s.featureRows += outcome.result.features.rows;
      } else {
        s.batchesSkipped++;
        s.rowsImported += outcome.counts.imported ?? 0;
        s.featureRows += outcome.counts.features ?? 0;
      }
      s.symbolsDone += symbols.length;
      s.batchesDone++;
    } catch (err) {
      if (isCancellation(err)) throw err;
      s.failed.push({ batch: b, workflowId, error: describe(err) });
    }
  };

  const historyFull = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 8000;
  const batches = batchesOf(s);
  const firstBatch = s.nextBatch;
  const launchedThisRun = () => s.nextBatch - firstBatch;
  const inFlight: Promise<void>[] = [];
  try {
    while (s.nextBatch < batches) {
      await condition(() => cancelRequested || (!paused && running.size < input.concurrency));
      if (cancelRequested || historyFull() || (input.batchesPerRun > 0 && launchedThisRun() >= input.batchesPerRun)) break;
      const b = s.nextBatch++;
      running.add(b);
      inFlight.push(runBatch(b).finally(() => running.delete(b)));
    }
    if (cancelRequested) enter('cancelling');
    await Promise.all(inFlight); // every launched batch finishes: nothing is left half-written
    if (!cancelRequested && s.nextBatch < batches) {
      enter('continuing');
      return await continueAsNew<typeof backfill>(input, { ...s, runs: s.runs + 1 });
    }
    const status = cancelRequested ? 'cancelled' : s.failed.length > 0 ? 'failed' : 'completed';
    enter(status);
    const counts = { symbols: s.symbolsDone, batches: s.batchesDone, batchesSkipped: s.batchesSkipped, imported: s.rowsImported, features: s.featureRows, runs: s.runs };
    const error = s.failed.length > 0 ? `${s.failed.length} batch(es) failed: ${s.failed.map((f) => `${f.workflowId}: ${f.error}`).join('; ').slice(0, 2000)}` : undefined;
    await book.finishPipelineRun({ pipelineRunId: s.pipelineRunId, status, counts, error });
    if (status === 'failed') throw ApplicationFailure.nonRetryable(error!, 'BackfillBatchesFailed');
    const { running: _r, etaSeconds: _e, ...rest } = progress();
    return { ...rest, pipelineRunId: s.pipelineRunId, failed: s.failed };
  } catch (err) {
    if (isCancellation(err)) {
      enter('cancelled');
      await CancellationScope.nonCancellable(() =>
        book.finishPipelineRun({ pipelineRunId: s.pipelineRunId, status: 'cancelled', counts: { symbols: s.symbolsDone, batches: s.batchesDone }, error: 'workflow cancelled' }),
      );
    }
    throw err;
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  let msg = err.message;
  for (let c = err.cause; c instanceof Error; c = c.cause) msg += `: ${c.message}`;
  return msg;
}
