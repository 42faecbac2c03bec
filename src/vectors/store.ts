// The one interface every vector backend implements (LanceDB, pgvector, ChromaDB, Weaviate, Pinecone).
// PostgreSQL's document_chunk rows are the source of truth; a store holds a derived, rebuildable index of them.
// Point in time is part of the query: a store must apply `asOf` (published_at <= asOf) inside its own filter,
// never by filtering hits afterwards (that returns fewer than k).

/** One embedded chunk as a store keeps it. `id` is the chunk's stable id from PostgreSQL. */
export interface VectorRecord {
  id: string;
  vector: number[];
  symbol: string;
  publishedAt: Date;
  documentId: string;
  chunkIndex: number;
  /** Small scalar metadata a query may filter on (e.g. form type, source). */
  metadata?: Record<string, string | number | boolean>;
}

export interface VectorQuery {
  vector: number[];
  k: number;
  /** Only chunks of these symbols (any when absent). */
  symbols?: string[];
  /** Only chunks published at or before this instant (point in time). */
  asOf?: Date;
  /** Equality filters on metadata keys. */
  metadata?: Record<string, string | number | boolean>;
}

export interface VectorHit {
  id: string;
  /** Cosine similarity in [-1, 1]; higher is closer. */
  score: number;
  symbol: string;
  publishedAt: Date;
  documentId: string;
  chunkIndex: number;
}

/**
 * A collection holds the vectors of one embedding model version (its name is derived from it), so a new model
 * version is a new collection, never an overwrite.
 */
export interface VectorStore {
  readonly name: string;
  ensureCollection(collection: string, dimension: number): Promise<void>;
  upsert(collection: string, records: VectorRecord[]): Promise<void>;
  /**
   * A bulk upsert of many batches (a reindex, or a sync adding at least as many rows as the collection holds), for
   * stores that index faster in one pass at the end than row by row (pgvector's HNSW build, LanceDB's index
   * training). Same result as upserting each batch; returns the records written. Absent: callers upsert per batch.
   */
  load?(collection: string, batches: AsyncIterable<VectorRecord[]>, onBatch?: (written: number) => void): Promise<number>;
  delete(collection: string, ids: string[]): Promise<void>;
  query(collection: string, query: VectorQuery): Promise<VectorHit[]>;
  count(collection: string): Promise<number>;
  /** Every id in the collection (for reconcile against PostgreSQL). */
  ids(collection: string): Promise<string[]>;
  dropCollection(collection: string): Promise<void>;
  close(): Promise<void>;
}
