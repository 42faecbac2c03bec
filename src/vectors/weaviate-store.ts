// Weaviate through weaviate-client 3 (REST + gRPC). One Weaviate collection per collection (Weaviate capitalises
// collection names: `c_model_v1_512` is stored as `C_model_v1_512`), self-provided vectors, HNSW with cosine
// distance. Filters are Weaviate filters, which build an allow-list before the HNSW search (pre-filtering; ACORN
// for large allow-lists, a flat scan below flatSearchCutoff), so a point-in-time query returns k rows whenever k
// are eligible. Object ids must be UUIDs: a chunk id maps to a UUIDv5 of itself and is kept as `chunkId`.
// Writes go through the client's gRPC batch (`insertMany`), several batches in flight: the client serialises a
// batch one object per timer tick (~1 ms each, then polls every 500 ms), so one batch at a time caps an import at
// a few hundred rows/s whatever the server can take (docs/vector-stores.md has the profile).
import weaviate, { Filters, generateUuid5, type Collection, type FilterValue, type WeaviateClient } from 'weaviate-client';
import { InputError } from '../contracts/errors';
import { assertCollectionName, checkQuery, checkRecords, existsWithDimension, metadataTags, requireCollection, slices } from './records';
import type { VectorHit, VectorQuery, VectorRecord, VectorStore } from './store';

function positive(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${field} must be a positive integer (got ${n})`, 'weaviate store options');
  return n;
}

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

export interface WeaviateStoreOptions {
  /**
   * Objects per gRPC batch request. Below 500 the client's serialisation of a batch finishes inside its first
   * 500 ms poll. @default 400
   */
  batchSize?: number;
  /** Batch requests in flight at once (each waits mostly on the client's serialisation timer). @default 16 */
  concurrency?: number;
  /**
   * HNSW graph degree of new collections; building the graph is the server's cost of an import (≈ a third of its
   * CPU in distance computations). Weaviate's default is 32; 16 as in pgvector's default. @default 16
   */
  maxConnections?: number;
  /** HNSW candidate list while building, for new collections (Weaviate's default 128; pgvector's 64). @default 64 */
  efConstruction?: number;
}

/**
 * At most `limit` writes in flight. The first failure is kept and thrown by the next `add` or by `drain`, once the
 * writes still in flight have ended. Ids of in-flight writes are tracked so a later write of the same id waits for
 * the earlier one (last write wins, as when the batches are written one after another).
 */
class WritePool {
  private readonly running = new Set<Promise<void>>();
  private readonly ids = new Set<string>();
  private failure: unknown;

  constructor(private readonly limit: number) {}

  async add(ids: string[], write: () => Promise<void>): Promise<void> {
    if (ids.some((id) => this.ids.has(id))) await this.drain();
    while (this.running.size >= this.limit) await Promise.race(this.running);
    // After a failure: let every write in flight end, then throw (no write outlives the call that failed).
    if (this.failure !== undefined) await this.drain();
    for (const id of ids) this.ids.add(id);
    const p: Promise<void> = write().catch((e: unknown) => {
      this.failure ??= e;
    }).finally(() => {
      this.running.delete(p);
      for (const id of ids) this.ids.delete(id);
    });
    this.running.add(p);
  }

  async drain(): Promise<void> {
    while (this.running.size) await Promise.race(this.running);
    this.check();
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

export class WeaviateStore implements VectorStore {
  readonly name = 'weaviate';
  private readonly dimensions = new Map<string, number>();
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly maxConnections: number;
  private readonly efConstruction: number;

  private constructor(private readonly client: WeaviateClient, options: Required<WeaviateStoreOptions>) {
    ({ batchSize: this.batchSize, concurrency: this.concurrency, maxConnections: this.maxConnections, efConstruction: this.efConstruction } = options);
  }

  static async connect(url: string, grpcPort: number, options: WeaviateStoreOptions = {}): Promise<WeaviateStore> {
    const checked = {
      batchSize: positive(options.batchSize ?? 400, 'batchSize'),
      concurrency: positive(options.concurrency ?? 16, 'concurrency'),
      maxConnections: positive(options.maxConnections ?? 16, 'maxConnections'),
      efConstruction: positive(options.efConstruction ?? 64, 'efConstruction'),
    };
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    const client = await weaviate.connectToCustom({
      httpHost: u.hostname, httpPort: Number(u.port || (secure ? 443 : 80)), httpSecure: secure,
      grpcHost: u.hostname, grpcPort, grpcSecure: secure,
    });
    return new WeaviateStore(client, checked);
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
        vectorIndexConfig: weaviate.configure.vectorIndex.hnsw({
          distanceMetric: 'cosine', filterStrategy: 'acorn', ef: 128, maxConnections: this.maxConnections, efConstruction: this.efConstruction,
        }),
      }),
    });
    this.dimensions.set(collection, dimension);
  }

  async upsert(collection: string, records: VectorRecord[]): Promise<void> {
    const dimension = await this.require(collection);
    checkRecords(this.name, collection, dimension, records);
    const pool = new WritePool(this.concurrency);
    for (const slice of slices(records, this.batchSize)) await pool.add(slice.map((r) => r.id), () => this.insert(collection, slice));
    await pool.drain();
  }

  /** Many batches, with writes in flight across batch boundaries (the same objects as upserting each in turn). */
  async load(collection: string, batches: AsyncIterable<VectorRecord[]>, onBatch?: (written: number) => void): Promise<number> {
    const dimension = await this.require(collection);
    const pool = new WritePool(this.concurrency);
    let written = 0;
    for await (const batch of batches) {
      checkRecords(this.name, collection, dimension, batch);
      for (const slice of slices(batch, this.batchSize)) {
        await pool.add(slice.map((r) => r.id), async () => {
          await this.insert(collection, slice);
          written += slice.length;
          onBatch?.(written);
        });
      }
    }
    await pool.drain();
    return written;
  }

  private async insert(collection: string, records: VectorRecord[]): Promise<void> {
    // A batch object with an existing UUID replaces that object: an upsert.
    const result = await this.handle(collection).data.insertMany(records.map((r) => ({
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
