// pgvector: plain SQL over any PostgreSQL with the `vector` extension (≥ 0.8.0), through a minimal query interface
// so the same module runs on a real server (node-postgres) and on PGlite in tests. One table per collection in the
// schema `tickflow_vectors`, with an HNSW index (vector_cosine_ops). Filters are WHERE clauses of the ANN query
// itself; with `hnsw.iterative_scan = relaxed_order` the index scan keeps going until k rows pass them (without it a
// selective filter sees only the first ef_search candidates and returns fewer than k).
import { InputError } from '../contracts/errors';
import { assertCollectionName, checkQuery, checkRecords, existsWithDimension, requireCollection, slices } from './records';
import type { VectorHit, VectorQuery, VectorRecord, VectorStore } from './store';

/** What the store needs from a PostgreSQL driver: parameterised queries, and a transaction for session settings. */
export interface SqlQueryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
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
}

const SCHEMA = 'tickflow_vectors';
const table = (collection: string) => `${SCHEMA}."${collection}"`;
/** pgvector's text form of a vector. */
const vectorLiteral = (v: number[]) => `[${v.join(',')}]`;

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
      await tx.query(`CREATE INDEX IF NOT EXISTS "${collection}_hnsw" ON ${table(collection)} USING hnsw (embedding vector_cosine_ops)`);
      // For selective filters the planner may skip the ANN index and scan these instead: exact, and still k rows.
      await tx.query(`CREATE INDEX IF NOT EXISTS "${collection}_symbol_published" ON ${table(collection)} (symbol, published_at)`);
      await tx.query(`CREATE INDEX IF NOT EXISTS "${collection}_metadata" ON ${table(collection)} USING gin (metadata jsonb_path_ops)`);
    });
    this.dimensions.set(collection, dimension);
  }

  async upsert(collection: string, records: VectorRecord[]): Promise<void> {
    const dimension = await this.require(collection);
    checkRecords(this.name, collection, dimension, records);
    for (const slice of slices(records, 500)) {
      // One JSON parameter per slice (the same on every driver); `(r->'v')::text` is the array's own text, which
      // is pgvector's input format.
      const rows = slice.map((r) => ({
        id: r.id, v: r.vector, s: r.symbol, p: r.publishedAt.toISOString(), d: r.documentId, c: r.chunkIndex, m: r.metadata ?? {},
      }));
      await this.sql.query(`INSERT INTO ${table(collection)} (id, embedding, symbol, published_at, document_id, chunk_index, metadata)
        SELECT r->>'id', (r->'v')::text::vector, r->>'s', (r->>'p')::timestamptz, r->>'d', (r->>'c')::int, (r->'m')::jsonb
        FROM json_array_elements($1::json) r
        ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding, symbol = EXCLUDED.symbol, published_at = EXCLUDED.published_at,
          document_id = EXCLUDED.document_id, chunk_index = EXCLUDED.chunk_index, metadata = EXCLUDED.metadata`, [JSON.stringify(rows)]);
    }
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
