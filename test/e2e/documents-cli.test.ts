// `tickflow docs` as a user runs it, against the ingestDocuments workflow on a real Temporal dev server, real
// PostgreSQL and the embedded LanceDB store: ingest (twice: the second writes nothing), point-in-time and hybrid
// search, show, reconcile finding a record missing from the store, reindex healing it; lineage of every step; the quality gate failing the ingest on a broken vector.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config';
import { collectionName, openVectorStore } from '../../src/vectors';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { createTestWorker, openTestDataSource, resetData, startTemporal, testDatabaseUrl } from '../helpers/services';

jest.setTimeout(240_000);

describe('tickflow docs (ingestDocuments on Temporal, LanceDB)', () => {
  let env: TestWorkflowEnvironment;
  let ds: DataSource;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `docs-cli-${Date.now()}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-docs-cli-'));
  const lancedbDir = path.join(dir, 'lancedb');
  const collection = collectionName('hashing', 'v1-d256', 256);

  beforeAll(async () => {
    [env, ds] = await Promise.all([startTemporal(), openTestDataSource()]);
    await resetData(ds);
    const base = loadConfig();
    const config = { ...base, documents: { ...base.documents, embedder: 'hashing' as const, hashingDimension: 256 }, vectors: { ...base.vectors, lancedbDir } };
    worker = await createTestWorker(env, taskQueue, { dataSource: ds, exportDir: dir, config });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await ds?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (...args: string[]) => {
    const p = spawnTickflow(args, childEnv({
      DATABASE_URL: testDatabaseUrl(), TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_URL: undefined,
      TICKFLOW_EMBEDDER: 'hashing', TICKFLOW_HASHING_DIMENSION: '256', TICKFLOW_LANCEDB_DIR: lancedbDir,
    }));
    const code = await p.exited;
    const output = p.output();
    return { code, output, json: () => JSON.parse(output.slice(output.search(/[[{]/))) };
  };

  it('ingests, searches point in time, shows, reconciles and reindexes', async () => {
    const first = await cli('docs', 'ingest', '--no-worker', '--json');
    expect(first.code).toBe(0);
    const s = first.json().result;
    expect(s.documents).toMatchObject({ received: 5, written: 5, quarantined: 0 });
    expect(s.embeddings).toMatchObject({ model: 'hashing', version: 'v1-d256', dimension: 256, embedded: s.documents.chunks });
    expect(s.stores).toEqual([{ store: 'lancedb', collection, expected: s.documents.chunks, upserted: s.documents.chunks, deleted: 0 }]);
    expect(s.quality.failed).toEqual([]);
    expect(s.quality.rules.map((r: { rule: string }) => r.rule)).toEqual([
      'document.every_chunk_embedded', 'document.vector_dimension', 'document.finite_vectors', 'document.store_matches_postgres.lancedb']);

    const again = (await cli('docs', 'ingest', '--no-worker', '--json')).json().result;
    expect(again.documents).toMatchObject({ written: 0, unchanged: 5, chunks: 0 });
    expect(again.embeddings.embedded).toBe(0);
    expect(again.stores[0]).toMatchObject({ upserted: 0, deleted: 0, expected: s.documents.chunks });

    // Lineage, each step reading what the one before wrote: folder → documents + chunks → embeddings → the store's
    // index → quality results.
    const lineage: { output_dataset: string; input_datasets: string[] }[] = await ds.query(
      `SELECT l.output_dataset, l.input_datasets FROM data_lineage l JOIN pipeline_run r ON r.id = l.pipeline_run_id WHERE r.id = $1 ORDER BY l.id`, [s.pipelineRunId]);
    expect(lineage).toEqual([
      { input_datasets: [`file:${path.resolve('data/documents')}`], output_dataset: 'document_chunk:AAPL,NVDA' },
      { input_datasets: ['document_chunk:AAPL,NVDA'], output_dataset: 'document_embedding:hashing@v1-d256:*' },
      { input_datasets: ['document_embedding:hashing@v1-d256:*'], output_dataset: `vector_index:lancedb:${collection}` },
      { input_datasets: ['document_embedding:hashing@v1-d256:*', `vector_index:lancedb:${collection}`], output_dataset: `validation_result:pipeline_run=${s.pipelineRunId}` },
    ]);

    const asOf = '2000-06-30';
    const search = await cli('docs', 'search', 'press release Macintosh', '--as-of', asOf, '--k', '5', '--hybrid', '--json');
    expect(search.code).toBe(0);
    const hits = search.json().hits as { symbol: string; publishedAt: string; score: number; textRank: number | null; similarity: number | null }[];
    expect(hits.length).toBe(5);
    // Point in time inside both rankings: NVDA's 2026 8-K and nothing after 2000-06-30 can appear.
    expect(hits.every((h) => h.symbol === 'AAPL' && h.publishedAt <= '2000-06-30T23:59:59.999Z')).toBe(true);
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
    expect(hits.some((h) => h.textRank !== null) && hits.some((h) => h.similarity !== null)).toBe(true);
    const unknown = await cli('docs', 'search', 'x', '--symbols', 'ZZZZ');
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('no documents of ZZZZ');

    const show = (await cli('docs', 'show', 'sec-edgar:0001045810-26-000024', '--json')).json();
    expect(show).toMatchObject({ symbol: 'NVDA', formType: '8-K', version: 1, publishedAt: '2026-03-06T21:11:25.000Z' });

    const store = await openVectorStore('lancedb', { lancedbDir });
    const [gone] = await store.ids(collection);
    await store.delete(collection, [gone]);
    await store.close();
    const broken = await cli('docs', 'reconcile', '--json');
    expect(broken.code).toBe(1);
    expect(broken.json()).toMatchObject({ ok: false, missing: [gone], extra: [] });
    expect((await cli('docs', 'reindex', '--json')).json()).toEqual({ store: 'lancedb', collection, written: s.documents.chunks });
    // A fresh handle: the reindex dropped and rebuilt the table under the old one.
    const rebuilt = await openVectorStore('lancedb', { lancedbDir });
    expect((await rebuilt.ids(collection)).sort()).toEqual((await ds.query(`SELECT id::text FROM document_chunk ORDER BY id::text`)).map((r: { id: string }) => r.id));
    await rebuilt.close();

    // The gate: a stored vector that lost a dimension fails the blocking rule, and the ingest fails with it
    // (non-retryable QualityGateError, the run recorded as failed, the result rows kept) instead of completing.
    await ds.query(`UPDATE document_embedding SET vector = vector[1:255] WHERE chunk_id = (SELECT min(chunk_id) FROM document_embedding)`);
    const gated = await cli('docs', 'ingest', '--no-worker', '--json');
    expect(gated.code).toBe(1);
    const failed = gated.json();
    expect(failed).toMatchObject({ status: 'failed' });
    expect(JSON.stringify(failed)).toContain('document quality rules failed: document.vector_dimension');
    const [run] = await ds.query(`SELECT id, status FROM pipeline_run WHERE workflow_type = 'ingestDocuments' ORDER BY started_at DESC LIMIT 1`);
    expect(run.status).toBe('failed');
    const results = await ds.query(`SELECT rule AS rule_name, passed FROM validation_result WHERE pipeline_run_id = $1 ORDER BY rule`, [run.id]);
    expect(results).toContainEqual({ rule_name: 'document.vector_dimension', passed: false });
    expect(results).toContainEqual({ rule_name: 'document.every_chunk_embedded', passed: true });
  });
});
