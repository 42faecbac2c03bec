// The ingest stages over PostgreSQL, shared by the workflow's activities, the demo and the benchmark:
// documents (extract → hash → new version + chunks, or nothing when unchanged), embeddings (chunks without a vector
// under the model, in id order: a cursor that resumes), and a store's index (made equal to PostgreSQL's rows).
import crypto from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { IngestSourceResult } from '../contracts/documents';
import { DerivedStalenessRepository } from '../repositories/derived-staleness-repository';
import type { DocumentRepository, QuarantinedDocument } from '../repositories/document-repository';
import { loadStore, upsertBatches } from '../vectors';
import type { VectorStore } from '../vectors/store';
import { chunkText, countTokens, type ChunkOptions } from './chunk';
import type { Embedder } from './embedders';
import { extractText } from './extract';
import type { DocumentSource, RawDocument, SourceItem } from './sources';

/** The counts of one ingest (the activity's result). */
export type DocumentCounts = IngestSourceResult;

export const emptyCounts = (): DocumentCounts => ({ received: 0, written: 0, revised: 0, unchanged: 0, quarantined: 0, chunks: 0, symbols: [] });

export const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

export interface IngestHooks {
  /** Items already committed by an earlier attempt (skipped, their counts are in `resume.counts`). */
  resume?: { done: number; counts: DocumentCounts };
  /** After each committed batch: items done and the counts so far (heartbeat them). */
  onCommit?: (done: number, counts: DocumentCounts) => void;
  /** Runs inside the last batch's transaction (the lineage row). */
  inLastTransaction?: (em: EntityManager, counts: DocumentCounts) => Promise<void>;
  /** Documents per transaction. @default 10 */
  batch?: number;
}

/** Stores one document read from a source: nothing when its text is unchanged, a new version otherwise. */
async function storeDocument(em: EntityManager, repo: DocumentRepository, doc: RawDocument, chunking: ChunkOptions, pipelineRunId: string | null, counts: DocumentCounts,
  changedFrom: Map<string, Date>): Promise<QuarantinedDocument | null> {
  let text: string;
  let format: string;
  try {
    ({ text, format } = extractText(doc.fileName, doc.body));
  } catch (e) {
    return { source: doc.source, location: doc.link, symbol: doc.symbol, reason: `text extraction failed: ${(e as Error).message}`, excerpt: doc.body.slice(0, 200) };
  }
  if (!/[\p{L}\p{N}]/u.test(text)) return { source: doc.source, location: doc.link, symbol: doc.symbol, reason: 'empty: no text after extraction', excerpt: doc.body.slice(0, 200) || null };
  const contentHash = sha256(text);
  const current = await repo.current(em, doc.key);
  if (current?.contentHash === contentHash) {
    counts.unchanged++;
    return null;
  }
  // Every token lands in a chunk: a long filing is many chunks, never a cut one.
  const chunks = chunkText(text, chunking);
  await repo.insertVersion(em, {
    documentKey: doc.key, symbol: doc.symbol, publishedAt: doc.publishedAt, source: doc.source, formType: doc.formType, title: doc.title, link: doc.link,
    contentHash, format, text, tokens: countTokens(text),
  }, chunks, pipelineRunId);
  counts.written++;
  if (current) counts.revised++;
  // Features read documents by publication time: the symbol's rows from the earlier of old and new dates are stale.
  const from = current && current.publishedAt < doc.publishedAt ? current.publishedAt : doc.publishedAt;
  const known = changedFrom.get(doc.symbol);
  if (!known || from < known) changedFrom.set(doc.symbol, from);
  counts.chunks += chunks.length;
  return null;
}

/** Reads a source into document versions and chunks, `batch` documents per transaction. */
export async function ingestSource(ds: DataSource, repo: DocumentRepository, source: DocumentSource, options: { pipelineRunId: string | null; chunking?: ChunkOptions }, hooks: IngestHooks = {}): Promise<DocumentCounts> {
  const counts: DocumentCounts = hooks.resume ? structuredClone(hooks.resume.counts) : emptyCounts();
  const staleness = new DerivedStalenessRepository(ds);
  const symbols = new Set(counts.symbols);
  const skip = hooks.resume?.done ?? 0;
  const batchSize = hooks.batch ?? 10;
  let pending: SourceItem[] = [];
  let index = 0;
  const flush = async (last: boolean) => {
    await ds.transaction(async (em) => {
      const quarantine: QuarantinedDocument[] = [];
      const changedFrom = new Map<string, Date>();
      for (const item of pending) {
        counts.received++;
        if ('unreadable' in item) quarantine.push({ source: source.name, ...item.unreadable });
        else if ('stored' in item) {
          // Committed earlier (this run's killed attempt or an earlier ingest): an EDGAR filing never changes.
          symbols.add(item.stored.symbol);
          counts.unchanged++;
        } else {
          symbols.add(item.document.symbol);
          const bad = await storeDocument(em, repo, item.document, options.chunking ?? {}, options.pipelineRunId, counts, changedFrom);
          if (bad) quarantine.push(bad);
        }
      }
      counts.quarantined += await repo.quarantine(em, quarantine, options.pipelineRunId);
      // Derived data follows its inputs, in the transaction that changed them (documents have no interval).
      await staleness.markInputChanged(em, 'document', null, changedFrom, options.pipelineRunId);
      counts.symbols = [...symbols].sort();
      if (last) await hooks.inLastTransaction?.(em, counts);
    });
    hooks.onCommit?.(index, counts);
    pending = [];
  };
  for await (const item of source.items()) {
    index++;
    if (index <= skip) continue;
    pending.push(item);
    if (pending.length >= batchSize) await flush(false);
  }
  await flush(true);
  return counts;
}

