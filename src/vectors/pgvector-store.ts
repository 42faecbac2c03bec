// pgvector: plain SQL over any PostgreSQL with the `vector` extension (≥ 0.8.0), through a minimal query interface
// so the same module runs on a real server (node-postgres) and on PGlite in tests. One table per collection in the
// schema `tickflow_vectors`, with an HNSW index (vector_cosine_ops). Filters are WHERE clauses of the ANN query
// itself; with `hnsw.iterative_scan = relaxed_order` the index scan keeps going until k rows pass them (without it a
// selective filter sees only the first ef_search candidates and returns fewer than k).
// Writes go in by binary COPY into a staging table and one INSERT … ON CONFLICT from it; a large load (`load`, used
// by reindex and by an index sync that adds more rows than the table holds) drops the HNSW index, loads everything
// in one transaction and builds the index once at the end: building HNSW over n rows is several times faster than
// n single-row graph inserts, and the transaction makes the swap atomic (a failed load leaves the old table).
import { InputError } from '../contracts/errors';
import { COPY_COLUMNS, encodeCopyBinary } from './pgvector-copy';
import { assertCollectionName, checkQuery, checkRecords, existsWithDimension, requireCollection, slices } from './records';
import type { VectorHit, VectorQuery, VectorRecord, VectorStore } from './store';

/** What the store needs from a PostgreSQL driver: parameterised queries, binary COPY, a transaction for settings. */
export interface SqlQueryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** `COPY table (columns) FROM STDIN (FORMAT binary)` with `data` as its input. */
  copyFrom(table: string, columns: readonly string[], data: Buffer): Promise<void>;
}
export interface SqlClient extends SqlQueryable {
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  end(): Promise<void>;
}

export interface PgvectorStoreOptions {
  /**
   * `relaxed_order` (default): filtered HNSW scans continue until k rows pass the filter (pgvector 0.8.0+).
   * `off`: pgvector's pre-0.8 behaviour, kept to show why the setting matters.
   */
  iterativeScan?: 'relaxed_order' | 'strict_order' | 'off';
  /** HNSW candidate list size per scan step. @default 100 */
  efSearch?: number;
  /** Most tuples an iterative scan visits before it gives up. @default 20000 (pgvector's default) */
  maxScanTuples?: number;
  /**
   * maintenance_work_mem for the HNSW build after a load: the graph of 100,000 512-d vectors needs ~300 MB to be
   * built in memory (pgvector warns and continues on disk, much slower, when it does not fit). @default '1GB'
   */
  indexBuildMemory?: string;
}

const SCHEMA = 'tickflow_vectors';
const table = (collection: string) => `${SCHEMA}."${collection}"`;
/** pgvector's text form of a vector. */
const vectorLiteral = (v: number[]) => `[${v.join(',')}]`;
const hnswIndex = (collection: string) => `"${collection}_hnsw"`;
const createHnsw = (collection: string) => `CREATE INDEX IF NOT EXISTS ${hnswIndex(collection)} ON ${table(collection)} USING hnsw (embedding vector_cosine_ops)`;
/** Rows per COPY: a few MB of 512-d vectors per statement. */
const COPY_ROWS = 2000;
const MEMORY = /^\d+(kB|MB|GB)$/;

export class PgvectorStore implements VectorStore {
  readonly name = 'pgvector';
  private readonly dimensions = new Map<string, number>();
  private ready: Promise<void> | undefined;

  constructor(private readonly sql: SqlClient, private readonly options: PgvectorStoreOptions = {}) {}

