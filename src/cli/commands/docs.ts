// `tickflow docs`: ingest documents (the ingestDocuments workflow), search them point in time (vector or hybrid),
// show one, rebuild a vector store from PostgreSQL, reconcile a store against PostgreSQL.
import crypto from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { ingestDocuments } from '../../../workflows';
import type { Config } from '../../config';
import { ingestDocumentsInputSchema, type DocumentSourceSpec, type EmbedderChoice } from '../../contracts/documents';
import { InputError } from '../../contracts/errors';
import { dayEndOrInstantSchema, tickerSchema } from '../../contracts/schemas';
import { createEmbedder } from '../../documents/setup';
import { searchChunks, type SearchResult } from '../../documents/search';
import { DocumentRepository } from '../../repositories/document-repository';
import { STORE_NAMES, collectionName, openVectorStore, reconcileStore, reindexStore, vectorStoreSettings, type StoreName } from '../../vectors';
import { checkFlag, parse } from '../args';
import { out, usage, withRuntime, type Command } from '../context';
import { checkInput, startAndFollow } from '../follow';

const help = `Usage: tickflow docs ingest [--path DIR | --news FILE.jsonl | --edgar] [--symbols A,B] [--forms 10-K,8-K] [--since YYYY-MM-DD]
                          [--limit N] [--embedder use-lite|hashing|openai] [--stores lancedb,…] [--workflow-id ID] [--no-worker] [--no-wait] [--json]
       tickflow docs search "text" [--symbols A,B] [--as-of DATE|TIMESTAMP] [--k 10] [--store lancedb] [--hybrid] [--embedder E] [--json]
       tickflow docs show [<document id | key>] [--symbols A,B] [--limit N] [--text] [--json]
       tickflow docs reindex [--store lancedb] [--embedder E] [--json]
       tickflow docs reconcile [--store lancedb] [--embedder E] [--json]

ingest   reads a folder (default: the bundled filings in data/documents), news JSON lines, or SEC EDGAR filings
         (--edgar, needs SEC_EDGAR_USER_AGENT and --symbols) into PostgreSQL, embeds the chunks and indexes them
search   the k chunks closest to the text, only from documents published at or before --as-of; --hybrid fuses
         PostgreSQL full-text ranking with vector similarity by reciprocal rank
show     the latest documents, or one document (its versions, and with --text its extracted text)
reindex  drops a store's collection for the embedder's model and rebuilds it from PostgreSQL
reconcile compares a store's ids with PostgreSQL's embedded chunks (exit 1 when they differ)

Stores: ${STORE_NAMES.join(', ')}. Embedder default: TICKFLOW_EMBEDDER. See docs/documents.md.`;

const list = (v: string | undefined) => v?.split(',').map((s) => s.trim()).filter(Boolean);
const embedderFlag = (v: string | undefined, where: string) => checkFlag(z.enum(['use-lite', 'hashing', 'openai']).optional(), 'embedder', v, where) as EmbedderChoice | undefined;
const storeFlag = (v: string | undefined, config: Config, where: string): StoreName =>
  checkFlag(z.enum(STORE_NAMES), 'store', v ?? config.vectors.defaultStore, where);
const symbolsFlag = (v: string | undefined, where: string) => {
  const symbols = list(v);
  return symbols ? checkFlag(z.array(tickerSchema).min(1), 'symbols', symbols, where) : undefined;
};

function formatHit(h: SearchResult, i: number): string {
  const form = h.formType ? ` ${h.formType}` : '';
  const why = h.textRank !== null || h.similarity === null ? ` (cosine ${h.similarity?.toFixed(4) ?? '-'}, text rank ${h.textRank ?? '-'})` : '';
  const snippet = h.text.replace(/\s+/g, ' ').slice(0, 160);
  return `${String(i + 1).padStart(2)}. ${h.score.toFixed(4)}${why}  ${h.symbol}${form} ${h.publishedAt.toISOString().slice(0, 16)}Z  doc ${h.documentId} #${h.chunkIndex}\n    ${snippet}…\n    ${h.link}`;
}

