// Orchestration: a backfill of 500 synthetic symbols × 10 years of daily bars (≈1.26 M bars at scale 1) through the
// whole pipeline (import → features → quality → export, one marketDataPipeline child per 25 symbols, 2 at a time on
// this 2-core machine), on a real Temporal dev server. Every activity is timed from inside the worker:
//   limit   the activities' own time: the union of the intervals during which at least one activity ran
//   share   orchestration = wall time with no activity running (scheduling, workflow tasks, child starts) / wall time
//   latency per-activity scheduling latency = attempt start in the worker − the server's scheduled time (p50, p95)
//   efficiency  end-to-end bars/s ÷ (1 / Σ 1/stage bars/s), the stages run alone over the same bars in one call each
//               into a fresh database, after the backfill (pipeline-stages.ts; target ≥ 0.8)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { loadConfig } from '../../src/config';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { ensureTemporalCli } from '../../src/services/temporal-cli';
import { installWorkerLogging, workflowBundle } from '../../src/worker';
import { backfill } from '../../workflows';
import { searchAttributeKeys } from '../../workflows/search-attributes';
import { testActivityDeps } from '../helpers/services';
import { efficiencyResults, stagesAlone } from './pipeline-stages';
import { measure, type BenchContext, type BenchResult, type BenchStage } from './harness';

interface Span {
  type: string;
  start: number;
  end: number;
  latencyMs: number;
}

/** Wraps every activity so its own time and its scheduling latency are recorded. */
function timed<A extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: A, spans: Span[]): A {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    out[name] = async (...args: never[]) => {
      const start = Date.now();
      const latencyMs = start - Context.current().info.currentAttemptScheduledTimestampMs;
      try {
        return await fn(...args);
      } finally {
        spans.push({ type: name, start, end: Date.now(), latencyMs });
      }
    };
  }
  return out as A;
}

/** Milliseconds covered by at least one span. */
function unionMs(spans: Span[]): number {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let total = 0;
  let curStart = -1;
  let curEnd = -1;
  for (const s of sorted) {
    if (s.start > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = s.start;
      curEnd = s.end;
    } else curEnd = Math.max(curEnd, s.end);
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const symbols = Math.max(10, Math.round(500 * ctx.scale));
  const range = { from: '2010-01-04', to: '2019-12-31' };
  const bars = symbols * SyntheticProvider.tradingDays(range).length;
  const config = loadConfig();
  installWorkerLogging('WARN');
  const cli = ensureTemporalCli({ cliPath: config.temporal.cliPath, toolsDir: config.temporal.toolsDir }, ctx.log);
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: cli }, ip: '127.0.0.1', searchAttributes: searchAttributeKeys },
  });
  const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-bench-orch-'));
  const spans: Span[] = [];
  const taskQueue = 'bench-orchestration';
  const worker = await Worker.create({
    connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(),
    activities: timed(createActivities(testActivityDeps(ctx.ds, { config, dataDir: config.dataDir, exportDir })), spans),
    maxConcurrentActivityTaskExecutions: 4,
  });
  const running = worker.run();
  try {
    ctx.log(`backfill of ${symbols} symbols × ${range.from}..${range.to} (${bars} bars), batches of 25, 2 at a time`);
    const m = await measure(() => env.client.workflow.execute(backfill, {
      taskQueue, workflowId: `bench-backfill-${Date.now()}`,
      args: [{ universe: `synthetic:${symbols}`, ...range, source: 'synthetic', seed: 3, lookbackDays: 0, batchSize: 25, concurrency: 2, export: { enabled: true } }],
    }));
    if (m.result.stage !== 'completed' || m.result.rowsImported !== bars) {
      throw new Error(`orchestration bench: unexpected result ${JSON.stringify(m.result)}`);
    }
    const wallMs = m.seconds * 1000;
    const busyMs = unionMs(spans);
    const share = (wallMs - busyMs) / wallMs;
    const latencies = spans.map((s) => s.latencyMs);
    const byType = new Map<string, number>();
    for (const s of spans) byType.set(s.type, (byType.get(s.type) ?? 0) + (s.end - s.start));
    ctx.log(`activities: ${spans.length}; own time by type (s): ${[...byType].map(([t, ms]) => `${t} ${(ms / 1000).toFixed(1)}`).join(', ')}`);
    const universe = Array.from({ length: symbols }, (_, i) => `SYN${String(i).padStart(4, '0')}`);
    const stages = await stagesAlone(ctx.databaseUrl, { symbols: universe, range, seed: 3, horizon: 5 }, ctx.log);
    if (stages.bars !== bars) throw new Error(`orchestration bench: the stages alone imported ${stages.bars} bars, the backfill ${bars}`);
    return [
      ...efficiencyResults('orchestration', bars / m.seconds, stages),
      { name: 'orchestration.backfill_wall_s', value: m.seconds, unit: 's', limit: 'activities alone (union of their intervals)', ratio: busyMs / wallMs, note: `${symbols} symbols, ${bars} bars, ${m.result.batchesDone} children` },
      { name: 'orchestration.backfill_bars_per_s', value: bars / m.seconds, unit: 'bars/s', limit: '-', ratio: null },
      { name: 'orchestration.share_of_wall_time', value: share, unit: 'share', limit: '-', ratio: null, note: 'target < 0.05' },
      { name: 'orchestration.activity_schedule_latency_p50_ms', value: quantile(latencies, 0.5), unit: 'ms', limit: '-', ratio: null, note: `${spans.length} activities` },
      { name: 'orchestration.activity_schedule_latency_p95_ms', value: quantile(latencies, 0.95), unit: 'ms', limit: '-', ratio: null },
      { name: 'orchestration.activity_schedule_latency_max_ms', value: Math.max(...latencies), unit: 'ms', limit: '-', ratio: null },
    ];
  } finally {
    worker.shutdown();
    await running;
    await env.teardown();
    fs.rmSync(exportDir, { recursive: true, force: true });
  }
}

export const bench: BenchStage = { stage: 'orchestration', run };
