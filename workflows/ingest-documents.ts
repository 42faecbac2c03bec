// ingestDocuments: a source's documents → versions and chunks in PostgreSQL → embeddings → each vector store's
// index → the document quality rules. Deterministic: all I/O is in activities; each long one heartbeats a cursor
// and resumes from it.
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import { ingestDocumentsInputSchema, type IngestDocumentsSummary } from '../src/contracts/documents';
import type { Activities } from '../activities';
import { bookkeeping, documentEmbedding, resumableBatch, sqlBatch } from './activity-profiles';
import { parseWorkflowInput } from './pipeline-input';
import { recordFailedRun } from './run-record';

const book = proxyActivities<Activities>(bookkeeping);
const resumable = proxyActivities<Activities>(resumableBatch);
const embedding = proxyActivities<Activities>(documentEmbedding);
const sql = proxyActivities<Activities>(sqlBatch);

export async function ingestDocuments(rawInput: unknown): Promise<IngestDocumentsSummary> {
  const input = parseWorkflowInput(ingestDocumentsInputSchema, rawInput, 'ingestDocuments');
  const pipelineRunId = await book.startPipelineRun(input);
  const counts: Record<string, number> = {};
  try {
    const documents = await resumable.ingestDocumentSource({ pipelineRunId, source: input.source, symbols: input.symbols });
    Object.assign(counts, { documents: documents.written, unchanged: documents.unchanged, quarantined: documents.quarantined, chunks: documents.chunks });
    // The chunks this ingest covers (its lineage output is exactly this input).
    const symbols = input.symbols ?? (documents.symbols.length ? documents.symbols : undefined);
    const embeddings = await embedding.embedDocumentChunks({ pipelineRunId, embedder: input.embedder, symbols });
    counts.embedded = embeddings.embedded;
    const stores = [];
    for (const store of input.stores) stores.push(await resumable.indexDocumentStore({ pipelineRunId, store, embedder: input.embedder }));
    const quality = await sql.checkDocumentQuality({ pipelineRunId, embedder: input.embedder, stores: input.stores });
    if (quality.failed.length) {
      throw ApplicationFailure.nonRetryable(`document quality rules failed: ${quality.failed.join(', ')}`, 'QualityGateError');
    }
    await book.finishPipelineRun({ pipelineRunId, status: 'completed', counts });
    return { pipelineRunId, documents, embeddings, stores, quality };
  } catch (err) {
    await recordFailedRun(book.finishPipelineRun, pipelineRunId, counts, err);
    throw err;
  }
}
