// The vector stores' public surface: pick a store by name, name a collection after its model, rebuild a store from
// PostgreSQL's chunks and reconcile it against them. Each backend is its own module, loaded only when opened.
import crypto from 'node:crypto';
import type { Config } from '../config';
import { ConfigError } from '../contracts/errors';
import type { VectorRecord, VectorStore } from './store';

export type { VectorStore, VectorRecord, VectorQuery, VectorHit } from './store';

export const STORE_NAMES = ['lancedb', 'pgvector', 'chroma', 'weaviate', 'pinecone'] as const;
export type StoreName = (typeof STORE_NAMES)[number];

export interface VectorStoreSettings {
  lancedbDir: string;
  pgvectorUrl?: string;
  chromaUrl?: string;
  weaviateUrl?: string;
  /** gRPC port of the Weaviate at weaviateUrl (its client queries over gRPC). @default 50051 */
  weaviateGrpcPort?: number;
  pineconeUrl?: string;
  pineconeApiKey?: string;
}

export function vectorStoreSettings(config: Config): VectorStoreSettings {
  const v = config.vectors;
  return {
    lancedbDir: v.lancedbDir,
    pgvectorUrl: v.pgvectorUrl,
    chromaUrl: v.chromaUrl,
    weaviateUrl: v.weaviateUrl,
    weaviateGrpcPort: v.weaviateGrpcPort,
    pineconeUrl: v.pineconeUrl,
    pineconeApiKey: v.pineconeApiKey,
  };
}

function required(value: string | undefined, variable: string, store: StoreName): string {
  if (!value) throw new ConfigError(`the ${store} vector store needs ${variable}`, [`${variable}: not set`]);
  return value;
}

export async function openVectorStore(name: StoreName, settings: VectorStoreSettings): Promise<VectorStore> {
  switch (name) {
    case 'lancedb': {
      const { LanceDbStore } = await import('./lancedb-store');
      return new LanceDbStore({ dir: settings.lancedbDir });
    }
    case 'pgvector': {
      const url = required(settings.pgvectorUrl, 'PGVECTOR_URL', name);
      const [{ PgvectorStore }, { pgPoolClient, pgliteClient }] = await Promise.all([import('./pgvector-store'), import('./sql-clients')]);
      // `pglite:<folder>`: PostgreSQL + pgvector in-process (WASM), for a machine without a server.
      const client = url.startsWith('pglite:') ? await pgliteClient(url.slice('pglite:'.length) || undefined) : pgPoolClient(url);
      return new PgvectorStore(client);
    }
    case 'chroma': {
      const { ChromaStore } = await import('./chroma-store');
      return new ChromaStore(required(settings.chromaUrl, 'CHROMA_URL', name));
    }
    case 'weaviate': {
      const { WeaviateStore } = await import('./weaviate-store');
      return WeaviateStore.connect(required(settings.weaviateUrl, 'WEAVIATE_URL', name), settings.weaviateGrpcPort ?? 50051);
    }
    case 'pinecone': {
      const { PineconeStore } = await import('./pinecone-store');
      return new PineconeStore(required(settings.pineconeUrl, 'PINECONE_INDEX_URL', name), required(settings.pineconeApiKey, 'PINECONE_API_KEY', name));
    }
  }
  throw new ConfigError(`unknown vector store ${JSON.stringify(name)} (known: ${STORE_NAMES.join(', ')})`, [`store: ${name}`]);
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');

/**
 * `c_<model>_<version>_<dimension>` in the one alphabet every store accepts (lowercase, digits, `_`, ≤ 63
 * characters; see records.ts). A long name keeps its head and gains a hash of the whole, so it stays unique.
 */
export function collectionName(model: string, modelVersion: string, dimension: number): string {
  const name = `c_${slug(model)}_${slug(modelVersion)}_${dimension}`;
  if (name.length <= 63) return name;
  const hash = crypto.createHash('sha256').update(`${model}\0${modelVersion}\0${dimension}`).digest('hex').slice(0, 10);
  return `${name.slice(0, 52).replace(/_+$/, '')}_${hash}`;
}

/** Upserts the batches through the store's bulk path when it has one, else batch by batch; returns records written. */
export function loadStore(store: VectorStore, collection: string, batches: AsyncIterable<VectorRecord[]>,
  onBatch?: (written: number) => void): Promise<number> {
  return store.load ? store.load(collection, batches, onBatch) : upsertBatches(store, collection, batches, onBatch);
}

/** Upserts the batches one by one (each store call indexes as it goes); returns records written. */
export async function upsertBatches(store: VectorStore, collection: string, batches: AsyncIterable<VectorRecord[]>,
  onBatch?: (written: number) => void): Promise<number> {
  let written = 0;
  for await (const batch of batches) {
    await store.upsert(collection, batch);
    written += batch.length;
    onBatch?.(written);
  }
  return written;
}

/** Drops the collection and rebuilds it from the batches (PostgreSQL's chunks, the source of truth). */
export async function reindexStore(store: VectorStore, collection: string, dimension: number,
  batches: AsyncIterable<VectorRecord[]>, onBatch?: (written: number) => void): Promise<{ written: number }> {
  await store.dropCollection(collection);
  await store.ensureCollection(collection, dimension);
  return { written: await loadStore(store, collection, batches, onBatch) };
}

/** Ids PostgreSQL expects in the collection against those the store holds (like lineage reconcile). */
export async function reconcileStore(store: VectorStore, collection: string, expectedIds: Iterable<string>):
Promise<{ store: string; collection: string; expected: number; actual: number; missing: string[]; extra: string[] }> {
  const expected = new Set(expectedIds);
  const actual = new Set(await store.ids(collection));
  const missing = [...expected].filter((id) => !actual.has(id)).sort();
  const extra = [...actual].filter((id) => !expected.has(id)).sort();
  return { store: store.name, collection, expected: expected.size, actual: actual.size, missing, extra };
}
