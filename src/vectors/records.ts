// Checks and encodings every backend shares, so a bad record or query fails the same way in each store and the
// stores agree on what a collection name and a metadata filter mean.
import { CollectionNotFoundError, InputError } from '../contracts/errors';
import type { VectorQuery, VectorRecord } from './store';

/** One rule for every backend: lowercase letter first, then lowercase letters, digits and `_`, at most 63 characters. */
const COLLECTION_NAME = /^[a-z][a-z0-9_]{0,62}$/;

export function assertCollectionName(store: string, collection: string): void {
  if (!COLLECTION_NAME.test(collection)) {
    throw new InputError(`collection name ${JSON.stringify(collection)} must match ${COLLECTION_NAME} (use collectionName())`, store);
  }
}

function assertVector(where: string, vector: unknown, dimension: number): void {
  if (!Array.isArray(vector)) throw new InputError('vector is not an array of numbers', where);
  if (vector.length !== dimension) {
    throw new InputError(`vector has dimension ${vector.length}, the collection holds dimension ${dimension}`, where);
  }
  let norm = 0;
  for (const x of vector) {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new InputError(`vector holds a non-finite value (${x})`, where);
    norm += x * x;
  }
  // Cosine similarity is undefined for a zero vector.
  if (norm === 0) throw new InputError('vector is all zeros (cosine similarity is undefined)', where);
}

/** Throws InputError naming the store, collection and record id of the first record that cannot be stored. */
export function checkRecords(store: string, collection: string, dimension: number, records: VectorRecord[]): void {
  const seen = new Set<string>();
  for (const r of records) {
    const where = `${store} ${collection} record ${JSON.stringify(r.id)}`;
    if (typeof r.id !== 'string' || r.id.length === 0) throw new InputError('record id must be a non-empty string', `${store} ${collection}`);
    if (seen.has(r.id)) throw new InputError('record id appears twice in one upsert', where);
    seen.add(r.id);
    assertVector(where, r.vector, dimension);
    if (!(r.publishedAt instanceof Date) || Number.isNaN(r.publishedAt.getTime())) throw new InputError('publishedAt is not a valid Date', where);
    if (!r.symbol) throw new InputError('symbol is empty', where);
    if (!Number.isInteger(r.chunkIndex) || r.chunkIndex < 0) throw new InputError(`chunkIndex ${r.chunkIndex} is not a non-negative integer`, where);
    for (const [key, value] of Object.entries(r.metadata ?? {})) assertMetadataEntry(where, key, value);
  }
}

export function checkQuery(store: string, collection: string, dimension: number, query: VectorQuery): void {
  const where = `${store} ${collection} query`;
  assertVector(where, query.vector, dimension);
  if (!Number.isInteger(query.k) || query.k < 1 || query.k > 1000) throw new InputError(`k=${query.k} must be an integer in 1..1000`, where);
  if (query.asOf !== undefined && (!(query.asOf instanceof Date) || Number.isNaN(query.asOf.getTime()))) {
    throw new InputError('asOf is not a valid Date', where);
  }
  if (query.symbols !== undefined && !Array.isArray(query.symbols)) throw new InputError('symbols must be an array', where);
  for (const [key, value] of Object.entries(query.metadata ?? {})) assertMetadataEntry(where, key, value);
}

const METADATA_KEY = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

function assertMetadataEntry(where: string, key: string, value: unknown): void {
  if (!METADATA_KEY.test(key)) throw new InputError(`metadata key ${JSON.stringify(key)} must match ${METADATA_KEY}`, where);
  const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
  if (!ok) throw new InputError(`metadata ${key} must be a string, finite number or boolean`, where);
}

/** The error every store throws when a collection exists with another dimension than the one asked for. */
export function dimensionMismatch(store: string, collection: string, existing: number, asked: number): InputError {
  return new InputError(
    `collection exists with dimension ${existing}, asked for dimension ${asked} (a new model or dimension needs a new collection)`,
    `${store} ${collection}`,
  );
}

export function unknownCollection(store: string, collection: string): CollectionNotFoundError {
  return new CollectionNotFoundError(store, collection);
}

/** A collection's entry as a store looked it up, or the error naming it when there is none. */
export function requireCollection<T>(store: string, collection: string, entry: T | undefined): T {
  if (entry === undefined) throw unknownCollection(store, collection);
  return entry;
}

/**
 * ensureCollection's check: true when the collection already exists with this dimension (nothing to create), false
 * when it does not exist; a different dimension is refused (a new model or dimension is a new collection).
 */
export function existsWithDimension(store: string, collection: string, existing: number | undefined, dimension: number): boolean {
  if (existing === undefined) return false;
  if (existing !== dimension) throw dimensionMismatch(store, collection, existing, dimension);
  return true;
}

/**
 * Metadata as `key=<JSON value>` tags for stores whose filters work best on one string-list field (LanceDB,
 * Weaviate): an equality filter becomes "the list contains this tag", and 5 and "5" stay different values.
 */
export function metadataTags(metadata: Record<string, string | number | boolean> | undefined): string[] {
  return Object.entries(metadata ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
}

/** User metadata keys get this prefix in stores with one flat metadata map, so they never collide with ours. */
export const METADATA_PREFIX = 'm_';

/** A record's fields as one flat metadata map (ChromaDB, Pinecone): publication time as integer epoch ms. */
export function flatMetadata(r: VectorRecord): Record<string, string | number | boolean> {
  return {
    ...Object.fromEntries(Object.entries(r.metadata ?? {}).map(([k, v]) => [`${METADATA_PREFIX}${k}`, v])),
    symbol: r.symbol,
    published_ms: r.publishedAt.getTime(),
    document_id: r.documentId,
    chunk_index: r.chunkIndex,
  };
}

/** Splits `items` into slices of at most `size`. */
export function* slices<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
