// Document activities: read a source into document versions and chunks, embed the chunks, index them into each
// vector store, check the document quality rules. The long ones commit in batches, heartbeat a cursor and resume
// from it; each writes its DataLineage row in its last transaction (or through lineageStep).
import { Context } from '@temporalio/activity';
import type { EntityManager } from 'typeorm';
import { formatDatasetRef, type DatasetRef } from '../src/contracts/dataset-ref';
import type {
  DocumentQualityArgs, DocumentQualityResult, EmbedChunksArgs, EmbedChunksResult, IndexStoreArgs, IndexStoreResult, IngestSourceArgs, IngestSourceResult,
} from '../src/contracts/documents';
import { InputError } from '../src/contracts/errors';
import { embedPending, ingestSource, syncStoreIndex, type DocumentCounts } from '../src/documents/ingest';
import { chunkingOf, createDocumentSource, createEmbedder } from '../src/documents/setup';
import { DocumentRepository } from '../src/repositories/document-repository';
import { QualityRepository } from '../src/repositories/quality-repository';
import { RunRepository } from '../src/repositories/run-repository';
import { STORE_NAMES, collectionName, openVectorStore, reconcileStore, vectorStoreSettings, type StoreName } from '../src/vectors';
import type { ActivityDeps } from './deps';
import { lineageStep } from './lineage-step';

/** Lineage names "every symbol" when a run was not limited to some. */
const symbolsOrAll = (symbols: string[] | undefined) => (symbols?.length ? symbols : ['*']);

export function checkStoreName(name: string): StoreName {
  if (!(STORE_NAMES as readonly string[]).includes(name)) throw new InputError(`unknown vector store ${JSON.stringify(name)} (one of ${STORE_NAMES.join(', ')})`, 'stores');
  return name as StoreName;
}

const modelRef = (e: { model: string; version: string }) => `${e.model}@${e.version}`;

