// Deterministic vectors for the vector-store tests and the `vectors` benchmark, and the exact (brute-force)
// filtered search that every store's answers are checked against.
import { rng } from '../../src/providers/synthetic';
import type { VectorQuery, VectorRecord } from '../../src/vectors';
import { cosine } from '../../src/documents/embedders';

export { cosine };

export { rng };

/** Standard normal from two uniforms (Box–Muller). */
function gaussian(next: () => number): number {
  const u = 1 - next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

/** `clusters` random centres; each call returns a centre plus noise, like embeddings of texts on a few topics. */
export function clusterSampler(dimension: number, clusters: number, seed: number, spread = 0.35): () => number[] {
  const next = rng(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dimension }, () => gaussian(next)));
  return () => centres[Math.floor(next() * clusters)].map((x) => x + spread * gaussian(next));
}

export function clusteredVectors(count: number, dimension: number, clusters: number, seed: number, spread = 0.35): number[][] {
  const sample = clusterSampler(dimension, clusters, seed, spread);
  return Array.from({ length: count }, sample);
}

export function matches(r: VectorRecord, q: Omit<VectorQuery, 'vector' | 'k'>): boolean {
  if (q.symbols && !q.symbols.includes(r.symbol)) return false;
  if (q.asOf && r.publishedAt.getTime() > q.asOf.getTime()) return false;
  for (const [k, v] of Object.entries(q.metadata ?? {})) if (r.metadata?.[k] !== v) return false;
  return true;
}

/** The true top k under the query's filters, best first: what a store's answer is measured against. */
export function exactTopK(records: VectorRecord[], q: VectorQuery): Array<{ id: string; score: number }> {
  return records
    .filter((r) => matches(r, q))
    .map((r) => ({ id: r.id, score: cosine(r.vector, q.vector) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, q.k);
}

/** Share of the exact top k that the store returned. */
export function recallAtK(exact: Array<{ id: string }>, got: Array<{ id: string }>): number {
  if (exact.length === 0) return 1;
  const ids = new Set(got.map((h) => h.id));
  return exact.filter((e) => ids.has(e.id)).length / exact.length;
}
