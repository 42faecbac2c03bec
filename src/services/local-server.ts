// A server process Tickflow starts for itself (ChromaDB, Weaviate): spawned with its output in a log file,
// waited for until a readiness probe answers, stopped by its own pid (SIGTERM, then SIGKILL).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { ServiceUnavailableError } from '../contracts/errors';

export interface LocalServerSpec {
  /** Service name in errors, e.g. "ChromaDB". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  logFile: string;
  /** Resolves true once the server answers. */
  ready: () => Promise<boolean>;
  /** @default 60000 */
  timeoutMs?: number;
}

export interface LocalServer {
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export async function startLocalServer(spec: LocalServerSpec): Promise<LocalServer> {
  const log = fs.openSync(spec.logFile, 'a');
  const child: ChildProcess = spawn(spec.command, spec.args, { stdio: ['ignore', log, log], env: spec.env ?? process.env });
  fs.closeSync(log);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code) => ((exited = code), resolve())));
  const stop = async () => {
    if (exited !== undefined) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(killer);
  };
  const deadline = Date.now() + (spec.timeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined) {
      throw new ServiceUnavailableError(spec.name, `exited with code ${exited} while starting; see ${spec.logFile}`);
    }
    if (await spec.ready().catch(() => false)) return { pid: child.pid!, logFile: spec.logFile, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new ServiceUnavailableError(spec.name, `did not answer within ${spec.timeoutMs ?? 60_000} ms; see ${spec.logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** True when GET url answers 2xx within 2 s. */
export async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}
