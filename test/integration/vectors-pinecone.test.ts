// Pinecone has no local server: the adapter runs against a fake of the data-plane endpoints it uses
// (test/helpers/pinecone-fake.ts, built from the documented request/response shapes). The shared contract runs
// against it, then what the wire carries: the API key header, the filter for symbol + asOf + metadata, paging.
import { openVectorStore } from '../../src/vectors';
import { PineconeStore } from '../../src/vectors/pinecone-store';
import { startPineconeFake, type PineconeFake } from '../helpers/pinecone-fake';
import { describeVectorStoreContract } from '../helpers/vector-store-contract';

let fake: PineconeFake;
beforeAll(async () => {
  fake = await startPineconeFake(8);
});
afterAll(() => fake.close());

describeVectorStoreContract('pinecone', async () => ({
  store: await openVectorStore('pinecone', { lancedbDir: '', pineconeUrl: fake.url, pineconeApiKey: fake.apiKey }),
  implicitCollections: true,
}));

describe('pinecone: the requests it sends', () => {
  test('symbol, asOf and metadata become one $and filter; ids page through list; a wrong key is a clear error', async () => {
    const store = new PineconeStore(fake.url, fake.apiKey);
    const ids = Array.from({ length: 250 }, (_, i) => `w-${String(i).padStart(3, '0')}`);
    await store.upsert('wire', ids.map((id, i) => ({
      id, vector: [1, i % 7, 0, 0, 0, 0, 0, 1], symbol: 'AAPL', publishedAt: new Date(Date.UTC(2022, 0, 1) + i * 1000), documentId: 'd', chunkIndex: i,
      metadata: { form: '10-K' },
    })));
    // Upserts go in batches well under Pinecone's 1,000-vector limit.
    expect(fake.requests.filter((r) => r.path === '/vectors/upsert').every((r) => (r.body as { vectors: unknown[] }).vectors.length <= 100)).toBe(true);

    const asOf = new Date(Date.UTC(2022, 0, 1) + 9000);
    const hits = await store.query('wire', { vector: [1, 0, 0, 0, 0, 0, 0, 1], k: 20, symbols: ['AAPL'], asOf, metadata: { form: '10-K' } });
    expect(hits).toHaveLength(10);
    expect(fake.requests.at(-1)).toEqual({
      method: 'POST',
      path: '/query',
      body: {
        namespace: 'wire', vector: [1, 0, 0, 0, 0, 0, 0, 1], topK: 20, includeMetadata: true, includeValues: false,
        filter: { $and: [{ symbol: { $in: ['AAPL'] } }, { published_ms: { $lte: asOf.getTime() } }, { m_form: { $eq: '10-K' } }] },
      },
    });
    const before = fake.requests.length;
    expect((await store.ids('wire')).sort()).toEqual(ids);
    expect(fake.requests.slice(before).map((r) => r.path)).toEqual(['/vectors/list', '/vectors/list', '/vectors/list']);
    await store.dropCollection('wire');

    const wrongKey = new PineconeStore(fake.url, 'not-the-key');
    await expect(wrongKey.count('wire')).rejects.toThrow(/pinecone: POST \/describe_index_stats answered 401/);
  });
});
