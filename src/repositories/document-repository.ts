// Owns all SQL on document, document_chunk, embedding_model, document_embedding and document_quarantine.
// Stateless: one instance serves every concurrent caller; writes take the caller's transaction.
import type { DataSource, EntityManager } from 'typeorm';
import type { DocumentMeta } from '../contracts/documents';
import { copyRows } from '../db/copy';
import type { VectorRecord } from '../vectors/store';

export interface NewDocument extends DocumentMeta {
  documentKey: string;
  contentHash: string;
  format: string;
  text: string;
  tokens: number;
}

export interface NewChunk {
  index: number;
  text: string;
  tokens: number;
  start: number;
  end: number;
}

export interface QuarantinedDocument {
  source: string;
  location: string;
  symbol: string | null;
  reason: string;
  excerpt: string | null;
}

export interface ChunkHit extends DocumentMeta {
  chunkId: string;
  chunkIndex: number;
  text: string;
  documentId: string;
  documentKey: string;
  version: number;
}

export interface DocumentRow extends Omit<NewDocument, 'text'> {
  id: string;
  version: number;
  supersededAt: Date | null;
  ingestedAt: Date;
  chunks: number;
  pipelineRunId: string | null;
}

/** One current document of a symbol, as the document features read it. */
export interface DocumentFact {
  publishedAt: Date;
  formType: string | null;
  text: string;
}

export interface EmbeddingQuality {
  chunks: number;
  embedded: number;
  wrongDimension: number;
  nonFinite: number;
}

const CHUNK_HIT_COLUMNS = `c.id::text AS "chunkId", c.chunk_index AS "chunkIndex", c.text, d.id::text AS "documentId", d.document_key AS "documentKey",
  d.version, d.symbol, d.published_at AS "publishedAt", d.source, d.form_type AS "formType", d.title, d.link`;

const symbolFilter = (symbols: string[] | undefined, param: number) => (symbols?.length ? `AND d.symbol = ANY($${param}::text[])` : `AND $${param}::text[] IS NULL`);

export class DocumentRepository {
  constructor(private readonly ds: DataSource) {}

  private m(em?: EntityManager) {
    return em ?? this.ds.manager;
  }

  /** The current version of a document, if any. */
  async current(em: EntityManager | undefined, documentKey: string): Promise<{ id: string; version: number; contentHash: string; publishedAt: Date } | null> {
    const [row] = await this.m(em).query(
      `SELECT id::text, version, content_hash AS "contentHash", published_at AS "publishedAt" FROM document WHERE document_key = $1 AND superseded_at IS NULL`, [documentKey]);
    return row ?? null;
  }

  /**
   * Writes a new version (superseding the current one, whose chunk ids are returned so stores can drop them) and
   * its chunks. The caller has checked the hash differs.
   */
  async insertVersion(em: EntityManager, doc: NewDocument, chunks: NewChunk[], pipelineRunId: string | null): Promise<{ documentId: string; version: number; supersededChunkIds: string[] }> {
    const superseded: { id: string; version: number }[] = await em.query(
      // As a CTE: TypeORM returns [rows, count] for a bare UPDATE … RETURNING.
      `WITH s AS (UPDATE document SET superseded_at = now() WHERE document_key = $1 AND superseded_at IS NULL RETURNING id, version) SELECT id::text, version FROM s`, [doc.documentKey]);
    const old = superseded[0];
    const supersededChunkIds: string[] = old
      ? (await em.query(`SELECT id::text FROM document_chunk WHERE document_id = $1 ORDER BY id`, [old.id])).map((r: { id: string }) => r.id)
      : [];
    const [{ id }] = await em.query(
      `INSERT INTO document (document_key, version, symbol, published_at, source, form_type, title, link, content_hash, format, text, tokens, pipeline_run_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id::text`,
      [doc.documentKey, (old?.version ?? 0) + 1, doc.symbol, doc.publishedAt, doc.source, doc.formType, doc.title, doc.link, doc.contentHash, doc.format, doc.text, doc.tokens, pipelineRunId]);
    if (chunks.length > 0) {
      await em.query(
        `INSERT INTO document_chunk (document_id, chunk_index, symbol, published_at, text, tokens, start_offset, end_offset)
         SELECT $1, i, $2, $3, t, n, s, e FROM unnest($4::int[], $5::text[], $6::int[], $7::int[], $8::int[]) AS u(i, t, n, s, e)`,
        [id, doc.symbol, doc.publishedAt, chunks.map((c) => c.index), chunks.map((c) => c.text), chunks.map((c) => c.tokens), chunks.map((c) => c.start), chunks.map((c) => c.end)]);
    }
    return { documentId: id, version: (old?.version ?? 0) + 1, supersededChunkIds };
  }

