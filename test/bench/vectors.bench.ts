// Vectors stage: filtered k-NN (k = 10, one symbol + an as-of date) on each real store, at 100,000 chunks of 512-d
// clustered vectors per store (TICKFLOW_BENCH_SCALE scales the count):
//   knn_p50 / knn_p99   query latency; limit: exact filtered search over the same rows in memory (brute force)
//   recall_at_10        share of the exact top 10 the store returned (ratio = recall; target ≥ 0.95)
// Stores: LanceDB (on disk), pgvector (PGlite in-process), ChromaDB (a `chroma run` server), Weaviate (when its
// server binary is in the tool cache). Pinecone is NOT benchmarked: no local Pinecone exists, and its test fake is an
// exact in-memory search whose latency says nothing about Pinecone. Rows go in through the production bulk path
// (loadStore: pgvector's COPY + one HNSW build, LanceDB's one index training), timed and reported as load_rate.
// The docs branch's ingest figure (chunks/s vs the embedder alone) comes from vectors-ingest.ts when present.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { startChromaServer } from '../../src/services/chroma-server';
import { freePort } from '../../src/services/net';
import { findWeaviateServer, startWeaviateServer } from '../../src/services/weaviate-server';
import { ChromaStore } from '../../src/vectors/chroma-store';
import { LanceDbStore } from '../../src/vectors/lancedb-store';
import { PgvectorStore } from '../../src/vectors/pgvector-store';
import { pgliteClient } from '../../src/vectors/sql-clients';
import { loadStore } from '../../src/vectors';
import type { VectorQuery, VectorRecord, VectorStore } from '../../src/vectors/store';
import { WeaviateStore } from '../../src/vectors/weaviate-store';
import { clusterSampler, rng } from '../helpers/vector-data';
import type { BenchContext, BenchResult, BenchStage } from './harness';

const DIM = 512;
const K = 10;
const SYMBOLS = 50;
const QUERIES = 60;
const T0 = Date.UTC(2015, 0, 1);
const SPAN_MS = 5 * 365 * 86_400_000;

/** The corpus, kept once as a Float32 matrix (for the exact search) and streamed to each store in batches. */
interface Corpus { n: number; vectors: Float32Array; symbols: Uint8Array; published: Float64Array }

function makeCorpus(n: number): Corpus {
  const sample = clusterSampler(DIM, 64, 7);
  const next = rng(8);
  const vectors = new Float32Array(n * DIM);
  const symbols = new Uint8Array(n);
  const published = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    vectors.set(sample(), i * DIM);
    symbols[i] = Math.floor(next() * SYMBOLS);
    published[i] = T0 + Math.floor(next() * SPAN_MS);
  }
  return { n, vectors, symbols, published };
}

const symbolName = (s: number) => `S${String(s).padStart(2, '0')}`;

async function* batches(c: Corpus, size = 2000): AsyncGenerator<VectorRecord[]> {
  for (let start = 0; start < c.n; start += size) {
    const out: VectorRecord[] = [];
    for (let i = start; i < Math.min(c.n, start + size); i++) {
      out.push({
        id: `c${i}`, vector: Array.from(c.vectors.subarray(i * DIM, (i + 1) * DIM)), symbol: symbolName(c.symbols[i]),
        publishedAt: new Date(c.published[i]), documentId: `d${Math.floor(i / 8)}`, chunkIndex: i % 8,
      });
    }
    yield out;
  }
}

function makeQueries(c: Corpus): VectorQuery[] {
  const sample = clusterSampler(DIM, 64, 7);
  const next = rng(9);
  // A query near a topic, for one symbol, as of a date in the middle 60% of the span: ~1% of rows are eligible.
  return Array.from({ length: QUERIES }, () => ({
    vector: sample(), k: K, symbols: [symbolName(Math.floor(next() * SYMBOLS))], asOf: new Date(T0 + SPAN_MS * (0.2 + 0.6 * next())),
  }));
}

