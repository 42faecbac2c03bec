// The one behaviour every vector backend must show, run against each real store (LanceDB on disk, pgvector on
// PGlite, a ChromaDB server, a Weaviate server, the Pinecone fake). Each test file owns one store instance.
import { CollectionNotFoundError } from '../../src/contracts/errors';
import { collectionName, reconcileStore, reindexStore, type VectorRecord, type VectorStore } from '../../src/vectors';
import { clusteredVectors, cosine, exactTopK } from './vector-data';

const DIM = 8;
const DAY = 86_400_000;
const T0 = Date.UTC(2020, 0, 1);

function records(prefix: string, n: number, seed: number, at: (i: number) => number, symbol: (i: number) => string): VectorRecord[] {
  return clusteredVectors(n, DIM, 4, seed).map((vector, i) => ({
    id: `${prefix}-${i}`,
    vector,
    symbol: symbol(i),
    publishedAt: new Date(at(i)),
    documentId: `doc-${prefix}-${Math.floor(i / 5)}`,
    chunkIndex: i % 5,
    metadata: { form: i % 3 === 0 ? '10-K' : '8-K', page: i % 4, amended: i % 2 === 0 },
  }));
}

export interface StoreUnderTest {
  store: VectorStore;
  /** Pinecone namespaces exist implicitly: counting a dropped one gives 0 instead of an error. */
  implicitCollections?: boolean;
}

/**
 * `open` is called once (beforeAll) and must return a store on a fresh, empty backend; the suite drops what it
 * creates. Collections are prefixed per test so a failure leaves no state for the next one.
 */