export interface EmbedCounts {
  embedded: number;
  /** The last chunk id embedded (the cursor). */
  lastChunkId: string;
}

/** A vector the model produced that no store may hold: wrong dimension or a non-finite component. */
export function invalidVector(v: number[], dimension: number): string | null {
  if (v.length !== dimension) return `has ${v.length} dimensions, the model has ${dimension}`;
  const bad = v.findIndex((x) => !Number.isFinite(x));
  return bad >= 0 ? `component ${bad} is ${v[bad]}` : null;
}

/**
 * Embeds every current chunk without a vector under the embedder's model version, in chunk-id order, committing
 * each batch. Resumes after `afterId`; `onBatch` gets the cursor after each commit.
 */
export async function embedPending(ds: DataSource, repo: DocumentRepository, embedder: Embedder, options: {
  pipelineRunId: string | null; symbols?: string[]; afterId?: string; onBatch?: (c: EmbedCounts) => void; inLastTransaction?: (em: EntityManager, c: EmbedCounts) => Promise<void>;
}): Promise<EmbedCounts> {
  const stored = await repo.ensureModel(undefined, embedder.model, embedder.version, embedder.dimension);
  if (stored !== embedder.dimension) throw new Error(`embedding model ${embedder.model}@${embedder.version} is registered with ${stored} dimensions, the embedder returns ${embedder.dimension}`);
  const counts: EmbedCounts = { embedded: 0, lastChunkId: options.afterId ?? '0' };
  for (;;) {
    const chunks = await repo.chunksToEmbed(embedder.model, embedder.version, options.symbols, counts.lastChunkId, embedder.batchSize);
    const vectors = await embedder.embed(chunks.map((c) => c.text));
    vectors.forEach((v, i) => {
      const bad = invalidVector(v, embedder.dimension);
      if (bad) throw new Error(`${embedder.model}@${embedder.version}: the vector of chunk ${chunks[i].id} ${bad}`);
    });
    const last = chunks.length < embedder.batchSize;
    await ds.transaction(async (em) => {
      counts.embedded += await repo.insertEmbeddings(em, embedder.model, embedder.version, chunks.map((c, i) => ({ chunkId: c.id, vector: vectors[i] })), options.pipelineRunId);
      if (chunks.length) counts.lastChunkId = chunks[chunks.length - 1].id;
      if (last) await options.inLastTransaction?.(em, counts);
    });
    options.onBatch?.(counts);
    if (last) return counts;
  }
}

/** Fewer missing rows than this are upserted batch by batch (a bulk load rebuilds the store's whole index). */
const BULK_LOAD_MIN = 1000;

export interface IndexCounts {
  expected: number;
  upserted: number;
  deleted: number;
}

/**
 * Makes a store's collection hold exactly PostgreSQL's current embedded chunks of one model version: deletes what
 * it has extra (superseded versions), upserts what it lacks. Idempotent, so a retry or a crash in between heals.
 */
export async function syncStoreIndex(repo: DocumentRepository, store: VectorStore, embedder: { model: string; version: string; dimension: number }, collection: string, onBatch?: (done: number) => void): Promise<IndexCounts> {
  await store.ensureCollection(collection, embedder.dimension);
  const expected = await repo.indexedChunkIds(embedder.model, embedder.version);
  const expectedSet = new Set(expected);
  const actual = new Set(await store.ids(collection));
  const extra = [...actual].filter((id) => !expectedSet.has(id));
  if (extra.length) await store.delete(collection, extra);
  const missing = expected.filter((id) => !actual.has(id));
  const records = repo.vectorRecords(embedder.model, embedder.version, { ids: missing });
  // Adding at least as many rows as the collection keeps: one bulk load (one index build) beats row-wise inserts.
  const bulk = missing.length >= Math.max(BULK_LOAD_MIN, actual.size - extra.length);
  const upserted = bulk ? await loadStore(store, collection, records, onBatch) : await upsertBatches(store, collection, records, onBatch);
  return { expected: expected.length, upserted, deleted: extra.length };
}
