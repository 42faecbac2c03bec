// The document quality rules as the ingestDocuments workflow runs them (the checkDocumentQuality activity in
// Temporal's activity test context, real PostgreSQL, the embedded LanceDB store): they pass on a consistent index
// and each broken invariant fails its own rule, with a validation_result row per rule. The workflow turns any
// failed rule into a non-retryable QualityGateError (workflows/ingest-documents.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { createDocumentActivities } from '../../activities/documents';
import { loadConfig } from '../../src/config';
import type { DocumentQualityResult } from '../../src/contracts/documents';
import { embedPending, ingestSource, syncStoreIndex } from '../../src/documents/ingest';
import { createEmbedder } from '../../src/documents/setup';
import { FolderSource } from '../../src/documents/sources';
import { DocumentRepository } from '../../src/repositories/document-repository';
import { RunRepository } from '../../src/repositories/run-repository';
import { collectionName, openVectorStore, vectorStoreSettings } from '../../src/vectors';
import { openTestDataSource, projectRoot, resetData, testActivityDeps } from '../helpers/services';

jest.setTimeout(60_000);

describe('document quality rules (checkDocumentQuality)', () => {
  let ds: DataSource;
  let runId: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-doc-quality-'));
  const base = loadConfig();
  const config = { ...base, documents: { ...base.documents, embedder: 'hashing' as const, hashingDimension: 32 }, vectors: { ...base.vectors, lancedbDir: path.join(dir, 'lancedb') } };

  beforeAll(async () => {
    ds = await openTestDataSource();
    await resetData(ds);
    runId = await new RunRepository(ds).start({ workflowId: 'document-quality-test', runId: 'r1', workflowType: 'test', taskQueue: 'test', input: {}, startedAt: new Date() });
  });
  afterAll(async () => {
    await ds?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('pass on a consistent index; a record missing from the store and a short vector fail their own rules', async () => {
    const repo = new DocumentRepository(ds);
    const embedder = createEmbedder(config, 'hashing');
    const collection = collectionName(embedder.model, embedder.version, embedder.dimension);
    await ingestSource(ds, repo, new FolderSource(path.join(projectRoot, 'data', 'documents')), { pipelineRunId: null });
    await embedPending(ds, repo, embedder, { pipelineRunId: null });
    const store = await openVectorStore('lancedb', vectorStoreSettings(config));
    const activities = createDocumentActivities(testActivityDeps(ds, { config }));
    let attempt = 0;
    const check = () => new MockActivityEnvironment({ activityId: `quality-${++attempt}` })
      .run(() => activities.checkDocumentQuality({ pipelineRunId: runId, embedder: 'hashing', stores: ['lancedb'] })) as Promise<DocumentQualityResult>;
    try {
      await syncStoreIndex(repo, store, embedder, collection);
      const ok = await check();
      expect(ok.failed).toEqual([]);
      expect(ok.rules.map((r) => r.rule)).toEqual(['document.every_chunk_embedded', 'document.vector_dimension', 'document.finite_vectors', 'document.store_matches_postgres.lancedb']);

      const [gone] = await store.ids(collection);
      await store.delete(collection, [gone]);
      await ds.query(`UPDATE document_embedding SET vector = vector[1:31] WHERE model_version = $1 AND chunk_id = (SELECT min(chunk_id) FROM document_embedding WHERE model_version = $1)`, [embedder.version]);
      const broken = await check();
      expect(broken.failed).toEqual(['document.vector_dimension', 'document.store_matches_postgres.lancedb']);
      expect(broken.rules.find((r) => r.rule === 'document.store_matches_postgres.lancedb')).toMatchObject({ observed: 1, detail: expect.stringContaining('1 missing, 0 extra') });
      expect(broken.rules.find((r) => r.rule === 'document.vector_dimension')).toMatchObject({ observed: 1 });
      const saved: { rule: string; passed: boolean; blocking: boolean }[] = await ds.query(
        `SELECT rule, passed, blocking FROM validation_result WHERE pipeline_run_id = $1 ORDER BY id`, [runId]);
      expect(saved).toHaveLength(8);
      expect(saved.slice(4).filter((r) => !r.passed).map((r) => r.rule)).toEqual(broken.failed);
      expect(saved.every((r) => r.blocking)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
