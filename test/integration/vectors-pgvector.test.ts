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
