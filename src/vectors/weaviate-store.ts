// Weaviate through weaviate-client 3 (REST + gRPC). One Weaviate collection per collection (Weaviate capitalises
// collection names: `c_model_v1_512` is stored as `C_model_v1_512`), self-provided vectors, HNSW with cosine
// distance. Filters are Weaviate filters, which build an allow-list before the HNSW search (pre-filtering; ACORN
// for large allow-lists, a flat scan below flatSearchCutoff), so a point-in-time query returns k rows whenever k
// are eligible. Object ids must be UUIDs: a chunk id maps to a UUIDv5 of itself and is kept as `chunkId`.
import weaviate, { Filters, generateUuid5, type Collection, type FilterValue, type WeaviateClient } from 'weaviate-client';
import { InputError } from '../contracts/errors';
import { assertCollectionName, checkQuery, checkRecords, existsWithDimension, metadataTags, requireCollection, slices } from './records';
import type { VectorHit, VectorQuery, VectorRecord, VectorStore } from './store';

type Props = {
  chunkId: string;
  symbol: string;
  publishedMs: number;
  documentId: string;
  chunkIndex: number;
  metaTags: string[];
};

const className = (collection: string) => collection[0].toUpperCase() + collection.slice(1);
const DIMENSION = /tickflow dimension=(\d+)/;

export class WeaviateStore implements VectorStore {
  readonly name = 'weaviate';
  private readonly dimensions = new Map<string, number>();

  private constructor(private readonly client: WeaviateClient) {}

  static async connect(url: string, grpcPort: number): Promise<WeaviateStore> {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    const client = await weaviate.connectToCustom({
      httpHost: u.hostname, httpPort: Number(u.port || (secure ? 443 : 80)), httpSecure: secure,
      grpcHost: u.hostname, grpcPort, grpcSecure: secure,
    });
    return new WeaviateStore(client);
  }

  private handle(collection: string): Collection<Props> {
    return this.client.collections.use<string, Props>(className(collection));
  }

  private async dimension(collection: string): Promise<number | undefined> {
    assertCollectionName(this.name, collection);
    const known = this.dimensions.get(collection);
    if (known) return known;
    if (!(await this.client.collections.exists(className(collection)))) return undefined;
    const config = await this.handle(collection).config.get();
    const dim = Number(DIMENSION.exec(config.description ?? '')?.[1]);
    this.dimensions.set(collection, dim);
    return dim;
  }

  private async require(collection: string): Promise<number> {
    return requireCollection(this.name, collection, await this.dimension(collection));
  }

  async ensureCollection(collection: string, dimension: number): Promise<void> {
    if (existsWithDimension(this.name, collection, await this.dimension(collection), dimension)) return;
    await this.client.collections.create<Props>({
      name: className(collection),
      // Weaviate learns the dimension from the first vector; the store keeps it here to check every write.
      description: `tickflow dimension=${dimension}`,
      properties: [
        { name: 'chunkId', dataType: 'text', tokenization: 'field', indexFilterable: true },
        { name: 'symbol', dataType: 'text', tokenization: 'field', indexFilterable: true },
        { name: 'publishedMs', dataType: 'int', indexFilterable: true, indexRangeFilters: true },
        { name: 'documentId', dataType: 'text', tokenization: 'field' },
        { name: 'chunkIndex', dataType: 'int' },
        { name: 'metaTags', dataType: 'text[]', tokenization: 'field', indexFilterable: true },
      ],
      vectorizers: weaviate.configure.vectors.selfProvided({
        vectorIndexConfig: weaviate.configure.vectorIndex.hnsw({ distanceMetric: 'cosine', filterStrategy: 'acorn', ef: 128 }),
      }),
    });
    this.dimensions.set(collection, dimension);
  }

  async upsert(collection: string, records: VectorRecord[]): Promise<void> {
    const dimension = await this.require(collection);
    checkRecords(this.name, collection, dimension, records);
    const c = this.handle(collection);
    for (const slice of slices(records, 500)) {
      // A batch object with an existing UUID replaces that object: an upsert.
      const result = await c.data.insertMany(slice.map((r) => ({
        id: generateUuid5(r.id),
        vectors: r.vector,
        properties: {
          chunkId: r.id, symbol: r.symbol, publishedMs: r.publishedAt.getTime(), documentId: r.documentId, chunkIndex: r.chunkIndex,
          metaTags: metadataTags(r.metadata),
        },
      })));
      if (result.hasErrors) {
        const [first] = Object.values(result.errors);
        throw new InputError(`batch write failed for ${Object.keys(result.errors).length} object(s): ${first?.message}`, `${this.name} ${collection}`);
      }
    }
  }

  async delete(collection: string, ids: string[]): Promise<void> {
    await this.require(collection);
    const c = this.handle(collection);
    for (const slice of slices(ids, 500)) if (slice.length) await c.data.deleteMany(c.filter.byId().containsAny(slice.map((id) => generateUuid5(id))));
  }

  async query(collection: string, query: VectorQuery): Promise<VectorHit[]> {
    const dimension = await this.require(collection);
    checkQuery(this.name, collection, dimension, query);
    if (query.symbols?.length === 0) return [];
    const c = this.handle(collection);
    const filters: FilterValue[] = [];
    if (query.symbols) filters.push(c.filter.byProperty('symbol').containsAny(query.symbols));
    if (query.asOf) filters.push(c.filter.byProperty('publishedMs').lessOrEqual(query.asOf.getTime()));
    const tags = metadataTags(query.metadata);
    if (tags.length) filters.push(c.filter.byProperty('metaTags').containsAll(tags));
    const result = await c.query.nearVector(query.vector, {
      limit: query.k,
      filters: filters.length === 0 ? undefined : filters.length === 1 ? filters[0] : Filters.and(...filters),
      returnMetadata: ['distance'],
      returnProperties: ['chunkId', 'symbol', 'publishedMs', 'documentId', 'chunkIndex'],
    });
    return result.objects.map((o) => ({
      id: o.properties.chunkId,
      // Weaviate's cosine distance is 1 - cos.
      score: 1 - Number(o.metadata?.distance),
      symbol: o.properties.symbol,
      publishedAt: new Date(Number(o.properties.publishedMs)),
      documentId: o.properties.documentId,
      chunkIndex: Number(o.properties.chunkIndex),
    }));
  }

  async count(collection: string): Promise<number> {
    await this.require(collection);
    return (await this.handle(collection).aggregate.overAll()).totalCount;
  }

  async ids(collection: string): Promise<string[]> {
    await this.require(collection);
    const out: string[] = [];
    for await (const o of this.handle(collection).iterator({ returnProperties: ['chunkId'] })) out.push(o.properties.chunkId);
    return out;
  }

  async dropCollection(collection: string): Promise<void> {
    assertCollectionName(this.name, collection);
    if (await this.client.collections.exists(className(collection))) await this.client.collections.delete(className(collection));
    this.dimensions.delete(collection);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
