// Samples what a scale run costs outside the bench process: RSS of every process involved (this one, the worker
// processes, the database's PostgreSQL backends, read from /proc) and how busy PostgreSQL is (pg_stat_activity).
// PostgreSQL runs on this machine for the bench (127.0.0.1), so its backends' /proc entries are readable.
import fs from 'node:fs';
import { Client } from 'pg';

/** Resident memory of one process in MiB: `rss` all of it, `anon` its private part (a backend's shared buffers excluded). */
function residentMb(pid: number): { rss: number; anon: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024 };
  } catch {
    return null; // the process ended between the sample's list and its read
  }
}

export interface ProbeReport {
  seconds: number;
  samples: number;
  /** Peak RSS of the bench process (MiB). */
  benchPeakMb: number;
  /** Peak RSS of each worker process, in the order given (MiB). */
  workerPeakMb: number[];
  /** Peak private memory of any one PostgreSQL backend of the database (MiB; shared buffers are counted once, in shared_buffers). */
  backendPeakMb: number;
  /** Peak of the backends' private memory summed (MiB). */
  backendsTotalPeakMb: number;
  /** Share of samples with at least one backend of the database running a statement: PostgreSQL's share of the wall time. */
  pgBusyShare: number;
  /** Mean number of backends running a statement (the database's parallelism; 2 cores here). */
  pgMeanActive: number;
}

export interface Probe {
  stop(): Promise<ProbeReport>;
}

/** Starts sampling every `intervalMs`; the probe's own connection is left out of every figure. */
export async function startProbe(opts: { databaseUrl: string; workerPids: number[]; intervalMs?: number }): Promise<Probe> {
  const client = new Client({ connectionString: opts.databaseUrl, application_name: 'tickflow-bench-probe' });
  await client.connect();
  const database = new URL(opts.databaseUrl).pathname.slice(1);
  const workerPeak = opts.workerPids.map(() => 0);
  let benchPeak = 0;
  let backendPeak = 0;
  let backendsTotalPeak = 0;
  let samples = 0;
  let busy = 0;
  let activeSum = 0;
  const t0 = process.hrtime.bigint();
  let stopped = false;
  const sample = async () => {
    const { rows } = await client.query<{ pid: number; active: boolean }>(
      `SELECT pid, state = 'active' AS active FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      [database]);
    const active = rows.filter((r) => r.active).length;
    samples++;
    activeSum += active;
    if (active > 0) busy++;
    let total = 0;
    for (const r of rows) {
      const m = residentMb(r.pid);
      if (!m) continue;
      total += m.anon;
      backendPeak = Math.max(backendPeak, m.anon);
    }
    backendsTotalPeak = Math.max(backendsTotalPeak, total);
    benchPeak = Math.max(benchPeak, process.memoryUsage().rss / 2 ** 20);
    opts.workerPids.forEach((pid, i) => (workerPeak[i] = Math.max(workerPeak[i], residentMb(pid)?.rss ?? 0)));
  };
  const loop = (async () => {
    while (!stopped) {
      await sample();
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await client.end();
      return {
        seconds: Number(process.hrtime.bigint() - t0) / 1e9, samples, benchPeakMb: benchPeak, workerPeakMb: workerPeak,
        backendPeakMb: backendPeak, backendsTotalPeakMb: backendsTotalPeak, pgBusyShare: samples ? busy / samples : 0, pgMeanActive: samples ? activeSum / samples : 0,
      };
    },
  };
}

/** Bytes of the database and of the two big tables with their indexes and TOAST. */
export async function databaseSize(databaseUrl: string): Promise<{ database: number; priceData: number; featureData: number }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: [r] } = await client.query(
      `SELECT pg_database_size(current_database())::float8 AS database, pg_total_relation_size('price_data')::float8 AS price,
              pg_total_relation_size('feature_data')::float8 AS feature`);
    return { database: r.database, priceData: r.price, featureData: r.feature };
  } finally {
    await client.end();
  }
}
