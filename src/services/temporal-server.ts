// Starts (or reuses) the Temporal dev server as a detached daemon with a persistent SQLite file,
// so workflows survive restarts of the CLI, the worker and the server itself.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { defineSearchAttributeKey } from '@temporalio/common';
import { ServiceUnavailableError } from '../contracts/errors';
import { searchAttributeKeys } from '../../workflows/search-attributes';
import { isPortOpen, waitForPort } from './net';

export interface DevServerOptions {
  cli: string;
  stateDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** The Web UI decodes payloads through this codec endpoint (payload codec on). */
  uiCodecEndpoint?: string;
}

export interface DevServerHandle {
  address: string;
  /** pid of the server we started; undefined when an already-running one was reused. */
  pid: number | undefined;
}

const pidFile = (stateDir: string) => path.join(stateDir, 'temporal.pid');

/** Dev-server flags that register our search attributes, e.g. --search-attribute TickflowStage=Keyword. */
export function searchAttributeArgs(keys: ReturnType<typeof defineSearchAttributeKey>[] = searchAttributeKeys): string[] {
  const cliType: Record<string, string> = {
    KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList', TEXT: 'Text', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime',
  };
  return keys.flatMap((k) => ['--search-attribute', `${k.name}=${cliType[k.type]}`]);
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServerHandle> {
  const address = `127.0.0.1:${opts.port}`;
  if (await isPortOpen(opts.port)) return { address, pid: undefined };
  fs.mkdirSync(opts.stateDir, { recursive: true });
  const logFd = fs.openSync(path.join(opts.stateDir, 'temporal.log'), 'a');
  const child = spawn(
    opts.cli,
    [
      'server', 'start-dev',
      '--db-filename', path.join(opts.stateDir, 'temporal.db'),
      '--ip', '127.0.0.1',
      '--port', String(opts.port),
      '--ui-port', String(opts.uiPort),
      '--namespace', opts.namespace,
      '--log-level', 'warn',
      ...searchAttributeArgs(),
      ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
    ],
    { detached: true, stdio: ['ignore', logFd, logFd], env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' } },
  );
  child.unref();
  fs.closeSync(logFd);
  fs.writeFileSync(pidFile(opts.stateDir), String(child.pid));
  if (!(await waitForPort(opts.port, '127.0.0.1', 60_000))) {
    throw new ServiceUnavailableError('Temporal dev server', `did not open port ${opts.port} within 60 s; see ${path.join(opts.stateDir, 'temporal.log')}`);
  }
  return { address, pid: child.pid };
}

/** Stops a dev server this project started (found by its pid file). Returns false when none was running. */
export async function stopDevServer(stateDir: string): Promise<boolean> {
  const file = pidFile(stateDir);
  if (!fs.existsSync(file)) return false;
  const pid = Number(fs.readFileSync(file, 'utf8'));
  fs.rmSync(file);
  try {
    process.kill(-pid, 'SIGTERM'); // the whole process group: the server and its UI
  } catch {
    return false;
  }
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(pid, 0);
      await new Promise((r) => setTimeout(r, 200));
    } catch {
      return true;
    }
  }
  process.kill(-pid, 'SIGKILL');
  return true;
}

/**
 * Registers the custom search attributes on a server we did not start (TEMPORAL_ADDRESS), where the dev-server
 * flags never ran. Idempotent: existing attributes are left alone.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
  const typeOf: Record<string, number> = {
    KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
    TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
    INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
    DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
    BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
    DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  };
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = searchAttributeKeys.filter((k) => !known.has(k.name));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, typeOf[k.type]])),
  });
}
