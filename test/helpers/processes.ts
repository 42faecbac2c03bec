// Child processes for tests that kill a worker or run the CLI exactly as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { projectRoot, testDatabaseUrl, testRedisUrl } from './services';

export const tickflowBin = path.join(projectRoot, 'bin', 'tickflow.js');

/** Environment for a child: the parent's, minus settings that would point it at other services. */
export function childEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'REDIS_URL', 'TEMPORAL_TASK_QUEUE', 'TICKFLOW_STATE_DIR']) delete env[k];
  // Tests write the files a workflow reads into the OS temp folder: allow it (the default roots stay for the rest).
  env.TICKFLOW_SOURCE_ROOTS = [path.join(projectRoot, 'data'), os.tmpdir()].join(path.delimiter);
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) env[k] = v;
  return env;
}

export interface Spawned {
  child: ChildProcess;
  /** stdout and stderr interleaved as they arrived. */
  output: () => string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Exit code once stdout and stderr are drained (a child that starts long-lived grandchildren may never get here). */
  closed: Promise<number | null>;
}

export function spawnTickflow(args: string[], env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(process.execPath, [tickflowBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => ((out += d), (stdout += d)));
  child.stderr!.on('data', (d) => ((out += d), (stderr += d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, stdout: () => stdout, stderr: () => stderr, exited, closed };
}

/** A `tickflow worker` process on this jest worker's database and Redis, polling `taskQueue` of the server at `temporalAddress`. */
export function spawnTestWorker(temporalAddress: string, taskQueue: string, extra: Record<string, string> = {}): Spawned {
  return spawnTickflow(['worker'], childEnv({
    DATABASE_URL: testDatabaseUrl(), TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_URL: testRedisUrl(), ...extra,
  }));
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