  private setup(): Promise<void> {
    this.ready ??= (async () => {
      const [ext] = (await this.sql.query<{ extversion: string }>(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`)).rows;
      if (!ext) {
        try {
          await this.sql.query('CREATE EXTENSION IF NOT EXISTS vector');
        } catch (err) {
          throw new InputError(`the vector extension is not installed and cannot be created: ${(err as Error).message}`, 'pgvector');
        }
      }
      await this.sql.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    })();
    return this.ready;
  }

  /** The collection's dimension from the column type (vector(n) stores n as its typmod), or undefined. */
  private async dimension(collection: string): Promise<number | undefined> {
    assertCollectionName(this.name, collection);
    await this.setup();
    const known = this.dimensions.get(collection);
    if (known) return known;
    const { rows } = await this.sql.query<{ dim: number }>(
      `SELECT a.atttypmod AS dim FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = 'embedding'`, [SCHEMA, collection]);
    if (!rows.length) return undefined;
    this.dimensions.set(collection, Number(rows[0].dim));
    return Number(rows[0].dim);
  }

  private async require(collection: string): Promise<number> {
    return requireCollection(this.name, collection, await this.dimension(collection));
  }

  async ensureCollection(collection: string, dimension: number): Promise<void> {
    if (existsWithDimension(this.name, collection, await this.dimension(collection), dimension)) return;
    if (!Number.isInteger(dimension) || dimension < 1 || dimension > 2000) {
      throw new InputError(`dimension ${dimension} must be an integer in 1..2000 (pgvector's HNSW limit)`, `${this.name} ${collection}`);
    }
    await this.sql.transaction(async (tx) => {
      await tx.query(`CREATE TABLE IF NOT EXISTS ${table(collection)} (
        id text PRIMARY KEY,
        embedding vector(${dimension}) NOT NULL,
        symbol text NOT NULL,
        published_at timestamptz NOT NULL,
        document_id text NOT NULL,
        chunk_index integer NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb)`);
      await tx.query(createHnsw(collection));
      // For selective filters the planner may skip the ANN index and scan these instead: exact, and still k rows.
      await tx.query(`CREATE INDEX IF NOT EXISTS "${collection}_symbol_published" ON ${table(collection)} (symbol, published_at)`);
      await tx.query(`CREATE INDEX IF NOT EXISTS "${collection}_metadata" ON ${table(collection)} USING gin (metadata jsonb_path_ops)`);
    });
    this.dimensions.set(collection, dimension);
  }

  async upsert(collection: string, records: VectorRecord[]): Promise<void> {
    const dimension = await this.require(collection);
    checkRecords(this.name, collection, dimension, records);
    if (records.length === 0) return;
    await this.sql.transaction(async (tx) => {
      const stage = await this.createStage(tx, collection);
      for (const slice of slices(records, COPY_ROWS)) await this.merge(tx, collection, stage, slice, dimension);
    });
  }

  /**
   * Upserts every batch in one transaction with the HNSW index dropped, then builds it once: the bulk path for a
   * reindex (an empty table) or a sync that adds at least as many rows as the table holds. Returns rows written.
   */
  async load(collection: string, batches: AsyncIterable<VectorRecord[]>, onBatch?: (written: number) => void): Promise<number> {
    const dimension = await this.require(collection);
    const memory = this.options.indexBuildMemory ?? '1GB';
    if (!MEMORY.test(memory)) throw new InputError(`indexBuildMemory ${JSON.stringify(memory)} must look like 512MB or 1GB`, this.name);
    return this.sql.transaction(async (tx) => {
      await tx.query(`DROP INDEX IF EXISTS ${SCHEMA}.${hnswIndex(collection)}`);
      const stage = await this.createStage(tx, collection);
      let written = 0;
      for await (const batch of batches) {
        checkRecords(this.name, collection, dimension, batch);
        for (const slice of slices(batch, COPY_ROWS)) await this.merge(tx, collection, stage, slice, dimension);
        written += batch.length;
        onBatch?.(written);
      }
      await tx.query(`SET LOCAL maintenance_work_mem = '${memory}'`);
      await tx.query(createHnsw(collection));
      return written;
    });
  }

  /** A temporary table shaped like the collection's, dropped at commit. */
  private async createStage(tx: SqlQueryable, collection: string): Promise<string> {
    const stage = `stage_${collection}`.slice(0, 63);
    await tx.query(`CREATE TEMP TABLE IF NOT EXISTS "${stage}" (LIKE ${table(collection)} INCLUDING DEFAULTS) ON COMMIT DROP`);
    return `"${stage}"`;
  }

  /** One slice (unique ids, already checked) through the staging table into the collection. */
  private async merge(tx: SqlQueryable, collection: string, stage: string, slice: VectorRecord[], dimension: number): Promise<void> {
    await tx.copyFrom(stage, COPY_COLUMNS, encodeCopyBinary(slice, dimension));
    await tx.query(`INSERT INTO ${table(collection)} (${COPY_COLUMNS.join(', ')}) SELECT ${COPY_COLUMNS.join(', ')} FROM ${stage}
      ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding, symbol = EXCLUDED.symbol, published_at = EXCLUDED.published_at,
        document_id = EXCLUDED.document_id, chunk_index = EXCLUDED.chunk_index, metadata = EXCLUDED.metadata`);
    await tx.query(`TRUNCATE ${stage}`);
  }

  async delete(collection: string, ids: string[]): Promise<void> {
    await this.require(collection);
    for (const slice of slices(ids, 1000)) await this.sql.query(`DELETE FROM ${table(collection)} WHERE id = ANY($1::text[])`, [slice]);
  }

  async query(collection: string, query: VectorQuery): Promise<VectorHit[]> {
    const dimension = await this.require(collection);
    checkQuery(this.name, collection, dimension, query);
    const params: unknown[] = [vectorLiteral(query.vector), query.k];
    const where: string[] = [];
    if (query.symbols) {
      params.push(query.symbols);
      where.push(`symbol = ANY($${params.length}::text[])`);
    }
    if (query.asOf) {
      params.push(query.asOf.toISOString());
      where.push(`published_at <= $${params.length}::timestamptz`);
    }
    if (query.metadata && Object.keys(query.metadata).length) {
      params.push(JSON.stringify(query.metadata));
      where.push(`metadata @> $${params.length}::jsonb`);
    }
    const iterative = this.options.iterativeScan ?? 'relaxed_order';
    // relaxed_order may hand back rows slightly out of order: the materialized CTE re-sorts them (pgvector README).
    const text = `WITH nearest AS MATERIALIZED (
        SELECT id, symbol, published_at, document_id, chunk_index, embedding <=> $1::vector AS distance
        FROM ${table(collection)} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY embedding <=> $1::vector LIMIT $2)
      SELECT * FROM nearest ORDER BY distance`;
    const rows = await this.sql.transaction(async (tx) => {
      // SET LOCAL: the settings end with the transaction, so a pooled connection is left as it was found.
      await tx.query(`SET LOCAL hnsw.iterative_scan = ${iterative}`);
      await tx.query(`SET LOCAL hnsw.ef_search = ${Math.max(this.options.efSearch ?? 100, query.k)}`);
      if (this.options.maxScanTuples) await tx.query(`SET LOCAL hnsw.max_scan_tuples = ${this.options.maxScanTuples}`);
      return (await tx.query<{ id: string; symbol: string; published_at: Date | string; document_id: string; chunk_index: number; distance: number }>(text, params)).rows;
    });
    return rows.map((r) => ({
      id: r.id,
      score: 1 - Number(r.distance),
      symbol: r.symbol,
      publishedAt: new Date(r.published_at),
      documentId: r.document_id,
      chunkIndex: Number(r.chunk_index),
    }));
  }

  /** The plan PostgreSQL picks for a query (tests check that the HNSW index is used). */
  async explain(collection: string, query: VectorQuery): Promise<string> {
    await this.require(collection);
    const params: unknown[] = [vectorLiteral(query.vector), query.k];
    let where = '';
    if (query.symbols) {
      params.push(query.symbols);
      where = `WHERE symbol = ANY($3::text[])`;
    }
    const { rows } = await this.sql.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT id FROM ${table(collection)} ${where} ORDER BY embedding <=> $1::vector LIMIT $2`, params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  async count(collection: string): Promise<number> {
    await this.require(collection);
    const { rows } = await this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table(collection)}`);
    return Number(rows[0].n);
  }

  async ids(collection: string): Promise<string[]> {
    await this.require(collection);
    return (await this.sql.query<{ id: string }>(`SELECT id FROM ${table(collection)}`)).rows.map((r) => r.id);
  }

  async dropCollection(collection: string): Promise<void> {
    assertCollectionName(this.name, collection);
    await this.setup();
    await this.sql.query(`DROP TABLE IF EXISTS ${table(collection)}`);
    this.dimensions.delete(collection);
  }

  async close(): Promise<void> {
    await this.sql.end();
  }
}