async function ingest(values: Record<string, string | boolean | undefined>, json: boolean): Promise<number> {
  const where = 'tickflow docs ingest';
  const picked = ['path', 'news', 'edgar'].filter((k) => values[k] !== undefined);
  if (picked.length > 1) throw new InputError(`give one of --path, --news, --edgar (got ${picked.map((p) => `--${p}`).join(', ')})`, where);
  const config = (await import('../../config')).loadConfig();
  const source: DocumentSourceSpec = values.edgar
    ? { kind: 'sec-edgar', forms: list(values.forms as string | undefined), since: values.since as string | undefined, limit: values.limit === undefined ? 10 : Number(values.limit) }
    : values.news
      ? { kind: 'news', path: path.resolve(values.news as string) }
      : { kind: 'folder', path: path.resolve((values.path as string | undefined) ?? config.documents.bundledDir) };
  const input = checkInput(ingestDocumentsInputSchema, {
    source, symbols: list(values.symbols as string | undefined), embedder: values.embedder, stores: list(values.stores as string | undefined),
  }, where);
  const workflowId = (values['workflow-id'] as string | undefined) ?? `tickflow-docs-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
  return withRuntime({ temporal: true, migrate: true }, (rt) => startAndFollow({
    rt, workflow: ingestDocuments, input, workflowId, noWorker: Boolean(values['no-worker']), wait: !values['no-wait'], json,
    summary: (s) => [
      '✓ documents ingested',
      `  PipelineRun     ${s.pipelineRunId}`,
      `  documents       ${s.documents.written} written (${s.documents.revised} new versions), ${s.documents.unchanged} unchanged, ${s.documents.quarantined} quarantined of ${s.documents.received} read`,
      `  chunks          ${s.documents.chunks} new; ${s.embeddings.embedded} embedded by ${s.embeddings.model}@${s.embeddings.version} (${s.embeddings.dimension}-d)`,
      ...s.stores.map((x) => `  ${x.store.padEnd(15)} ${x.collection}: ${x.expected} records (${x.upserted} upserted, ${x.deleted} deleted)`),
      `  quality         ${s.quality.failed.length ? `FAILED: ${s.quality.failed.join(', ')}` : `PASS: ${s.quality.rules.length}/${s.quality.rules.length} rules`}`,
    ].join('\n'),
  }), json);
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    path: { type: 'string' }, news: { type: 'string' }, edgar: { type: 'boolean' }, symbols: { type: 'string' }, forms: { type: 'string' }, since: { type: 'string' },
    limit: { type: 'string' }, embedder: { type: 'string' }, stores: { type: 'string' }, store: { type: 'string' }, 'workflow-id': { type: 'string' },
    'no-worker': { type: 'boolean' }, 'no-wait': { type: 'boolean' }, json: { type: 'boolean' }, 'as-of': { type: 'string' }, k: { type: 'string' },
    hybrid: { type: 'boolean' }, text: { type: 'boolean' },
  }, 'docs');
  const [action, arg] = positionals;
  if (values.help || !action) return usage(help, values.help);
  const json = Boolean(values.json);
  const where = `tickflow docs ${action}`;
  if (action === 'ingest') return ingest(values, json);
  if (!['search', 'show', 'reindex', 'reconcile'].includes(action)) throw new InputError(`unknown action "${action}" (ingest, search, show, reindex or reconcile)`, 'tickflow docs');
  const symbols = symbolsFlag(values.symbols, where);
  const embedderChoice = embedderFlag(values.embedder, where);
  const k = checkFlag(z.coerce.number().int().min(1).max(1000), 'k', values.k ?? '10', where);
  const limit = checkFlag(z.coerce.number().int().min(1).max(10000), 'limit', values.limit ?? '20', where);
  const asOf = values['as-of'] === undefined ? undefined : checkFlag(dayEndOrInstantSchema, 'as-of', values['as-of'], where);
  if (action === 'search' && !arg) throw new InputError('needs the text to search for', where);

  return withRuntime({ migrate: true }, async ({ dataSource, config }) => {
    const repo = new DocumentRepository(dataSource);
    if (action === 'show') {
      if (!arg) {
        const rows = await repo.list({ symbols, limit });
        if (json) out(JSON.stringify(rows, null, 2));
        else if (rows.length === 0) out('no documents yet (tickflow docs ingest)');
        else for (const r of rows) out(`${r.id.padStart(6)}  ${r.symbol.padEnd(6)} ${(r.formType ?? '-').padEnd(7)} ${new Date(r.publishedAt).toISOString().slice(0, 16)}Z  v${r.version}  ${String(r.chunks).padStart(4)} chunks  ${r.documentKey}`);
        return 0;
      }
      const d = await repo.get(arg);
      if (!d) throw new InputError(`no document ${JSON.stringify(arg)} (an id from tickflow docs show, or a key like sec-edgar:<accession>)`, where);
      if (json) out(JSON.stringify(values.text ? d : { ...d, text: undefined }, null, 2));
      else {
        out(`document ${d.id}  ${d.documentKey}  version ${d.version} of [${d.versions.join(', ')}]${d.supersededAt ? ` (superseded ${new Date(d.supersededAt).toISOString()})` : ''}`);
        out(`  symbol      ${d.symbol}\n  form        ${d.formType ?? '-'}\n  published   ${new Date(d.publishedAt).toISOString()}\n  source      ${d.source}\n  link        ${d.link}`);
        out(`  sha256      ${d.contentHash}\n  text        ${d.format}, ${d.tokens} tokens in ${d.chunks} chunks\n  ingested    ${new Date(d.ingestedAt).toISOString()} (run ${d.pipelineRunId ?? '-'})`);
        if (values.text) out(`\n${d.text}`);
      }
      return 0;
    }
    if (symbols) {
      const unknown = await repo.unknownSymbols(symbols);
      if (unknown.length) throw new InputError(`no documents of ${unknown.join(', ')} (ingest them first)`, '--symbols');
    }
    const embedder = createEmbedder(config, embedderChoice);
    const collection = collectionName(embedder.model, embedder.version, embedder.dimension);
    const storeName = storeFlag(values.store, config, where);
    const store = await openVectorStore(storeName, vectorStoreSettings(config));
    try {
      if (action === 'search') {
        const hits = await searchChunks({ repo, store, collection, embedder }, { query: arg, k, symbols, asOf, hybrid: Boolean(values.hybrid) });
        if (json) out(JSON.stringify({ query: arg, store: storeName, collection, asOf: asOf?.toISOString() ?? null, hybrid: Boolean(values.hybrid), hits }, null, 2));
        else if (hits.length === 0) out(`no chunks${asOf ? ` published by ${asOf.toISOString()}` : ''} in ${storeName} ${collection}`);
        else hits.forEach((h, i) => out(formatHit(h, i)));
        return 0;
      }
      if (action === 'reindex') {
        const { written } = await reindexStore(store, collection, embedder.dimension, repo.vectorRecords(embedder.model, embedder.version));
        if (json) out(JSON.stringify({ store: storeName, collection, written }));
        else out(`✓ ${storeName} ${collection}: rebuilt from PostgreSQL, ${written} records`);
        return 0;
      }
      const r = await reconcileStore(store, collection, await repo.indexedChunkIds(embedder.model, embedder.version));
      const ok = r.missing.length === 0 && r.extra.length === 0 && r.actual === r.expected;
      if (json) out(JSON.stringify({ ...r, ok }, null, 2));
      else {
        out(`${ok ? '✓' : '✗'} ${r.store} ${r.collection}: ${r.actual} records, PostgreSQL ${r.expected}`);
        if (!ok) out(`  missing ${r.missing.length}${r.missing.length ? ` (${r.missing.slice(0, 10).join(', ')}…)` : ''}; extra ${r.extra.length}${r.extra.length ? ` (${r.extra.slice(0, 10).join(', ')}…)` : ''}\n  fix: tickflow docs reindex --store ${storeName}`);
      }
      return ok ? 0 : 1;
    } finally {
      await store.close();
    }
  }, json);
}

export const docsCommand: Command = {
  name: 'docs', summary: 'documents: ingest filings/news, search them point in time (vector or hybrid), show, reindex and reconcile vector stores',
  help, actions: ['ingest', 'search', 'show', 'reindex', 'reconcile'], run,
};
