// A local ChromaDB server from the `chromadb` npm package (`chroma run`: its Rust server ships in the native
// bindings package), bound to loopback with its data in a folder of our choosing.
import fs from 'node:fs';
import path from 'node:path';
import { httpOk, startLocalServer, type LocalServer } from './local-server';

export interface ChromaServerOptions {
  dataDir: string;
  port: number;
  /** @default <dataDir>/chroma.log */
  logFile?: string;
}

export interface ChromaServer extends LocalServer {
  url: string;
}

/** The `chroma` CLI inside the installed chromadb package. */
export function chromaCliPath(): string {
  return path.join(path.dirname(require.resolve('chromadb')), '..', 'cli.mjs');
}

export async function startChromaServer(opts: ChromaServerOptions): Promise<ChromaServer> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const url = `http://127.0.0.1:${opts.port}`;
  const server = await startLocalServer({
    name: 'ChromaDB',
    command: process.execPath,
    args: [chromaCliPath(), 'run', '--path', opts.dataDir, '--host', '127.0.0.1', '--port', String(opts.port)],
    // No telemetry from a test or demo run.
    env: { ...process.env, ANONYMIZED_TELEMETRY: 'False' },
    logFile: opts.logFile ?? path.join(opts.dataDir, 'chroma.log'),
    ready: () => httpOk(`${url}/api/v2/heartbeat`),
  });
  return { ...server, url };
}
