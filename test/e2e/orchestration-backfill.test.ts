// backfill on a real dev server, PostgreSQL and Redis: children per batch under deterministic ids, bounded
// concurrency, continue-as-new, progress query, pause/resume/cancel signals, skip-on-restart, lineage reconcile.
import fs from 'node:fs';
import path from 'node:path';
import type Redis from 'ioredis';
import { reconcileRunTree } from '../../activities/lineage';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { RunRepository } from '../../src/repositories/run-repository';
import { backfill, backfillProgressQuery, cancelSignal, pauseSignal, resumeSignal } from '../../workflows';
import type { BackfillProgress } from '../../workflows/backfill';
import { minusDays } from '../../workflows/pipeline-input';
import { TICKFLOW_STAGE } from '../../workflows/search-attributes';
import { waitFor } from '../helpers/processes';
import { record, replayAll } from '../replay/histories';
import { lineageReferences, useTestWorker } from '../helpers/services';

jest.setTimeout(240_000);

const days = (from: string, to: string) => SyntheticProvider.tradingDays({ from, to }).length;
const syn = (n: number) => Array.from({ length: n }, (_, i) => `SYN${String(i).padStart(4, '0')}`);

describe('backfill', () => {
  const h = useTestWorker('backfill', { redis: true, poolMax: 8 });
  const { taskQueue } = h;

  const input = { universe: 'synthetic:12', from: '2018-01-02', to: '2018-12-31', source: 'synthetic', seed: 11, lookbackDays: 30, batchSize: 3, concurrency: 2, batchesPerRun: 2 };

  it('runs one child per batch, two at a time, continuing as new, and stores every bar exactly once', async () => {
    const handle = await h.env.client.workflow.start(backfill, { taskQueue, workflowId: 'bf-main', args: [input] });
    const seen: BackfillProgress[] = [];
    const poll = setInterval(() => void handle.query(backfillProgressQuery).then((p) => seen.push(p), () => {}), 150);
    const summary = await handle.result();
    clearInterval(poll);

    const bars = days(minusDays(input.from, 30), input.to);
    const featureDays = days(input.from, input.to);
    expect(summary).toMatchObject({
      stage: 'completed', symbolsDone: 12, symbolsTotal: 12, batchesDone: 4, batchesSkipped: 0, batchesTotal: 4, failedBatches: 0, runs: 2,
      rowsImported: 12 * bars, featureRows: 12 * featureDays,
    });
    const [p] = await h.ds.query(`SELECT count(*)::int AS n, count(DISTINCT (symbol, ts))::int AS d, count(DISTINCT symbol)::int AS s FROM price_data`);
    expect(p).toEqual({ n: 12 * bars, d: 12 * bars, s: 12 });
    const [f] = await h.ds.query(`SELECT count(*)::int AS n, count(DISTINCT (symbol, ts))::int AS d FROM feature_data`);
    expect(f).toEqual({ n: 12 * featureDays, d: 12 * featureDays });

    // Progress was observable while running, never with more than `concurrency` children in flight.
    expect(seen.some((s) => s.stage === 'running' && s.symbolsDone > 0 && s.symbolsDone < 12)).toBe(true);
    expect(Math.max(...seen.map((s) => s.running))).toBeLessThanOrEqual(2);
    expect(seen.some((s) => s.etaSeconds !== null && s.etaSeconds > 0)).toBe(true);

    // Continue-as-new happened: the execution that completed is not the first one.
    const desc = await handle.describe();
    expect(desc.runId).not.toBe(handle.firstExecutionRunId);
    expect(desc.typedSearchAttributes.get(TICKFLOW_STAGE)).toBe('completed');

    // PipelineRun rows: the backfill, and its 4 children pointing at it, each completed; children never overlapped > 2.
    const [parent] = await h.ds.query(`SELECT id, status, counts FROM pipeline_run WHERE workflow_id = 'bf-main'`);
    expect(parent).toMatchObject({ id: summary.pipelineRunId, status: 'completed', counts: { symbols: 12, batches: 4, imported: 12 * bars, runs: 2 } });
    const children: { workflow_id: string; status: string; started_at: Date; finished_at: Date; input: { symbols: string[] } }[] = await h.ds.query(
      `SELECT workflow_id, status, started_at, finished_at, input FROM pipeline_run WHERE parent_run_id = $1 ORDER BY started_at`, [parent.id]);
    expect(children.map((c) => c.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(children.flatMap((c) => c.input.symbols).sort()).toEqual(syn(12));
    for (const c of children) {
      const overlapping = children.filter((o) => o.started_at < c.finished_at && o.finished_at > c.started_at).length;
      expect(overlapping).toBeLessThanOrEqual(2);
    }

    // Lineage mirrors history: 3 data activities per child (import, features, quality), none extra.
    const reports = await reconcileRunTree(h.env.client, new RunRepository(h.ds), parent.id);
    expect(reports).toHaveLength(5);
    expect(reports.flatMap((r) => r.problems)).toEqual([]);
    expect(reports.slice(1).map((r) => [r.completed, r.rows])).toEqual([[3, 3], [3, 3], [3, 3], [3, 3]]);
    expect((await lineageReferences(h.ds)).unreadable).toEqual([]);

    // The histories replay against the current code (and become fixtures with TICKFLOW_RECORD_HISTORIES=1).
    const recorded = await Promise.all([
      record(h.env.client, 'backfill-first-run', 'bf-main', handle.firstExecutionRunId),
      record(h.env.client, 'backfill-continued', 'bf-main', desc.runId),
      record(h.env.client, 'market-data-pipeline-child', children[0].workflow_id),
    ]);
    expect(await replayAll(recorded)).toEqual([]);
  });

  it('skips every batch that already completed when the same backfill starts again', async () => {
    const before = await h.ds.query(`SELECT count(*)::int AS n FROM pipeline_run`);
    const summary = await h.env.client.workflow.execute(backfill, { taskQueue, workflowId: 'bf-again', args: [{ ...input, batchesPerRun: 0 }] });
    expect(summary).toMatchObject({ stage: 'completed', batchesDone: 4, batchesSkipped: 4, symbolsDone: 12, runs: 1 });
    // Only the new backfill's own row: no child ran again.
    const after = await h.ds.query(`SELECT count(*)::int AS n FROM pipeline_run`);
    expect(after[0].n).toBe(before[0].n + 1);
    const bars = days(minusDays(input.from, 30), input.to);
    expect(summary.rowsImported).toBe(12 * bars); // counts recovered from the completed children's PipelineRun rows
  });

  it('pauses, resumes and cancels cleanly: only whole batches, nothing half-written', async () => {
    const symbols = ['PA', 'PB', 'PC', 'PD', 'PE', 'PF'];
    const range = { from: '2019-01-02', to: '2019-06-28' };
    const handle = await h.env.client.workflow.start(backfill, {
      taskQueue, workflowId: 'bf-signals', args: [{ symbols, ...range, source: 'synthetic', seed: 3, lookbackDays: 0, batchSize: 1, concurrency: 1 }],
    });
    await handle.signal(pauseSignal);
    await new Promise((r) => setTimeout(r, 1500));
    const paused = await handle.query(backfillProgressQuery);
    expect(paused.stage).toBe('paused');
    await new Promise((r) => setTimeout(r, 1500));
    const stillPaused = await handle.query(backfillProgressQuery);
    expect(stillPaused.batchesDone).toBe(paused.batchesDone);
    expect(stillPaused.running).toBe(0);

    await handle.signal(resumeSignal);
    await waitFor('two batches after resume', async () => (await handle.query(backfillProgressQuery)).batchesDone >= paused.batchesDone + 2, 60_000);
    await handle.signal(cancelSignal);
    const summary = await handle.result();
    expect(summary.stage).toBe('cancelled');
    expect(summary.batchesDone).toBeGreaterThanOrEqual(2);
    expect(summary.batchesDone).toBeLessThan(6);

    // Every symbol is either complete over the whole range or absent.
    const perSymbol: { symbol: string; n: number }[] = await h.ds.query(
      `SELECT symbol, count(*)::int AS n FROM price_data WHERE symbol = ANY($1) GROUP BY symbol ORDER BY symbol`, [symbols]);
    expect(perSymbol).toHaveLength(summary.batchesDone);
    expect(perSymbol.every((r) => r.n === days(range.from, range.to))).toBe(true);
    const [row] = await h.ds.query(`SELECT status FROM pipeline_run WHERE id = $1`, [summary.pipelineRunId]);
    expect(row.status).toBe('cancelled');
    const kids = await h.ds.query(`SELECT status FROM pipeline_run WHERE parent_run_id = $1`, [summary.pipelineRunId]);
    expect(kids.map((k: { status: string }) => k.status)).toEqual(Array(summary.batchesDone).fill('completed'));
    expect(await replayAll([await record(h.env.client, 'backfill-signals', 'bf-signals')])).toEqual([]);
  });

  it('rejects an input naming the wrong field', async () => {
    await expect(h.env.client.workflow.execute(backfill, { taskQueue, workflowId: 'bf-bad', args: [{ universe: 'synthetic:2', symbols: ['A'], from: '2019-01-02', to: '2019-01-03' }] }))
      .rejects.toMatchObject({ cause: { message: expect.stringContaining('symbols: give exactly one of symbols or universe') } });
  });
});