  async quarantine(em: EntityManager, rows: QuarantinedDocument[], pipelineRunId: string | null): Promise<number> {
    if (rows.length === 0) return 0;
    return copyRows(em, 'document_quarantine', ['pipeline_run_id', 'source', 'location', 'symbol', 'reason', 'excerpt'],
      rows.map((r) => [pipelineRunId, r.source, r.location, r.symbol, r.reason, r.excerpt]));
  }

  async quarantined(pipelineRunId?: string): Promise<(QuarantinedDocument & { quarantinedAt: Date })[]> {
    return this.ds.query(
      `SELECT source, location, symbol, reason, excerpt, quarantined_at AS "quarantinedAt" FROM document_quarantine
       WHERE ($1::uuid IS NULL OR pipeline_run_id = $1) ORDER BY id`, [pipelineRunId ?? null]);
  }

  /** Registers a model version; a known one must keep its dimension. Returns the stored dimension. */
  async ensureModel(em: EntityManager | undefined, model: string, version: string, dimension: number): Promise<number> {
    await this.m(em).query(`INSERT INTO embedding_model (model, version, dimension) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [model, version, dimension]);
    const [row] = await this.m(em).query(`SELECT dimension FROM embedding_model WHERE model = $1 AND version = $2`, [model, version]);
    return row.dimension;
  }

  async models(): Promise<{ model: string; version: string; dimension: number; embeddings: number }[]> {
    return this.ds.query(`SELECT m.model, m.version, m.dimension, (SELECT count(*)::int FROM document_embedding e WHERE e.model = m.model AND e.model_version = m.version) AS embeddings
      FROM embedding_model m ORDER BY m.first_used_at, m.model, m.version`);
  }

  /** Chunks of current versions that have no vector under this model yet, after `afterId` (a resumable cursor). */
  async chunksToEmbed(model: string, version: string, symbols: string[] | undefined, afterId: string, limit: number): Promise<{ id: string; text: string }[]> {
    return this.ds.query(
      `SELECT c.id::text, c.text FROM document_chunk c JOIN document d ON d.id = c.document_id
       WHERE d.superseded_at IS NULL AND c.id > $1::bigint ${symbolFilter(symbols, 5)}
         AND NOT EXISTS (SELECT 1 FROM document_embedding e WHERE e.chunk_id = c.id AND e.model = $2 AND e.model_version = $3)
       ORDER BY c.id LIMIT $4`, [afterId, model, version, limit, symbols?.length ? symbols : null]);
  }

  async countChunksToEmbed(model: string, version: string, symbols: string[] | undefined): Promise<number> {
    const [{ n }] = await this.ds.query(
      `SELECT count(*)::int AS n FROM document_chunk c JOIN document d ON d.id = c.document_id
       WHERE d.superseded_at IS NULL ${symbolFilter(symbols, 3)}
         AND NOT EXISTS (SELECT 1 FROM document_embedding e WHERE e.chunk_id = c.id AND e.model = $1 AND e.model_version = $2)`,
      [model, version, symbols?.length ? symbols : null]);
    return n;
  }

  async insertEmbeddings(em: EntityManager, model: string, version: string, rows: { chunkId: string; vector: number[] }[], pipelineRunId: string | null): Promise<number> {
    if (rows.length === 0) return 0;
    return copyRows(em, 'document_embedding', ['model', 'model_version', 'chunk_id', 'vector', 'pipeline_run_id'],
      rows.map((r) => [model, version, r.chunkId, r.vector, pipelineRunId]));
  }

  /**
   * The store records of current chunks embedded under a model, in id order, `batch` at a time (keyset paging);
   * only `ids` when given (the ones a store lacks).
   */
  async *vectorRecords(model: string, version: string, options: { batch?: number; ids?: string[] } = {}): AsyncIterable<VectorRecord[]> {
    const batch = options.batch ?? 500;
    const ids = options.ids ? [...options.ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)) : undefined;
    let after = '0';
    for (let page = 0; ; page++) {
      const wanted = ids?.slice(page * batch, (page + 1) * batch);
      if (wanted && wanted.length === 0) return;
      const rows: { id: string; vector: number[]; symbol: string; publishedAt: Date; documentId: string; chunkIndex: number; formType: string | null; source: string }[] = await this.ds.query(
        `SELECT c.id::text, e.vector, c.symbol, c.published_at AS "publishedAt", c.document_id::text AS "documentId", c.chunk_index AS "chunkIndex",
                d.form_type AS "formType", d.source
         FROM document_embedding e JOIN document_chunk c ON c.id = e.chunk_id JOIN document d ON d.id = c.document_id
         WHERE e.model = $1 AND e.model_version = $2 AND d.superseded_at IS NULL AND c.id > $3::bigint AND ($5::bigint[] IS NULL OR c.id = ANY($5::bigint[]))
         ORDER BY c.id LIMIT $4`, [model, version, wanted ? '0' : after, batch, wanted ?? null]);
      if (rows.length > 0) {
        yield rows.map((r) => ({
          id: r.id, vector: r.vector, symbol: r.symbol, publishedAt: r.publishedAt, documentId: r.documentId, chunkIndex: r.chunkIndex,
          metadata: { source: r.source, ...(r.formType ? { formType: r.formType } : {}) },
        }));
        after = rows[rows.length - 1].id;
      }
      if (!wanted && rows.length < batch) return;
    }
  }

  /** Ids of current chunks embedded under a model: what every store's collection must hold. */
  async indexedChunkIds(model: string, version: string): Promise<string[]> {
    const rows: { id: string }[] = await this.ds.query(
      `SELECT c.id::text FROM document_embedding e JOIN document_chunk c ON c.id = e.chunk_id JOIN document d ON d.id = c.document_id
       WHERE e.model = $1 AND e.model_version = $2 AND d.superseded_at IS NULL ORDER BY c.id`, [model, version]);
    return rows.map((r) => r.id);
  }

  /** Chunk texts and their documents for hits from a store, in the given order. */
  async chunksByIds(ids: string[]): Promise<ChunkHit[]> {
    if (ids.length === 0) return [];
    const rows: ChunkHit[] = await this.ds.query(
      `SELECT ${CHUNK_HIT_COLUMNS} FROM document_chunk c JOIN document d ON d.id = c.document_id WHERE c.id = ANY($1::bigint[])`, [ids]);
    const byId = new Map(rows.map((r) => [r.chunkId, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is ChunkHit => r !== undefined);
  }

  /** PostgreSQL full-text ranking (ts_rank_cd over websearch_to_tsquery), point in time, current versions only. */
  async fullTextSearch(query: string, options: { symbols?: string[]; asOf?: Date; limit: number }): Promise<(ChunkHit & { rank: number })[]> {
    return this.ds.query(
      `SELECT ${CHUNK_HIT_COLUMNS}, ts_rank_cd(c.tsv, q) AS rank
       FROM document_chunk c JOIN document d ON d.id = c.document_id, websearch_to_tsquery('english', $1) q
       WHERE c.tsv @@ q AND d.superseded_at IS NULL AND ($2::timestamptz IS NULL OR c.published_at <= $2) ${symbolFilter(options.symbols, 4)}
       ORDER BY rank DESC, c.id LIMIT $3`, [query, options.asOf ?? null, options.limit, options.symbols?.length ? options.symbols : null]);
  }

  /** Symbols among `symbols` with no document at all. */
  async unknownSymbols(symbols: string[]): Promise<string[]> {
    const rows: { symbol: string }[] = await this.ds.query(`SELECT DISTINCT symbol FROM document WHERE symbol = ANY($1::text[])`, [symbols]);
    const known = new Set(rows.map((r) => r.symbol));
    return symbols.filter((s) => !known.has(s));
  }

  async list(options: { symbols?: string[]; limit: number }): Promise<DocumentRow[]> {
    return this.ds.query(
      `SELECT d.id::text, d.document_key AS "documentKey", d.version, d.symbol, d.published_at AS "publishedAt", d.source, d.form_type AS "formType", d.title, d.link,
              d.content_hash AS "contentHash", d.format, d.tokens, d.superseded_at AS "supersededAt", d.ingested_at AS "ingestedAt", d.pipeline_run_id AS "pipelineRunId",
              (SELECT count(*)::int FROM document_chunk c WHERE c.document_id = d.id) AS chunks
       FROM document d WHERE d.superseded_at IS NULL ${symbolFilter(options.symbols, 2)} ORDER BY d.published_at DESC, d.id DESC LIMIT $1`,
      [options.limit, options.symbols?.length ? options.symbols : null]);
  }

  /** A document by id (any version) or key (its current version), with its text. */
  async get(idOrKey: string): Promise<(DocumentRow & { text: string; versions: number[] }) | null> {
    const [row] = await this.ds.query(
      `SELECT d.id::text, d.document_key AS "documentKey", d.version, d.symbol, d.published_at AS "publishedAt", d.source, d.form_type AS "formType", d.title, d.link,
              d.content_hash AS "contentHash", d.format, d.tokens, d.text, d.superseded_at AS "supersededAt", d.ingested_at AS "ingestedAt", d.pipeline_run_id AS "pipelineRunId",
              (SELECT count(*)::int FROM document_chunk c WHERE c.document_id = d.id) AS chunks,
              ARRAY(SELECT v.version FROM document v WHERE v.document_key = d.document_key ORDER BY v.version) AS versions
       FROM document d WHERE (d.document_key = $1 AND d.superseded_at IS NULL) OR ($1 ~ '^[0-9]{1,18}$' AND d.id = $1::text::bigint) LIMIT 1`, [idOrKey]);
    return row ?? null;
  }

  /** A document's chunks in order, with their offsets in the extracted text. */
  async chunksOf(documentId: string): Promise<{ id: string; index: number; text: string; tokens: number; start: number; end: number }[]> {
    if (!/^[0-9]{1,18}$/.test(documentId)) return [];
    return this.ds.query(
      `SELECT id::text, chunk_index AS index, text, tokens, start_offset AS start, end_offset AS "end" FROM document_chunk WHERE document_id = $1::bigint ORDER BY chunk_index`,
      [documentId]);
  }

  /** Current documents of a symbol published at or before `asOf`, oldest first: what document features read. */
  async facts(symbol: string, asOf: Date): Promise<DocumentFact[]> {
    return this.ds.query(
      `SELECT published_at AS "publishedAt", form_type AS "formType", text FROM document
       WHERE symbol = $1 AND superseded_at IS NULL AND published_at <= $2 ORDER BY published_at, id`, [symbol, asOf]);
  }

  /** The numbers the document quality rules check, for one model version. */
  async embeddingQuality(model: string, version: string, dimension: number): Promise<EmbeddingQuality> {
    const [row] = await this.ds.query(
      `SELECT (SELECT count(*)::int FROM document_chunk c JOIN document d ON d.id = c.document_id WHERE d.superseded_at IS NULL) AS chunks,
              count(*)::int AS embedded,
              count(*) FILTER (WHERE coalesce(array_length(e.vector, 1), 0) <> $3)::int AS "wrongDimension",
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM unnest(e.vector) x WHERE x = 'NaN'::real OR x = 'Infinity'::real OR x = '-Infinity'::real))::int AS "nonFinite"
       FROM document_embedding e JOIN document_chunk c ON c.id = e.chunk_id JOIN document d ON d.id = c.document_id
       WHERE e.model = $1 AND e.model_version = $2 AND d.superseded_at IS NULL`, [model, version, dimension]);
    return row;
  }
}
