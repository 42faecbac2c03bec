// pgvector on PGlite (WASM PostgreSQL with the extension built in): the shared contract, then why
// `hnsw.iterative_scan` matters: a selective filter on an HNSW scan returns fewer than k rows without it.
import { PgvectorStore } from '../../src/vectors/pgvector-store';
import { pgliteThreadClient as pgliteClient } from '../helpers/pglite-thread';
import { clusteredVectors, exactTopK } from '../helpers/vector-data';
import { describeVectorStoreContract } from '../helpers/vector-store-contract';

// One PGlite for the file (its WASM start is the slow part); the contract's store leaves it open.
const shared = pgliteClient();
afterAll(async () => (await shared).end());

describeVectorStoreContract('pgvector', async () => ({ store: new PgvectorStore({ ...(await shared), end: async () => undefined }) }));

describe('pgvector: hnsw.iterative_scan', () => {
  test('a selective filter returns fewer than k rows without iterative scan and k rows with it', async () => {
    const client = await shared;
    const plain = new PgvectorStore(client, { iterativeScan: 'off', efSearch: 10 });
    const iterative = new PgvectorStore(client, { iterativeScan: 'relaxed_order', efSearch: 10 });
    const dim = 16;
    // 600 rows; 1 in 30 is 'RARE' (20 rows), so the first 10 HNSW candidates (ef_search) hold about one of them.
    const records = clusteredVectors(600, dim, 6, 21).map((vector, i) => ({
      id: `p-${i}`, vector, symbol: i % 30 === 0 ? 'RARE' : 'COMMON', publishedAt: new Date(Date.UTC(2021, 0, 1) + i * 60_000),
      documentId: `d-${i}`, chunkIndex: 0,
    }));
    await plain.ensureCollection('iterative', dim);
    await plain.upsert('iterative', records);
    // Without the (symbol, published_at) btree the planner has only the HNSW index for this filter (with it, it
    // would scan the 20 rows exactly, which is what the store relies on for very selective filters).
    await client.query('DROP INDEX tickflow_vectors.iterative_symbol_published');
    await client.query('ANALYZE tickflow_vectors.iterative');
    // On 600 rows a sequential scan is cheaper; on a production-sized table the planner picks HNSW by itself.
    // PGlite is one session, so this setting holds for the store's queries below.
    await client.query('SET enable_seqscan = off');
    const q = { vector: records[1].vector, k: 10, symbols: ['RARE'] };
    expect(await plain.explain('iterative', q)).toMatch(/Index Scan using iterative_hnsw/);

    const without = await plain.query('iterative', q);
    expect(without.length).toBeLessThan(10);
    const withIt = await iterative.query('iterative', q);
    expect(withIt).toHaveLength(10);
    expect(withIt.every((h) => h.symbol === 'RARE')).toBe(true);
    // relaxed_order plus the re-sorting CTE: the same ids as the exact search, best first.
    expect(withIt.map((h) => h.id)).toEqual(exactTopK(records, q).map((h) => h.id));
  });
});

describe('pgvector: bulk load (reindex path)', () => {
  test('load copies every batch with the HNSW index dropped and builds it once; a failing batch rolls the whole load back', async () => {
    const client = await shared;
    const store = new PgvectorStore(client);
    const dim = 16;
    const records = clusteredVectors(300, dim, 4, 31).map((vector, i) => ({
      id: `l-${i}`, vector, symbol: i % 2 ? 'AAPL' : 'MSFT', publishedAt: new Date(Date.UTC(2022, 0, 1) + i * 3_600_000),
      documentId: `d-${Math.floor(i / 3)}`, chunkIndex: i % 3, metadata: { form: i % 5 ? '8-K' : '10-K' },
    }));
    const indexes = async () => (await client.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'tickflow_vectors' AND tablename = 'bulk' ORDER BY indexname`)).rows.map((r) => r.indexname);
    async function* batches(rows: typeof records, size: number) {
      for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
    }
    await store.ensureCollection('bulk', dim);
    const seen: number[] = [];
    expect(await store.load('bulk', batches(records, 120), (n) => seen.push(n))).toBe(300);
    expect(seen).toEqual([120, 240, 300]);
    expect(await store.count('bulk')).toBe(300);
    expect(await indexes()).toEqual(['bulk_hnsw', 'bulk_metadata', 'bulk_pkey', 'bulk_symbol_published']);
    // Binary COPY kept every field: the exact top 10 under a filter, with dates, metadata and chunk indexes intact.
    const q = { vector: records[40].vector, k: 10, symbols: ['MSFT'], asOf: new Date(Date.UTC(2022, 0, 5)), metadata: { form: '8-K' } };
    const hits = await store.query('bulk', q);
    expect(hits.map((h) => h.id)).toEqual(exactTopK(records, q).map((h) => h.id));
    const first = hits.find((h) => h.id === 'l-40') ?? hits[0];
    const source = records.find((r) => r.id === first.id)!;
    expect(first).toMatchObject({ symbol: source.symbol, documentId: source.documentId, chunkIndex: source.chunkIndex });
    expect(first.publishedAt.toISOString()).toBe(source.publishedAt.toISOString());
    await client.query('SET enable_seqscan = off');
    expect(await store.explain('bulk', { vector: records[0].vector, k: 5 })).toMatch(/Index Scan using bulk_hnsw/);

    // Re-loading overwrites by id; a bad record in the second batch undoes the first batch and the index drop too.
    const moved = records.slice(0, 50).map((r) => ({ ...r, symbol: 'SPY' }));
    const bad = [{ ...records[60], vector: records[60].vector.map(() => Number.NaN) }];
    async function* failing() {
      yield moved;
      yield bad;
    }
    await expect(store.load('bulk', failing())).rejects.toThrow(/bulk record "l-60".*non-finite/);
    expect(await store.count('bulk')).toBe(300);
    expect((await store.query('bulk', { vector: records[0].vector, k: 5, symbols: ['SPY'] }))).toEqual([]);
    expect(await indexes()).toContain('bulk_hnsw');
    await store.dropCollection('bulk');
  });
});