export function describeVectorStoreContract(label: string, open: () => Promise<StoreUnderTest>): void {
  describe(`${label}: the VectorStore contract`, () => {
    let store: VectorStore;
    let implicitCollections = false;
    let n = 0;
    const created: string[] = [];
    const fresh = async (dimension = DIM) => {
      const c = `contract_${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}_${++n}`;
      await store.ensureCollection(c, dimension);
      created.push(c);
      return c;
    };

    beforeAll(async () => {
      ({ store, implicitCollections = false } = await open());
    });
    afterAll(async () => {
      if (!store) return;
      for (const c of created) await store.dropCollection(c);
      await store.close();
    });

    test('upsert, query, count, ids and delete', async () => {
      const c = await fresh();
      const rows = records('a', 30, 1, (i) => T0 + i * DAY, (i) => (i % 2 ? 'AAPL' : 'MSFT'));
      await store.upsert(c, rows);
      expect(await store.count(c)).toBe(30);
      expect((await store.ids(c)).sort()).toEqual(rows.map((r) => r.id).sort());

      const hits = await store.query(c, { vector: rows[7].vector, k: 5 });
      expect(hits).toHaveLength(5);
      // The record itself is its own nearest neighbour, with cosine similarity 1 (float32 storage: 1e-4).
      expect(hits[0]).toMatchObject({ id: 'a-7', symbol: 'AAPL', documentId: 'doc-a-1', chunkIndex: 2 });
      expect(hits[0].publishedAt.toISOString()).toBe(new Date(T0 + 7 * DAY).toISOString());
      expect(hits[0].score).toBeCloseTo(1, 4);
      // Scores are cosine similarities (checked against the brute-force value) in descending order.
      for (const h of hits) expect(h.score).toBeCloseTo(cosine(rows.find((r) => r.id === h.id)!.vector, rows[7].vector), 3);
      for (let i = 1; i < hits.length; i++) expect(hits[i].score).toBeLessThanOrEqual(hits[i - 1].score + 1e-6);
      expect(hits.map((h) => h.id)).toEqual(exactTopK(rows, { vector: rows[7].vector, k: 5 }).map((h) => h.id));

      await store.delete(c, ['a-7', 'a-8', 'no-such-id']);
      expect(await store.count(c)).toBe(28);
      const ids = await store.ids(c);
      expect(ids).not.toContain('a-7');
      expect(ids).not.toContain('a-8');
      expect((await store.query(c, { vector: rows[7].vector, k: 3 })).map((h) => h.id)).not.toContain('a-7');
    });

    test('symbol filter', async () => {
      const c = await fresh();
      const symbols = ['AAPL', 'MSFT', 'SPY'];
      const rows = records('s', 60, 2, (i) => T0 + i * DAY, (i) => symbols[i % 3]);
      await store.upsert(c, rows);
      const q = { vector: rows[0].vector, k: 10, symbols: ['SPY'] };
      const hits = await store.query(c, q);
      expect(hits).toHaveLength(10);
      expect(new Set(hits.map((h) => h.symbol))).toEqual(new Set(['SPY']));
      expect(hits.map((h) => h.id)).toEqual(exactTopK(rows, q).map((h) => h.id));
      const two = await store.query(c, { vector: rows[0].vector, k: 40, symbols: ['AAPL', 'SPY'] });
      expect(two).toHaveLength(40);
      expect(new Set(two.map((h) => h.symbol))).toEqual(new Set(['AAPL', 'SPY']));
    });

    test('asOf is applied inside the query: k results when enough eligible rows exist, even if most rows are newer', async () => {
      const c = await fresh();
      // 400 rows, one per hour; only the first 40 are published by asOf, and the query vector sits in the middle of
      // the newer ones, so a store that filtered its top k afterwards would return (almost) nothing.
      const rows = records('t', 400, 3, (i) => T0 + i * 3_600_000, () => 'AAPL');
      await store.upsert(c, rows);
      const asOf = new Date(T0 + 39 * 3_600_000);
      const q = { vector: rows[300].vector, k: 10, asOf };
      const hits = await store.query(c, q);
      expect(hits).toHaveLength(10);
      for (const h of hits) expect(h.publishedAt.getTime()).toBeLessThanOrEqual(asOf.getTime());
      expect(hits.map((h) => h.id).sort()).toEqual(exactTopK(rows, q).map((h) => h.id).sort());
      // The boundary is inclusive: a chunk published exactly at asOf is visible.
      const exact = await store.query(c, { vector: rows[39].vector, k: 1, asOf });
      expect(exact[0].id).toBe('t-39');
      // Symbol and asOf together, and a filter nothing passes.
      expect(await store.query(c, { vector: rows[0].vector, k: 5, asOf, symbols: ['MSFT'] })).toEqual([]);
      expect(await store.query(c, { vector: rows[0].vector, k: 5, asOf: new Date(T0 - 1) })).toEqual([]);
    });

    test('metadata equality filters (string, number, boolean)', async () => {
      const c = await fresh();
      const rows = records('m', 48, 4, (i) => T0 + i * DAY, () => 'MSFT');
      await store.upsert(c, rows);
      const filters: Array<Record<string, string | number | boolean>> = [{ form: '10-K' }, { page: 2 }, { amended: false }, { form: '8-K', page: 1 }];
      for (const metadata of filters) {
        const q = { vector: rows[5].vector, k: 6, metadata };
        const hits = await store.query(c, q);
        expect(hits.map((h) => h.id)).toEqual(exactTopK(rows, q).map((h) => h.id));
      }
      // 2 (a number) and "2" (a string) are different values.
      expect(await store.query(c, { vector: rows[5].vector, k: 5, metadata: { page: '2' } })).toEqual([]);
    });

    test('re-upserting an id overwrites it', async () => {
      const c = await fresh();
      const rows = records('u', 20, 5, (i) => T0 + i * DAY, () => 'AAPL');
      await store.upsert(c, rows);
      const moved = { ...rows[3], vector: rows[15].vector.map((x) => -x), symbol: 'SPY', publishedAt: new Date(T0 - DAY), chunkIndex: 9 };
      await store.upsert(c, [moved]);
      expect(await store.count(c)).toBe(20);
      const [hit] = await store.query(c, { vector: moved.vector, k: 1 });
      expect(hit).toMatchObject({ id: 'u-3', symbol: 'SPY', chunkIndex: 9 });
      expect(hit.publishedAt.getTime()).toBe(T0 - DAY);
      expect(hit.score).toBeCloseTo(1, 4);
    });

    test('a dimension mismatch is rejected with a clear error', async () => {
      const c = await fresh();
      await expect(store.ensureCollection(c, DIM + 4)).rejects.toThrow(new RegExp(`${c}.*dimension ${DIM}.*dimension ${DIM + 4}`));
      const bad = { ...records('d', 1, 6, () => T0, () => 'AAPL')[0], vector: [1, 2, 3] };
      await expect(store.upsert(c, [bad])).rejects.toThrow(/record "d-0".*dimension 3, the collection holds dimension 8/);
      await expect(store.query(c, { vector: [1, 2, 3], k: 1 })).rejects.toThrow(/query.*dimension 3/);
      await expect(store.upsert(c, [{ ...bad, vector: [1, 2, 3, 4, 5, 6, 7, Number.NaN] }])).rejects.toThrow(/non-finite/);
      expect(await store.count(c)).toBe(0);
    });

    test('searching a collection nothing was indexed into names the store, the collection and the fix', async () => {
      const missing = `contract_never_indexed_${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
      const vector = Array.from({ length: DIM }, (_, i) => (i === 0 ? 1 : 0));
      const err = await store.query(missing, { vector, k: 3 }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(CollectionNotFoundError);
      expect(err).toMatchObject({ name: 'CollectionNotFoundError', store: store.name, collection: missing });
      expect((err as Error).message).toBe(`${store.name} ${missing}: no such collection: nothing is indexed in it yet; `
        + `build it from PostgreSQL with \`tickflow docs reindex --store ${store.name}\` (or ingest with --stores ${store.name})`);
      // A dropped collection is missing again (not an empty answer).
      const c = await fresh();
      await store.upsert(c, records('x', 3, 8, () => T0, () => 'AAPL'));
      expect(await store.query(c, { vector, k: 3 })).toHaveLength(3);
      await store.dropCollection(c);
      await expect(store.query(c, { vector, k: 3 })).rejects.toBeInstanceOf(CollectionNotFoundError);
    });

    test('a new model version is a new collection; reindex rebuilds and reconcile compares ids', async () => {
      const v1 = collectionName('hashing', `v1-${label}`, DIM);
      const v2 = collectionName('hashing', `v2-${label}`, DIM);
      expect(v1).not.toBe(v2);
      created.push(v1, v2);
      const rows = records('r', 25, 7, (i) => T0 + i * DAY, () => 'AAPL');
      async function* batches() {
        yield rows.slice(0, 10);
        yield rows.slice(10);
      }
      expect(await reindexStore(store, v1, DIM, batches())).toEqual({ written: 25 });
      await store.ensureCollection(v2, DIM);
      await store.upsert(v2, rows.slice(0, 3));
      expect(await store.count(v1)).toBe(25);
      expect(await store.count(v2)).toBe(3);

      await store.delete(v1, ['r-2']);
      const report = await reconcileStore(store, v1, [...rows.map((r) => r.id).filter((id) => id !== 'r-5'), 'r-99']);
      expect(report).toEqual({ store: store.name, collection: v1, expected: 25, actual: 24, missing: ['r-2', 'r-99'], extra: ['r-5'] });

      // Reindexing again drops what was there: the deleted row is back and nothing is doubled.
      expect(await reindexStore(store, v1, DIM, batches())).toEqual({ written: 25 });
      expect(await store.count(v1)).toBe(25);
      await store.dropCollection(v2);
      expect(await store.count(v1)).toBe(25);
      if (implicitCollections) expect(await store.count(v2)).toBe(0);
      else await expect(store.count(v2)).rejects.toThrow(/no such collection/);
    });
  });
}
