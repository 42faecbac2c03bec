// PipelineRun bookkeeping: one row per workflow execution, created at its start and closed at its end, plus the
// small look-ups orchestration workflows need (the database's identity, a finished child's counts, a universe's symbols, a stored range).
import fs from 'node:fs';
import { Context } from '@temporalio/activity';
import { PriceReadRepository } from '../src/repositories/price-read-repository';
import { InputError } from '../src/contracts/errors';
import { TICKER } from '../src/contracts/schemas';
import { RunRepository } from '../src/repositories/run-repository';
import type { FinishArgs } from '../src/contracts/activities';
import type { ExecutionMeta } from '../workflows/execution-meta';
import type { ActivityDeps } from './deps';
import { confineExportFile, confinePath, sourceRoots } from '../src/security/path-policy';

/**
 * The paths a workflow's input names, checked before its first step so a bad one fails the run at once (the step
 * that opens the file checks again: it is the one that counts, activities can be called without this).
 */
function checkInputPaths(workflowType: string | undefined, input: unknown, deps: ActivityDeps): void {
  const i = (input ?? {}) as { sourcePath?: unknown; path?: unknown; export?: { path?: unknown; overwrite?: unknown } };
  if (typeof i.sourcePath === 'string') confinePath(i.sourcePath, sourceRoots(deps.config), { field: 'sourcePath' });
  if (typeof i.export?.path === 'string') confineExportFile(i.export.path, deps, i.export.overwrite === true);
  if (workflowType === 'bookTrades' && typeof i.path === 'string') confinePath(i.path, sourceRoots(deps.config), { field: 'path' });
}

export function createRunActivities(deps: ActivityDeps) {
  const runs = new RunRepository(deps.dataSource);
  const prices = new PriceReadRepository(deps.dataSource);
  return {
    async startPipelineRun(input: unknown, meta: ExecutionMeta = {}): Promise<string> {
      const info = Context.current().info;
      checkInputPaths(info.workflowType, input, deps);
      return runs.start({
        workflowId: info.workflowExecution!.workflowId,
        runId: info.workflowExecution!.runId,
        workflowType: info.workflowType ?? 'unknown',
        taskQueue: info.taskQueue,
        input,
        parentRunId: meta.parentRunId ?? null,
        scheduleId: meta.scheduleId ?? null,
        nominalTime: meta.nominalTime ? new Date(meta.nominalTime) : null,
        startedAt: new Date(),
      });
    },

    async finishPipelineRun(args: FinishArgs): Promise<void> {
      await runs.finish(args.pipelineRunId, args.status, args.counts, args.error ?? null, new Date());
    },

    /** The identity of the database this worker writes to: part of every child workflow id. */
    async databaseIdentity(): Promise<string> {
      return runs.databaseId();
    },

    /** Counts of the completed run of `workflowId`, or null when none completed. */
    async completedRunCounts(workflowId: string): Promise<Record<string, number> | null> {
      return runs.completedCounts(workflowId);
    },

    /** Points the newest run of a child workflow at its parent's PipelineRun (for children that cannot read memo). */
    async linkChildRun(args: { childWorkflowId: string; parentRunId: string }): Promise<void> {
      await runs.linkParent(args.childWorkflowId, args.parentRunId);
    },

    async storedPriceRange(args: { symbols: string[]; interval: string }): Promise<{ from: string; to: string } | null> {
      return prices.storedRange(args.symbols, args.interval);
    },

    /** "bundled": every <SYMBOL>.csv in the data folder; "synthetic:N": SYN0000 … SYN<N-1>. */
    async resolveUniverse(universe: string): Promise<string[]> {
      if (universe === 'bundled') {
        return fs.readdirSync(deps.dataDir).filter((f) => f.endsWith('.csv')).map((f) => f.slice(0, -4)).filter((s) => TICKER.test(s)).sort();
      }
      if (!/^synthetic:\d{1,5}$/.test(universe)) throw new InputError(`universe is "bundled" or "synthetic:N" (got ${JSON.stringify(universe)})`, 'universe');
      const n = Number(universe.split(':')[1]);
      return Array.from({ length: n }, (_, i) => `SYN${String(i).padStart(4, '0')}`);
    },
  };
}
