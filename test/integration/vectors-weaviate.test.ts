// Weaviate: a real server built from the Go module proxy into the tool cache (the bootstrap builds it for the
// test suite), on free loopback ports with a temp data folder, shared by the file; the shared contract runs on it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { ensureWeaviateServer, startWeaviateServer, type WeaviateServer } from '../../src/services/weaviate-server';
import { openVectorStore } from '../../src/vectors';
import { describeVectorStoreContract } from '../helpers/vector-store-contract';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-weaviate-'));
let server: WeaviateServer | undefined;
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describeVectorStoreContract('weaviate', async () => {
  const binary = ensureWeaviateServer(loadConfig().temporal.toolsDir, (m) => process.stderr.write(`[tests] ${m}\n`));
  server = await startWeaviateServer({ binary, dataDir });
  return { store: await openVectorStore('weaviate', { lancedbDir: '', weaviateUrl: server.url, weaviateGrpcPort: server.grpcPort }) };
});
