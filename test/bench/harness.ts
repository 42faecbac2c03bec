// Shared benchmark plumbing: a scratch database per run, timing with peak-memory sampling, and the result shape
// written to bench-results.json. Targets are checked here, never in timed tests.
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { openDataSource } from '../../src/db/data-source';

export type Stage = 'import' | 'features' | 'quality' | 'export' | 'orchestration' | 'portfolio' | 'risk' | 'optimize' | 'vectors' | 'scale';

/** One figure. `limit` names the reference measured in the same run; `ratio` = our speed / the limit's speed. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  limit: string;
  ratio: number | null;
  /** Human note for the table, e.g. the target. Not part of the JSON contract. */
  note?: string;
}

export interface BenchContext {
  ds: DataSource;
  databaseUrl: string;
  /** Multiply documented sizes by this (TICKFLOW_BENCH_SCALE) for quick local runs. */
  scale: number;
  log: (msg: string) => void;
}

export interface BenchStage {
  stage: Stage;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}

export interface Measured<T> {
  result: T;
  seconds: number;
  /** Highest RSS seen while fn ran, minus RSS before it started (MiB). */
  peakRssDeltaMb: number;
}

/** Times fn and samples RSS every 20 ms, so "memory flat as rows grow" can be checked from the same run. */
export async function measure<T>(fn: () => Promise<T>): Promise<Measured<T>> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = process.hrtime.bigint();
  try {
    const result = await fn();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, seconds, peakRssDeltaMb: (peak - base) / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/** A fresh migrated database for one bench run; `drop` removes it. */
export async function scratchDatabase(adminUrl: string): Promise<{ url: string; ds: DataSource; drop: () => Promise<void> }> {
  const name = `tickflow_bench_${Date.now()}_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const ds = await openDataSource({ url: url.toString(), poolMax: 8, applicationName: 'tickflow-bench' });
  await ds.runMigrations({ transaction: 'each' });
  return {
    url: url.toString(),
    ds,
    drop: async () => {
      await ds.destroy();
      const a = new Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}

/**
 * Peak live memory (heap + buffers after a forced GC, sampled every 100 ms) while fn runs, minus before (MiB).
 * Needs node --expose-gc. Garbage is excluded on purpose: the question is what the code holds, not how lazily
 * V8 collects. Run it separately from timed measurements: the forced GCs cost time.
 */
export async function peakLiveMemoryMb<T>(fn: () => Promise<T>): Promise<number> {
  const gc = global.gc;
  if (!gc) throw new Error('peakLiveMemoryMb needs node --expose-gc');
  const live = () => {
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.external + m.arrayBuffers;
  };
  const base = live();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, live());
  }, 100);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return (peak - base) / 2 ** 20;
}

export const rate = (rows: number, seconds: number) => rows / seconds;
