// A local Weaviate server built from the Go module proxy (like the Temporal CLI) into the tool cache, started on
// loopback with anonymous access, no modules (we bring our own vectors) and its data in a folder of our choosing.
import fs from 'node:fs';
import path from 'node:path';
import { goInstall, isExecutable, onPath, withBuildLock } from './go-tools';
import { httpOk, startLocalServer, type LocalServer } from './local-server';
import { freePort, isPortOpen } from './net';

/** The server's main package; v1.35.2 builds with CGO off (pure Go) and matches weaviate-client 3.12. */
export const WEAVIATE_MODULE = 'github.com/weaviate/weaviate/cmd/weaviate-server@v1.35.2';
const BINARY = 'weaviate-server';

/** PATH, then the tool cache; undefined when neither has it. */
export function findWeaviateServer(toolsDir: string): string | undefined {
  const cached = path.join(toolsDir, BINARY);
  return onPath(BINARY) ?? (isExecutable(cached) ? cached : undefined);
}

/** Builds it when missing: ~8 minutes and ~3 GB of Go build cache once on an idle 2-core machine. */
export function ensureWeaviateServer(toolsDir: string, log?: (msg: string) => void): string {
  return findWeaviateServer(toolsDir) ?? withBuildLock(toolsDir, BINARY, () => findWeaviateServer(toolsDir), () => goInstall('Weaviate server', WEAVIATE_MODULE, BINARY, toolsDir, log), log);
}

export interface WeaviateServerOptions {
  binary: string;
  dataDir: string;
  /** @default a free port */
  httpPort?: number;
  /** @default a free port */
  grpcPort?: number;
  /** More server settings (Weaviate's environment variables), over the defaults below. */
  env?: Record<string, string>;
}

export interface WeaviateServer extends LocalServer {
  url: string;
  httpPort: number;
  grpcPort: number;
}

/** A free port p whose neighbour p + 1 is free too. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (p < 65535 && !(await isPortOpen(p + 1))) return p;
  }
}

export async function startWeaviateServer(opts: WeaviateServerOptions): Promise<WeaviateServer> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const httpPort = opts.httpPort ?? (await freePort());
  const grpcPort = opts.grpcPort ?? (await freePort());
  // A one-node cluster still opens gossip, data and Raft ports, all free so servers can coexist. REST, gossip and
  // Raft bind to 127.0.0.1; v1.35 has no setting for the gRPC and cluster-data listeners' address (all interfaces).
  const [gossip, data] = [await freePort(), await freePort()];
  // In a one-host cluster (CLUSTER_IN_LOCALHOST) Weaviate dials a node's RPC port as its Raft port + 1.
  const raft = await freePortPair();
  const raftRpc = raft + 1;
  const url = `http://127.0.0.1:${httpPort}`;
  const server = await startLocalServer({
    name: 'Weaviate',
    command: opts.binary,
    args: ['--host', '127.0.0.1', '--port', String(httpPort), '--scheme', 'http'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PERSISTENCE_DATA_PATH: opts.dataDir,
      AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED: 'true',
      DEFAULT_VECTORIZER_MODULE: 'none',
      ENABLE_MODULES: '',
      DISABLE_TELEMETRY: 'true',
      // Its profiler would listen on :6060 on every interface (and clash between two servers).
      GO_PROFILING_DISABLE: 'true',
      LOG_LEVEL: process.env.TICKFLOW_WEAVIATE_LOG_LEVEL ?? 'warning',
      GRPC_PORT: String(grpcPort),
      CLUSTER_HOSTNAME: 'node1',
      CLUSTER_IN_LOCALHOST: 'true',
      CLUSTER_BIND_ADDR: '127.0.0.1',
      CLUSTER_ADVERTISE_ADDR: '127.0.0.1',
      CLUSTER_GOSSIP_BIND_PORT: String(gossip),
      CLUSTER_DATA_BIND_PORT: String(data),
      RAFT_PORT: String(raft),
      RAFT_INTERNAL_RPC_PORT: String(raftRpc),
      RAFT_JOIN: `node1:${raftRpc}`,
      RAFT_BOOTSTRAP_EXPECT: '1',
      ...opts.env,
    },
    logFile: path.join(opts.dataDir, 'weaviate.log'),
    ready: () => httpOk(`${url}/v1/.well-known/ready`),
    timeoutMs: 300_000,
  });
  return { ...server, url, httpPort, grpcPort };
}