export function createDocumentActivities(deps: ActivityDeps) {
  const ds = deps.dataSource;
  const runs = new RunRepository(ds);
  const docs = new DocumentRepository(ds);
  const quality = new QualityRepository(ds);

  /** The lineage key of the running activity, and its row if an earlier attempt committed. */
  async function committed<T>() {
    const info = Context.current().info;
    const key = { workflowId: info.workflowExecution!.workflowId, runId: info.workflowExecution!.runId, activityId: info.activityId };
    const done = await runs.findLineage(key);
    return { info, key, done: done ? (done.details.result as T) : undefined };
  }

  async function recordLineage(em: EntityManager, key: { workflowId: string; runId: string; activityId: string }, pipelineRunId: string,
    step: { inputs: DatasetRef[]; output: DatasetRef; rowsIn: number; rowsOut: number; result: unknown; details?: Record<string, unknown> }) {
    const info = Context.current().info;
    await runs.recordLineage(em, {
      ...key, pipelineRunId, activityType: info.activityType, attempt: info.attempt, inputDatasets: step.inputs.map(formatDatasetRef),
      outputDataset: formatDatasetRef(step.output), rowsIn: step.rowsIn, rowsOut: step.rowsOut, details: { ...step.details, result: step.result }, contentHash: null,
    });
  }

  return {
    /** Source → document versions + chunks (+ quarantine), 10 documents per transaction; resumes after the last committed batch. */
    async ingestDocumentSource(args: IngestSourceArgs): Promise<IngestSourceResult> {
      const { info, key, done } = await committed<IngestSourceResult>();
      if (done) return done;
      const ctx = Context.current();
      const source = createDocumentSource(args.source, args.symbols, deps.config, async (key) => (await docs.current(undefined, key)) !== null);
      const beat = info.heartbeatDetails as { done?: number; counts?: DocumentCounts } | undefined;
      const resume = beat?.done !== undefined && beat.counts ? { done: beat.done, counts: beat.counts } : undefined;
      const counts = await ingestSource(ds, docs, source, { pipelineRunId: args.pipelineRunId, chunking: chunkingOf(deps.config) }, {
        resume,
        onCommit: (n, c) => ctx.heartbeat({ done: n, counts: c }),
        inLastTransaction: (em, c) => recordLineage(em, key, args.pipelineRunId, {
          inputs: source.datasets(), output: { kind: 'document_chunk', symbols: symbolsOrAll(c.symbols) },
          rowsIn: c.received, rowsOut: c.written, result: c, details: { resumedAfter: resume?.done ?? 0 },
        }),
      });
      return counts;
    },

    /** Every current chunk without a vector under the model, in chunk-id order; resumes after the last chunk committed. */
    async embedDocumentChunks(args: EmbedChunksArgs): Promise<EmbedChunksResult> {
      const { info, key, done } = await committed<EmbedChunksResult>();
      if (done) return done;
      const ctx = Context.current();
      const embedder = createEmbedder(deps.config, args.embedder);
      const afterId = (info.heartbeatDetails as { lastChunkId?: string } | undefined)?.lastChunkId;
      const result = (embedded: number): EmbedChunksResult => ({ model: embedder.model, version: embedder.version, dimension: embedder.dimension, embedded });
      ctx.heartbeat({ lastChunkId: afterId ?? '0' });
      const counts = await embedPending(ds, docs, embedder, {
        pipelineRunId: args.pipelineRunId, symbols: args.symbols, afterId,
        onBatch: (c) => ctx.heartbeat({ lastChunkId: c.lastChunkId }),
        inLastTransaction: (em, c) => recordLineage(em, key, args.pipelineRunId, {
          inputs: [{ kind: 'document_chunk', symbols: symbolsOrAll(args.symbols) }],
          // The dataset is the model's whole set of current vectors: what every store indexes.
          output: { kind: 'document_embedding', model: modelRef(embedder), symbols: ['*'] },
          rowsIn: c.embedded, rowsOut: c.embedded, result: result(c.embedded), details: { resumedAfterChunk: afterId ?? null },
        }),
      });
      return result(counts.embedded);
    },

    /** Makes one store's collection equal PostgreSQL's current embedded chunks (idempotent: a retry heals). */
    async indexDocumentStore(args: IndexStoreArgs): Promise<IndexStoreResult> {
      const name = checkStoreName(args.store);
      const embedder = createEmbedder(deps.config, args.embedder);
      const collection = collectionName(embedder.model, embedder.version, embedder.dimension);
      const ctx = Context.current();
      return lineageStep(ds, runs, args.pipelineRunId, async () => {
        const store = await openVectorStore(name, vectorStoreSettings(deps.config));
        try {
          const counts = await syncStoreIndex(docs, store, embedder, collection, (n) => ctx.heartbeat({ upserted: n }));
          return {
            result: { store: name, collection, ...counts },
            inputDatasets: [{ kind: 'document_embedding', model: modelRef(embedder), symbols: ['*'] }],
            outputDataset: { kind: 'vector_index', store: name, collection },
            rowsIn: counts.expected, rowsOut: counts.upserted,
          };
        } finally {
          await store.close();
        }
      });
    },

    /** Every chunk embedded, the model's dimension, finite vectors, each store holding exactly PostgreSQL's ids. */
    async checkDocumentQuality(args: DocumentQualityArgs): Promise<DocumentQualityResult> {
      const embedder = createEmbedder(deps.config, args.embedder);
      const collection = collectionName(embedder.model, embedder.version, embedder.dimension);
      return lineageStep(ds, runs, args.pipelineRunId, async (em) => {
        const q = await docs.embeddingQuality(embedder.model, embedder.version, embedder.dimension);
        const rules: DocumentQualityResult['rules'] = [
          { rule: 'document.every_chunk_embedded', passed: q.embedded === q.chunks, observed: q.chunks - q.embedded, detail: `${q.embedded} of ${q.chunks} current chunks embedded by ${modelRef(embedder)}` },
          { rule: 'document.vector_dimension', passed: q.wrongDimension === 0, observed: q.wrongDimension, detail: `${q.wrongDimension} vectors without ${embedder.dimension} dimensions` },
          { rule: 'document.finite_vectors', passed: q.nonFinite === 0, observed: q.nonFinite, detail: `${q.nonFinite} vectors with NaN or ±Infinity` },
        ];
        const expected = await docs.indexedChunkIds(embedder.model, embedder.version);
        for (const name of args.stores) {
          const store = await openVectorStore(checkStoreName(name), vectorStoreSettings(deps.config));
          try {
            const r = await reconcileStore(store, collection, expected);
            const off = r.missing.length + r.extra.length;
            rules.push({ rule: `document.store_matches_postgres.${name}`, passed: off === 0 && r.actual === r.expected, observed: off,
              detail: `${name} ${collection}: ${r.actual} records, PostgreSQL ${r.expected}; ${r.missing.length} missing, ${r.extra.length} extra` });
          } finally {
            await store.close();
          }
        }
        await quality.saveResults(em, rules.map((r) => ({
          rule: r.rule, targetTable: 'document_embedding', severity: 'error' as const, blocking: true, passed: r.passed, observed: r.observed, threshold: 0,
          measurement: { checked: q.chunks, failing: r.observed, sample: r.passed ? [] : [{ detail: r.detail }], bySymbol: {} },
        })), { symbols: ['*'], interval: 'document', from: '', to: '', featureSetVersion: modelRef(embedder) }, { pipelineRunId: args.pipelineRunId, workflowId: Context.current().info.workflowExecution!.workflowId });
        const result = { rules, failed: rules.filter((r) => !r.passed).map((r) => r.rule) };
        return {
          result, inputDatasets: [{ kind: 'document_embedding', model: modelRef(embedder), symbols: ['*'] }, ...args.stores.map((s) => ({ kind: 'vector_index' as const, store: s, collection }))],
          outputDataset: { kind: 'validation_result', pipelineRunId: args.pipelineRunId }, rowsIn: q.chunks, rowsOut: rules.length,
        };
      });
    },
  };
}