function exactSearch(c: Corpus, q: VectorQuery): string[] {
  const symbol = Number(q.symbols![0].slice(1));
  const asOf = q.asOf!.getTime();
  let qn = 0;
  for (const x of q.vector) qn += x * x;
  const scored: Array<{ i: number; s: number }> = [];
  for (let i = 0; i < c.n; i++) {
    if (c.symbols[i] !== symbol || c.published[i] > asOf) continue;
    let dot = 0;
    let vn = 0;
    const o = i * DIM;
    for (let d = 0; d < DIM; d++) {
      dot += c.vectors[o + d] * q.vector[d];
      vn += c.vectors[o + d] * c.vectors[o + d];
    }
    scored.push({ i, s: dot / Math.sqrt(qn * vn) });
  }
  return scored.sort((a, b) => b.s - a.s).slice(0, q.k).map((h) => `c${h.i}`);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

function timeAll<T>(fn: (q: VectorQuery) => T | Promise<T>, queries: VectorQuery[]): Promise<{ ms: number[]; results: T[] }> {
  return (async () => {
    const ms: number[] = [];
    const results: T[] = [];
    for (const q of queries) {
      const t0 = process.hrtime.bigint();
      results.push(await fn(q));
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return { ms: ms.sort((a, b) => a - b), results };
  })();
}

interface Backend { name: string; open: () => Promise<{ store: VectorStore; stop: () => Promise<void> }> }

function backends(tmp: string, log: (m: string) => void): Backend[] {
  const list: Backend[] = [
    { name: 'lancedb', open: async () => ({ store: new LanceDbStore({ dir: path.join(tmp, 'lancedb') }), stop: async () => undefined }) },
    { name: 'pgvector', open: async () => ({ store: new PgvectorStore(await pgliteClient()), stop: async () => undefined }) },
    {
      name: 'chroma',
      open: async () => {
        const server = await startChromaServer({ dataDir: path.join(tmp, 'chroma'), port: await freePort() });
        return { store: new ChromaStore(server.url), stop: () => server.stop() };
      },
    },
  ];
  const weaviate = findWeaviateServer(loadConfig().temporal.toolsDir);
  if (weaviate) {
    list.push({
      name: 'weaviate',
      open: async () => {
        const server = await startWeaviateServer({ binary: weaviate, dataDir: path.join(tmp, 'weaviate') });
        return { store: await WeaviateStore.connect(server.url, server.grpcPort), stop: () => server.stop() };
      },
    });
  } else log('weaviate: no server binary in the tool cache (node scripts/bootstrap.js --vector-stores builds it); skipped');
  // TICKFLOW_BENCH_VECTOR_STORES=lancedb,chroma: only these (a full-size pgvector-on-PGlite load takes long).
  const only = process.env.TICKFLOW_BENCH_VECTOR_STORES?.split(',').map((x) => x.trim());
  return only ? list.filter((b) => only.includes(b.name)) : list;
}

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const n = Math.max(2000, Math.round(100_000 * ctx.scale));
  ctx.log(`corpus: ${n} chunks × ${DIM}-d, ${SYMBOLS} symbols, ${QUERIES} queries (k=${K}, one symbol + as-of)`);
  const corpus = makeCorpus(n);
  const queries = makeQueries(corpus);
  const exact = await timeAll((q) => exactSearch(corpus, q), queries);
  const results: BenchResult[] = [];
  ctx.log('pinecone: not benchmarked (no local Pinecone exists; the tests run its adapter against an exact-search fake)');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-vectors-bench-'));
  try {
    for (const backend of backends(tmp, ctx.log)) {
      const { store, stop } = await backend.open();
      try {
        const t0 = Date.now();
        await store.ensureCollection('bench', DIM);
        await loadStore(store, 'bench', batches(corpus));
        const loadSeconds = (Date.now() - t0) / 1000;
        ctx.log(`${backend.name}: loaded ${n} chunks in ${loadSeconds.toFixed(1)} s (${(n / loadSeconds).toFixed(0)} rows/s, index build included)`);
        await store.query('bench', queries[0]); // warm caches and lazy index loads
        const got = await timeAll((q) => store.query('bench', q), queries);
        const recall = got.results.reduce((s, hits, i) => {
          const truth = exact.results[i];
          const ids = new Set(hits.map((h) => h.id));
          return s + (truth.length ? truth.filter((id) => ids.has(id)).length / truth.length : 1);
        }, 0) / queries.length;
        const short = got.results.filter((hits, i) => hits.length < exact.results[i].length).length;
        const p50 = percentile(got.ms, 0.5);
        const p99 = percentile(got.ms, 0.99);
        const limit = 'exact filtered search in memory (brute force, same rows)';
        results.push(
          { name: `vectors.${backend.name}.knn_p50`, value: p50, unit: 'ms', limit, ratio: percentile(exact.ms, 0.5) / p50, note: `${n} chunks` },
          { name: `vectors.${backend.name}.knn_p99`, value: p99, unit: 'ms', limit, ratio: percentile(exact.ms, 0.99) / p99 },
          {
            name: `vectors.${backend.name}.recall_at_10`, value: recall, unit: 'share', limit: 'exact filtered search', ratio: recall,
            note: `target ≥ 0.95${short ? `; ${short} queries returned fewer than k` : ''}`,
          },
          {
            name: `vectors.${backend.name}.load_rate`, value: n / loadSeconds, unit: 'rows/s', limit: 'none (bulk load incl. index build)', ratio: null,
            note: `${n} chunks in ${loadSeconds.toFixed(0)} s`,
          },
        );
        await store.dropCollection('bench');
      } finally {
        await store.close();
        await stop();
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const ingest = path.join(__dirname, 'vectors-ingest.js');
  if (fs.existsSync(ingest)) results.push(...(await (require(ingest) as { ingestFigures: (c: BenchContext) => Promise<BenchResult[]> }).ingestFigures(ctx)));
  return results;
}

export const bench: BenchStage = { stage: 'vectors', run };
