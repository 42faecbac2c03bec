// Search over chunks: the query's vector against a store (point in time inside the store's own filter), optionally
// fused with PostgreSQL's full-text ranking by reciprocal rank fusion; texts and documents come from PostgreSQL.
import type { ChunkHit, DocumentRepository } from '../repositories/document-repository';
import type { VectorStore } from '../vectors/store';
import type { Embedder } from './embedders';

/** Cormack, Clarke & Büttcher (SIGIR 2009): k = 60 damps the weight of the very first ranks. */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion: score(d) = Σ over lists of 1 / (k + rank of d in that list), ranks from 1. Ties keep the
 * order of first appearance (the first list's order first).
 */
export function reciprocalRankFusion(lists: string[][], k = RRF_K): { id: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const list of lists) list.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1)));
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}

export interface SearchRequest {
  query: string;
  k: number;
  symbols?: string[];
  asOf?: Date;
  /** Fuse full-text ranking with vector similarity. */
  hybrid?: boolean;
}

export interface SearchResult extends ChunkHit {
  /** Cosine similarity (vector search) or the fused RRF score (hybrid). */
  score: number;
  /** Cosine similarity from the store, when the chunk was among its hits. */
  similarity: number | null;
  /** 1-based rank in the full-text list, when the chunk was in it (hybrid). */
  textRank: number | null;
}

export interface SearchDeps {
  repo: DocumentRepository;
  store: VectorStore;
  collection: string;
  embedder: Embedder;
}

export async function searchChunks(deps: SearchDeps, req: SearchRequest): Promise<SearchResult[]> {
  const [vector] = await deps.embedder.embed([req.query]);
  // Hybrid asks both sides for more than k, so a chunk ranked well by one and fair by the other can surface.
  const depth = req.hybrid ? Math.max(req.k * 4, 20) : req.k;
  const hits = await deps.store.query(deps.collection, { vector, k: depth, symbols: req.symbols, asOf: req.asOf });
  const similarity = new Map(hits.map((h) => [h.id, h.score]));
  if (!req.hybrid) {
    const chunks = await deps.repo.chunksByIds(hits.map((h) => h.id));
    return chunks.map((c) => ({ ...c, score: similarity.get(c.chunkId)!, similarity: similarity.get(c.chunkId)!, textRank: null }));
  }
  const text = await deps.repo.fullTextSearch(req.query, { symbols: req.symbols, asOf: req.asOf, limit: depth });
  const textRank = new Map(text.map((t, i) => [t.chunkId, i + 1]));
  const fused = reciprocalRankFusion([hits.map((h) => h.id), text.map((t) => t.chunkId)]).slice(0, req.k);
  const chunks = await deps.repo.chunksByIds(fused.map((f) => f.id));
  const score = new Map(fused.map((f) => [f.id, f.score]));
  return chunks.map((c) => ({ ...c, score: score.get(c.chunkId)!, similarity: similarity.get(c.chunkId) ?? null, textRank: textRank.get(c.chunkId) ?? null }));
}
