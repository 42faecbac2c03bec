// LanceDB on disk: the shared contract, then what is particular to it (the ANN index appears once a collection
// has enough rows to train it; below that the search is an exact flat scan; data survives a reopen).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LanceDbStore } from '../../src/vectors/lancedb-store';
import { openVectorStore } from '../../src/vectors';
import { clusteredVectors, exactTopK, recallAtK } from '../helpers/vector-data';
import { describeVectorStoreContract } from '../helpers/vector-store-contract';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-lancedb-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describeVectorStoreContract('lancedb', async () => ({ store: await openVectorStore('lancedb', { lancedbDir: path.join(dir, 'contract') }) }));

describe('lancedb: ANN index and persistence', () => {
  test('flat below the threshold, HNSW-SQ index at it; filtered queries keep recall and k rows; reopen keeps the data', async () => {
    const store = new LanceDbStore({ dir: path.join(dir, 'indexed'), indexMinRows: 1000 });
    const dim = 32;
    const vectors = clusteredVectors(1200, dim, 8, 11);
    const records = vectors.map((vector, i) => ({
      id: `x-${i}`, vector, symbol: ['AAPL', 'MSFT', 'SPY', 'GOOG'][i % 4], publishedAt: new Date(Date.UTC(2020, 0, 1) + i * 3_600_000),
      documentId: `d-${i}`, chunkIndex: 0,
    }));
    await store.ensureCollection('ann', dim);
    await store.upsert('ann', records.slice(0, 600));
    expect(await store.hasVectorIndex('ann')).toBe(false);
    await store.upsert('ann', records.slice(600));
    expect(await store.hasVectorIndex('ann')).toBe(true);

    const asOf = new Date(Date.UTC(2020, 0, 1) + 400 * 3_600_000);
    let recall = 0;
    const probes = [1100, 900, 700, 500, 300];
    for (const p of probes) {
      const q = { vector: records[p].vector, k: 10, symbols: ['MSFT'], asOf };
      const hits = await store.query('ann', q);
      expect(hits).toHaveLength(10);
      for (const h of hits) expect(h.symbol === 'MSFT' && h.publishedAt <= asOf).toBe(true);
      recall += recallAtK(exactTopK(records, q), hits) / probes.length;
    }
    expect(recall).toBeGreaterThanOrEqual(0.9);
    await store.close();

    const reopened = new LanceDbStore({ dir: path.join(dir, 'indexed') });
    expect(await reopened.count('ann')).toBe(1200);
    await expect(reopened.ensureCollection('ann', 16)).rejects.toThrow(/dimension 32/);
    await reopened.close();
  });
});
