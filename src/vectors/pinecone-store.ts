// Pinecone over its HTTP data-plane API (API version 2025-01): one index (its host is the base URL) holds every
// collection as a namespace; the index's dimension is fixed when it is created in Pinecone's console or control
// plane, so ensureCollection checks it. Filters go in the query's `filter` ($in, $lte, $eq), which Pinecone applies
// during the search (single-stage filtering), so a point-in-time query returns k rows whenever k are eligible.
// There is no local Pinecone: tests run this module against test/helpers/pinecone-fake.ts.
import { InputError, ServiceUnavailableError } from '../contracts/errors';
import { assertCollectionName, checkQuery, checkRecords, dimensionMismatch, flatMetadata, METADATA_PREFIX, slices, unknownCollection } from './records';
import type { VectorHit, VectorQuery, VectorRecord, VectorStore } from './store';

export const PINECONE_API_VERSION = '2025-01';

export function pineconeFilter(query: Pick<VectorQuery, 'symbols' | 'asOf' | 'metadata'>): Record<string, unknown> | undefined {
  const clauses: Record<string, unknown>[] = [];
  if (query.symbols) clauses.push({ symbol: { $in: query.symbols } });
  if (query.asOf) clauses.push({ published_ms: { $lte: query.asOf.getTime() } });
  for (const [k, v] of Object.entries(query.metadata ?? {})) clauses.push({ [`${METADATA_PREFIX}${k}`]: { $eq: v } });
  if (clauses.length === 0) return undefined;
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
}

interface StoredMetadata {
  symbol: string;
  published_ms: number;
  document_id: string;
  chunk_index: number;
}

export class PineconeStore implements VectorStore {
  readonly name = 'pinecone';
  private dimension: number | undefined;
  /** Namespaces seen holding vectors (a query checks once that its namespace exists: Pinecone answers no matches). */
  private readonly present = new Set<string>();

  /** `indexUrl`: the index host, e.g. https://my-index-abc123.svc.us-east-1.pinecone.io. The key is a secret. */
  constructor(private readonly indexUrl: string, private readonly apiKey: string) {}

  private async call<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
    const url = new URL(route, this.indexUrl);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { 'Api-Key': this.apiKey, 'X-Pinecone-API-Version': PINECONE_API_VERSION, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new ServiceUnavailableError('Pinecone', `${method} ${url.pathname}: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      // 4xx other than 429 is our request's fault (bad key, bad filter): not worth a retry. The key is never echoed.
      const message = `${method} ${url.pathname} answered ${res.status}: ${text.slice(0, 300)}`;
      if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new InputError(message, 'pinecone');
      throw new ServiceUnavailableError('Pinecone', message);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  private async stats(): Promise<{ dimension: number; namespaces: Record<string, { vectorCount: number }> }> {
    const s = await this.call<{ dimension: number; namespaces?: Record<string, { vectorCount: number }> }>('POST', '/describe_index_stats', {});
    this.dimension = s.dimension;
    return { dimension: s.dimension, namespaces: s.namespaces ?? {} };
  }

  private async indexDimension(): Promise<number> {
    return this.dimension ?? (await this.stats()).dimension;
  }

  async ensureCollection(collection: string, dimension: number): Promise<void> {
    assertCollectionName(this.name, collection);
    const existing = await this.indexDimension();
    // Namespaces appear on first upsert; the index's dimension is the one every namespace holds.
    if (existing !== dimension) throw dimensionMismatch(this.name, collection, existing, dimension);
  }

  async upsert(collection: string, records: VectorRecord[]): Promise<void> {
    assertCollectionName(this.name, collection);
    checkRecords(this.name, collection, await this.indexDimension(), records);
    // Pinecone's documented batch limit is 1,000 vectors (and 2 MB) per request.
    for (const slice of slices(records, 100)) {
      // Stats are eventually consistent: what we wrote exists, whatever describe_index_stats says yet.
      this.present.add(collection);
      await this.call('POST', '/vectors/upsert', {
        namespace: collection,
        vectors: slice.map((r) => ({
          id: r.id,
          values: r.vector,
          metadata: flatMetadata(r),
        })),
      });
    }
  }

  async delete(collection: string, ids: string[]): Promise<void> {
    assertCollectionName(this.name, collection);
    for (const slice of slices(ids, 1000)) if (slice.length) await this.call('POST', '/vectors/delete', { namespace: collection, ids: slice });
  }

  async query(collection: string, query: VectorQuery): Promise<VectorHit[]> {
    assertCollectionName(this.name, collection);
    checkQuery(this.name, collection, await this.indexDimension(), query);
    // An absent namespace would answer an empty list, indistinguishable from "nothing matches": say it is missing.
    if (!this.present.has(collection)) {
      if (!(await this.stats()).namespaces[collection]) throw unknownCollection(this.name, collection);
      this.present.add(collection);
    }
    if (query.symbols?.length === 0) return [];
    const filter = pineconeFilter(query);
    const res = await this.call<{ matches?: Array<{ id: string; score: number; metadata?: StoredMetadata }> }>('POST', '/query', {
      namespace: collection, vector: query.vector, topK: query.k, includeMetadata: true, includeValues: false, ...(filter ? { filter } : {}),
    });
    return (res.matches ?? []).map((m) => ({
      id: m.id,
      // The cosine metric's score is the similarity itself.
      score: m.score,
      symbol: m.metadata!.symbol,
      publishedAt: new Date(Number(m.metadata!.published_ms)),
      documentId: m.metadata!.document_id,
      chunkIndex: Number(m.metadata!.chunk_index),
    }));
  }

  async count(collection: string): Promise<number> {
    assertCollectionName(this.name, collection);
    return (await this.stats()).namespaces[collection]?.vectorCount ?? 0;
  }

  async ids(collection: string): Promise<string[]> {
    assertCollectionName(this.name, collection);
    const out: string[] = [];
    let token: string | undefined;
    do {
      const params = new URLSearchParams({ namespace: collection, limit: '100', ...(token ? { paginationToken: token } : {}) });
      const page = await this.call<{ vectors?: Array<{ id: string }>; pagination?: { next?: string } }>('GET', `/vectors/list?${params}`);
      out.push(...(page.vectors ?? []).map((v) => v.id));
      token = page.pagination?.next;
    } while (token);
    return out;
  }

  async dropCollection(collection: string): Promise<void> {
    assertCollectionName(this.name, collection);
    this.present.delete(collection);
    if ((await this.stats()).namespaces[collection]) await this.call('POST', '/vectors/delete', { namespace: collection, deleteAll: true });
  }

  async close(): Promise<void> {}
}
