// The ingest figures of the vectors benchmark (the vectors bench calls ingestFigures): chunks per second through the
// whole ingest (extract, chunk, store in PostgreSQL, embed, index into LanceDB) against the embedder alone on the
// same chunk texts, for the default USE-lite model and for the hashing embedder (where the ingest's own cost shows).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/config';
import { HashingEmbedder, UseLiteEmbedder, type Embedder } from '../../src/documents/embedders';
import { embedPending, ingestSource, syncStoreIndex } from '../../src/documents/ingest';
import { FolderSource } from '../../src/documents/sources';
import { DocumentRepository } from '../../src/repositories/document-repository';
import { collectionName, openVectorStore } from '../../src/vectors';
import { measure, type BenchContext, type BenchResult } from './harness';

const bundled = path.join(projectRoot, 'data', 'documents');

/** A folder with the `n` smallest bundled filings (n ≥ 1), so the scale knob shortens the run. */
function corpus(n: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-bench-docs-'));
  const size = (f: string) => fs.statSync(path.join(bundled, f)).size;
  const files = fs.readdirSync(bundled).filter((f) => /^[A-Z]+_.*\.txt$/.test(f)).sort((a, b) => size(a) - size(b)).slice(0, Math.max(1, n));
  for (const f of files) fs.copyFileSync(path.join(bundled, f), path.join(dir, f));
  return dir;
}

async function figure(ctx: BenchContext, embedder: Embedder, name: string, files: number): Promise<BenchResult> {
  const dir = corpus(files);
  const lancedbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-bench-lancedb-'));
  const repo = new DocumentRepository(ctx.ds);
  await ctx.ds.query('TRUNCATE document, document_chunk, document_embedding, embedding_model, document_quarantine CASCADE');
  await embedder.embed(['warm up']); // model load is not ingest throughput
  const store = await openVectorStore('lancedb', { lancedbDir });
  try {
    const whole = await measure(async () => {
      const docs = await ingestSource(ctx.ds, repo, new FolderSource(dir), { pipelineRunId: null });
      await embedPending(ctx.ds, repo, embedder, { pipelineRunId: null });
      await syncStoreIndex(repo, store, embedder, collectionName(embedder.model, embedder.version, embedder.dimension));
      return docs.chunks;
    });
    const texts: string[] = (await ctx.ds.query('SELECT text FROM document_chunk ORDER BY id')).map((r: { text: string }) => r.text);
    const alone = await measure(async () => {
      for (let i = 0; i < texts.length; i += embedder.batchSize) await embedder.embed(texts.slice(i, i + embedder.batchSize));
    });
    const ingestRate = whole.result / whole.seconds;
    const embedRate = texts.length / alone.seconds;
    ctx.log(`${name}: ${whole.result} chunks, ingest ${whole.seconds.toFixed(1)} s, embedder alone ${alone.seconds.toFixed(1)} s`);
    return {
      name, value: ingestRate, unit: 'chunks/s', limit: `${embedder.model} embedder alone (${embedRate.toFixed(1)} chunks/s)`, ratio: ingestRate / embedRate,
      note: `${whole.result} chunks of ${files} filing(s); ratio 1 = ingest costs nothing beyond embedding`,
    };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(lancedbDir, { recursive: true, force: true });
  }
}

export async function ingestFigures(ctx: BenchContext): Promise<BenchResult[]> {
  // USE on the CPU is 0.15-0.5 s a chunk on a shared 2-core machine: the four smallest filings at full scale (28
  // chunks); all five bundled filings (83 chunks) for the hashing embedder.
  return [
    await figure(ctx, new UseLiteEmbedder(), 'vectors.ingest_use_lite', Math.max(1, Math.round(4 * ctx.scale))),
    await figure(ctx, new HashingEmbedder(256), 'vectors.ingest_hashing', Math.max(1, Math.round(5 * ctx.scale))),
  ];
}
