// ChromaDB over its HTTP API (the `chromadb` client; no embedding function: we bring our own vectors). One Chroma
// collection per collection, cosine space, its dimension kept in the collection's metadata. Filters are Chroma
// `where` clauses, which Chroma applies before the HNSW search (an allow-list of ids; a brute-force scan when the
// list is small), so a point-in-time query returns k rows whenever k are eligible. Chroma compares numbers only, so
// the publication time is kept as integer epoch milliseconds (`published_ms`) and asOf is `$lte` on it.
import { ChromaClient, type Collection, type Metadata, type Where } from 'chromadb';
import { assertCollectionName, checkQuery, checkRecords, existsWithDimension, flatMetadata, METADATA_PREFIX, requireCollection, slices } from './records';
import type { VectorHit, VectorQuery, VectorRecord, VectorStore } from './store';


export function chromaWhere(query: Pick<VectorQuery, 'symbols' | 'asOf' | 'metadata'>): Where | undefined {
  const clauses: Where[] = [];
  if (query.symbols) clauses.push({ symbol: { $in: query.symbols } });
  if (query.asOf) clauses.push({ published_ms: { $lte: query.asOf.getTime() } });
  for (const [k, v] of Object.entries(query.metadata ?? {})) clauses.push({ [`${METADATA_PREFIX}${k}`]: { $eq: v } } as Where);
  if (clauses.length === 0) return undefined;
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
}

interface StoredMeta extends Metadata {
  symbol: string;
  published_ms: number;
  document_id: string;
  chunk_index: number;
}

export class ChromaStore implements VectorStore {
  readonly name = 'chroma';
  private readonly client: ChromaClient;
  private readonly collections = new Map<string, { collection: Collection; dimension: number }>();

  constructor(url: string) {
    const u = new URL(url);
    this.client = new ChromaClient({ host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), ssl: u.protocol === 'https:' });
  }

  private async open(collection: string): Promise<{ collection: Collection; dimension: number } | undefined> {
    assertCollectionName(this.name, collection);
    const cached = this.collections.get(collection);
    if (cached) return cached;
    const names = (await this.client.listCollections({ limit: 100000 })).map((c) => c.name);
    if (!names.includes(collection)) return undefined;
    const c = await this.client.getCollection({ name: collection });
    const entry = { collection: c, dimension: Number(c.metadata?.dimension) };
    this.collections.set(collection, entry);
    return entry;
  }

  private async require(collection: string) {
    return requireCollection(this.name, collection, await this.open(collection));
  }

  async ensureCollection(collection: string, dimension: number): Promise<void> {
    if (existsWithDimension(this.name, collection, (await this.open(collection))?.dimension, dimension)) return;
    const c = await this.client.getOrCreateCollection({
      name: collection,
      metadata: { dimension },
      // ef_search above k so a filtered HNSW search still fills k from the allowed ids.
      configuration: { hnsw: { space: 'cosine', ef_construction: 128, ef_search: 128 } },
      embeddingFunction: null,
    });
    this.collections.set(collection, { collection: c, dimension });
  }

  async upsert(collection: string, records: VectorRecord[]): Promise<void> {
    const { collection: c, dimension } = await this.require(collection);
    checkRecords(this.name, collection, dimension, records);
    for (const slice of slices(records, 1000)) {
      await c.upsert({
        ids: slice.map((r) => r.id),
        embeddings: slice.map((r) => r.vector),
        metadatas: slice.map(flatMetadata),
      });
    }
  }

  async delete(collection: string, ids: string[]): Promise<void> {
    const { collection: c } = await this.require(collection);
    for (const slice of slices(ids, 1000)) if (slice.length) await c.delete({ ids: slice });
  }

  async query(collection: string, query: VectorQuery): Promise<VectorHit[]> {
    const { collection: c, dimension } = await this.require(collection);
    checkQuery(this.name, collection, dimension, query);
    if (query.symbols?.length === 0) return [];
    const result = await c.query<StoredMeta>({
      queryEmbeddings: [query.vector],
      nResults: query.k,
      where: chromaWhere(query),
      include: ['metadatas', 'distances'],
    });
    const ids = result.ids[0] ?? [];
    return ids.map((id, i) => {
      const m = result.metadatas[0][i]!;
      return {
        id,
        // Chroma's cosine space returns the distance 1 - cos.
        score: 1 - Number(result.distances[0][i]),
        symbol: m.symbol,
        publishedAt: new Date(Number(m.published_ms)),
        documentId: m.document_id,
        chunkIndex: Number(m.chunk_index),
      };
    });
  }

  async count(collection: string): Promise<number> {
    return (await this.require(collection)).collection.count();
  }

  async ids(collection: string): Promise<string[]> {
    const { collection: c } = await this.require(collection);
    const out: string[] = [];
    for (let offset = 0; ; offset += 5000) {
      const page = await c.get({ include: [], limit: 5000, offset });
      out.push(...page.ids);
      if (page.ids.length < 5000) return out;
    }
  }

  async dropCollection(collection: string): Promise<void> {
    if (await this.open(collection)) await this.client.deleteCollection({ name: collection });
    this.collections.delete(collection);
  }

  async close(): Promise<void> {
    this.collections.clear();
  }
}
