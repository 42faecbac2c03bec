// The demo's documents step: ingests the bundled filings (data/documents) with the default embedder into the
// embedded LanceDB store, then prints the top hits of one point-in-time search beside the pipeline summary.
import crypto from 'node:crypto';
import { searchChunks } from '../documents/search';
import { createEmbedder } from '../documents/setup';
import { DocumentRepository } from '../repositories/document-repository';
import type { Runtime } from '../runtime';
import { collectionName, openVectorStore, vectorStoreSettings } from '../vectors';
import { ingestDocuments } from '../../workflows';
import { out } from './context';
import { startAndFollow } from './follow';

export const DEMO_QUERY = 'Macintosh sales and new products';
/** Before NVIDIA's 2026 8-K: a model predicting at the end of 2000 must not read it. */
export const DEMO_AS_OF = new Date('2000-12-31T23:59:59Z');

export async function runDemoDocuments(rt: Runtime, noWorker: boolean): Promise<number> {
  const input = { source: { kind: 'folder', path: rt.config.documents.bundledDir }, stores: ['lancedb'] };
  const code = await startAndFollow({
    rt, workflow: ingestDocuments, input, workflowId: `tickflow-docs-demo-${crypto.randomUUID().slice(0, 8)}`, json: false, wait: true, noWorker,
    summary: (s) => `\n✓ documents (data/documents)\n  ingested        ${s.documents.written} new, ${s.documents.unchanged} unchanged; ${s.documents.chunks} chunks; ${s.embeddings.embedded} embedded by ${s.embeddings.model}@${s.embeddings.version}\n  quality         ${s.quality.failed.length ? `FAILED ${s.quality.failed.join(', ')}` : `PASS: ${s.quality.rules.length}/${s.quality.rules.length} rules`}`,
  });
  if (code !== 0) return code;
  const embedder = createEmbedder(rt.config);
  const store = await openVectorStore('lancedb', vectorStoreSettings(rt.config));
  try {
    const hits = await searchChunks(
      { repo: new DocumentRepository(rt.dataSource), store, collection: collectionName(embedder.model, embedder.version, embedder.dimension), embedder },
      { query: DEMO_QUERY, k: 3, asOf: DEMO_AS_OF, hybrid: true },
    );
    out(`  search          "${DEMO_QUERY}" as of ${DEMO_AS_OF.toISOString().slice(0, 10)} (hybrid, lancedb):`);
    for (const [i, h] of hits.entries()) {
      out(`    ${i + 1}. ${h.symbol} ${h.formType ?? ''} ${h.publishedAt.toISOString().slice(0, 10)}  score ${h.score.toFixed(4)}  "${h.text.replace(/\s+/g, ' ').slice(0, 70)}…"`);
    }
  } finally {
    await store.close();
  }
  return 0;
}
