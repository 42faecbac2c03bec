// Weaviate: a real server built from the Go module proxy into the tool cache (the bootstrap builds it for the
// test suite), on free loopback ports with a temp data folder, shared by the file; the shared contract runs on it,
// then the store's own write path (several gRPC batches in flight) and the HNSW settings of a new collection.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { ensureWeaviateServer, startWeaviateServer, type WeaviateServer } from '../../src/services/weaviate-server';
import { loadStore, openVectorStore, type VectorRecord } from '../../src/vectors';
import { WeaviateStore } from '../../src/vectors/weaviate-store';
import { describeVectorStoreContract } from '../helpers/vector-store-contract';
import { clusteredVectors } from '../helpers/vector-data';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-weaviate-'));
let starting: Promise<WeaviateServer> | undefined;
const server = () => (starting ??= (async () => {
  const binary = ensureWeaviateServer(loadConfig().temporal.toolsDir, (m) => process.stderr.write(`[tests] ${m}\n`));
  return startWeaviateServer({ binary, dataDir });
})());
afterAll(async () => {
  if (starting) await (await starting).stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describeVectorStoreContract('weaviate', async () => {
  const s = await server();
  return { store: await openVectorStore('weaviate', { lancedbDir: '', weaviateUrl: s.url, weaviateGrpcPort: s.grpcPort }) };
});

describe('weaviate: bulk writes', () => {
  const rows = (from: number, n: number, symbol: string, seed: number): VectorRecord[] => clusteredVectors(n, 8, 3, seed).map((vector, i) => ({
    id: `w-${from + i}`, vector, symbol, publishedAt: new Date(Date.UTC(2021, 0, 1 + from + i)), documentId: `d-${from + i}`, chunkIndex: 0,
  }));

  test('load keeps several small batches in flight; a later write of an id wins; new collections get the HNSW settings', async () => {
    const s = await server();
    // 7 objects per request and 3 in flight: 60 records are 9 requests, most of them concurrent.
    const store = await WeaviateStore.connect(s.url, s.grpcPort, { batchSize: 7, concurrency: 3 });
    try {
      await store.ensureCollection('w_load', 8);
      const rewritten = rows(0, 10, 'LATE', 3);
      async function* batches() {
        yield rows(0, 20, 'AAPL', 1);
        yield rows(20, 20, 'MSFT', 2);
        yield rewritten; // ids w-0 … w-9 again, possibly still in flight from the first batch
      }
      const progress: number[] = [];
      expect(await loadStore(store, 'w_load', batches(), (n) => progress.push(n))).toBe(50);
      expect(progress.at(-1)).toBe(50);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(await store.count('w_load')).toBe(40);
      const hits = await store.query('w_load', { vector: rewritten[0].vector, k: 10, symbols: ['LATE'] });
      expect(hits.map((h) => h.id).sort()).toEqual(rewritten.map((r) => r.id).sort());
      expect(await store.query('w_load', { vector: rewritten[0].vector, k: 30, symbols: ['AAPL'] })).toHaveLength(10);

      const schema = await (await fetch(`${s.url}/v1/schema/W_load`)).json() as { vectorConfig?: Record<string, { vectorIndexConfig: Record<string, unknown> }>; vectorIndexConfig?: Record<string, unknown> };
      const index = schema.vectorIndexConfig ?? Object.values(schema.vectorConfig ?? {})[0]?.vectorIndexConfig;
      expect(index).toMatchObject({ maxConnections: 16, efConstruction: 64, ef: 128, distance: 'cosine', filterStrategy: 'acorn' });
      await store.dropCollection('w_load');
    } finally {
      await store.close();
    }
  });

  test('a failing write fails the load, once the writes in flight have ended', async () => {
    const s = await server();
    const store = await WeaviateStore.connect(s.url, s.grpcPort, { batchSize: 5, concurrency: 4 });
    try {
      await store.ensureCollection('w_failed', 8);
      async function* batches() {
        for (let b = 0; b < 6; b++) yield rows(20 * b, 20, 'AAPL', 10 + b);
      }
      // The progress callback runs inside each write (the activity's heartbeat): a throw there is a failed write.
      const onBatch = (n: number) => {
        if (n >= 15) throw new Error('heartbeat refused');
      };
      await expect(loadStore(store, 'w_failed', batches(), onBatch)).rejects.toThrow('heartbeat refused');
      const settled = await store.count('w_failed');
      expect(settled).toBeLessThan(120);
      await new Promise((r) => setTimeout(r, 500));
      expect(await store.count('w_failed')).toBe(settled); // nothing still being written behind the error
      await store.dropCollection('w_failed');
    } finally {
      await store.close();
    }
  });

  test('write options are checked', async () => {
    const s = await server();
    await expect(WeaviateStore.connect(s.url, s.grpcPort, { concurrency: 0 })).rejects.toThrow('concurrency must be a positive integer (got 0)');
  });
});
