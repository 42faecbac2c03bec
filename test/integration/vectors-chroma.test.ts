// ChromaDB: a real `chroma run` server (from the chromadb npm package) on a free loopback port with a temp data
// folder, shared by the file; the shared VectorStore contract runs against it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startChromaServer, type ChromaServer } from '../../src/services/chroma-server';
import { freePort } from '../../src/services/net';
import { openVectorStore } from '../../src/vectors';
import { describeVectorStoreContract } from '../helpers/vector-store-contract';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-chroma-'));
let server: ChromaServer | undefined;
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describeVectorStoreContract('chroma', async () => {
  server = await startChromaServer({ dataDir, port: await freePort() });
  return { store: await openVectorStore('chroma', { lancedbDir: '', chromaUrl: server.url }) };
});
