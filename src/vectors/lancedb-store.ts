// LanceDB, the embedded default: one Lance table per collection in a folder under the state dir, no server.
// Filters are SQL predicates applied as a prefilter (LanceDB's default for vector queries): the ANN search only
// visits rows that pass symbol, published_at and metadata, so a point-in-time query still returns k rows.
import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Float64, Int32, List, Schema, Utf8 } from 'apache-arrow';
import { assertCollectionName, checkQuery, checkRecords, existsWithDimension, metadataTags, requireCollection, slices } from './records';
import type { VectorHit, VectorQuery, VectorRecord, VectorStore } from './store';

export interface LanceDbStoreOptions {
  /** Folder holding the Lance tables. */
  dir: string;
  /**
   * Rows a collection needs before an ANN index is trained (IVF_HNSW_SQ needs a sample to train its quantizer and
   * partitions on; below this a flat scan is exact and fast). @default 5000
   */
  indexMinRows?: number;
}

const VECTOR_INDEX = 'vector_idx';

function schemaFor(dimension: number): Schema {
  return new Schema([
    new Field('id', new Utf8(), false),
    new Field('vector', new FixedSizeList(dimension, new Field('item', new Float32(), true)), false),
    new Field('symbol', new Utf8(), false),
    // Epoch milliseconds: a plain number keeps the predicate `published_ms <= …` simple and index-friendly.
    new Field('published_ms', new Float64(), false),
    new Field('document_id', new Utf8(), false),
    new Field('chunk_index', new Int32(), false),
    new Field('meta_tags', new List(new Field('item', new Utf8(), true)), false),
  ]);
}

/** A SQL string literal (LanceDB filters are DataFusion SQL). */
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function lanceFilter(query: Pick<VectorQuery, 'symbols' | 'asOf' | 'metadata'>): string | undefined {
  const parts: string[] = [];
  if (query.symbols) parts.push(query.symbols.length ? `symbol IN (${query.symbols.map(literal).join(', ')})` : 'false');
  if (query.asOf) parts.push(`published_ms <= ${query.asOf.getTime()}`);
  for (const tag of metadataTags(query.metadata)) parts.push(`array_has(meta_tags, ${literal(tag)})`);
  return parts.length ? parts.join(' AND ') : undefined;
}

export class LanceDbStore implements VectorStore {
  readonly name = 'lancedb';
  private readonly indexMinRows: number;
  private connection: Promise<lancedb.Connection> | undefined;
  private readonly tables = new Map<string, { table: lancedb.Table; dimension: number }>();

  constructor(private readonly options: LanceDbStoreOptions) {
    this.indexMinRows = options.indexMinRows ?? 5000;
  }

  private db(): Promise<lancedb.Connection> {
    this.connection ??= lancedb.connect(this.options.dir);
    return this.connection;
  }

  private async open(collection: string): Promise<{ table: lancedb.Table; dimension: number } | undefined> {
    assertCollectionName(this.name, collection);
    const cached = this.tables.get(collection);
    if (cached) return cached;
    const db = await this.db();
    if (!(await db.tableNames()).includes(collection)) return undefined;
    const table = await db.openTable(collection);
    const vectorType = (await table.schema()).fields.find((f) => f.name === 'vector')?.type as FixedSizeList | undefined;
    const entry = { table, dimension: vectorType?.listSize ?? 0 };
    this.tables.set(collection, entry);
    return entry;
  }

  private async require(collection: string): Promise<{ table: lancedb.Table; dimension: number }> {
    return requireCollection(this.name, collection, await this.open(collection));
  }

  async ensureCollection(collection: string, dimension: number): Promise<void> {
    if (existsWithDimension(this.name, collection, (await this.open(collection))?.dimension, dimension)) return;
    const table = await (await this.db()).createEmptyTable(collection, schemaFor(dimension), { mode: 'create', existOk: true });
    this.tables.set(collection, { table, dimension });
  }

  async upsert(collection: string, records: VectorRecord[]): Promise<void> {
    const { table, dimension } = await this.require(collection);
    checkRecords(this.name, collection, dimension, records);
    if (records.length === 0) return;
    await this.merge(table, dimension, records);
    await this.maintainIndex(table);
  }

  /** Every batch merged first, the index trained or optimized once at the end (not once per batch). */
  async load(collection: string, batches: AsyncIterable<VectorRecord[]>, onBatch?: (written: number) => void): Promise<number> {
    const { table, dimension } = await this.require(collection);
    let written = 0;
    for await (const batch of batches) {
      checkRecords(this.name, collection, dimension, batch);
      await this.merge(table, dimension, batch);
      written += batch.length;
      onBatch?.(written);
    }
    await this.maintainIndex(table);
    return written;
  }

  private async merge(table: lancedb.Table, dimension: number, records: VectorRecord[]): Promise<void> {
    const schema = schemaFor(dimension);
    for (const slice of slices(records, 5000)) {
      const rows = slice.map((r) => ({
        id: r.id,
        vector: r.vector,
        symbol: r.symbol,
        published_ms: r.publishedAt.getTime(),
        document_id: r.documentId,
        chunk_index: r.chunkIndex,
        meta_tags: metadataTags(r.metadata),
      }));
      await table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(lancedb.makeArrowTable(rows, { schema }));
    }
  }

  /**
   * Trains the ANN index once the table is large enough, and folds new rows into it when many are unindexed
   * (LanceDB still searches unindexed rows exactly, so results stay correct in between, only slower).
   */
  private async maintainIndex(table: lancedb.Table): Promise<void> {
    const rows = await table.countRows();
    const indices = await table.listIndices();
    if (!indices.some((i) => i.name === VECTOR_INDEX)) {
      if (rows < this.indexMinRows) return;
      await table.createIndex('vector', {
        name: VECTOR_INDEX,
        // One HNSW graph per ~250k rows: HNSW wants few partitions; more only bounds training memory.
        config: lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: Math.max(1, Math.ceil(rows / 250_000)), m: 20, efConstruction: 150 }),
      });
      // Scalar indexes make the prefilter an index lookup instead of a scan.
      await table.createIndex('symbol', { config: lancedb.Index.bitmap(), name: 'symbol_idx' });
      await table.createIndex('published_ms', { config: lancedb.Index.btree(), name: 'published_idx' });
      await table.createIndex('meta_tags', { config: lancedb.Index.labelList(), name: 'meta_tags_idx' });
      return;
    }
    const stats = await table.indexStats(VECTOR_INDEX);
    if (stats && stats.numUnindexedRows > Math.max(1000, 0.2 * stats.numIndexedRows)) await table.optimize();
  }

  /** Whether the collection has its ANN index yet (false: queries are an exact flat scan). */
  async hasVectorIndex(collection: string): Promise<boolean> {
    const { table } = await this.require(collection);
    return (await table.listIndices()).some((i) => i.name === VECTOR_INDEX);
  }

  async delete(collection: string, ids: string[]): Promise<void> {
    const { table } = await this.require(collection);
    for (const slice of slices(ids, 1000)) await table.delete(`id IN (${slice.map(literal).join(', ')})`);
  }

  async query(collection: string, query: VectorQuery): Promise<VectorHit[]> {
    const { table, dimension } = await this.require(collection);
    checkQuery(this.name, collection, dimension, query);
    let search = table
      .vectorSearch(query.vector)
      .distanceType('cosine')
      .select(['id', 'symbol', 'published_ms', 'document_id', 'chunk_index', '_distance'])
      .limit(query.k)
      // HNSW candidate list: wider than k so a selective prefilter still finds k close rows.
      .ef(Math.max(200, 10 * query.k))
      // Re-rank the quantized candidates with the stored full-precision vectors.
      .refineFactor(4);
    const where = lanceFilter(query);
    if (where) search = search.where(where);
    const rows = (await search.toArray()) as Array<{ id: string; symbol: string; published_ms: number; document_id: string; chunk_index: number; _distance: number }>;
    return rows.map((r) => ({
      id: r.id,
      score: 1 - r._distance,
      symbol: r.symbol,
      publishedAt: new Date(r.published_ms),
      documentId: r.document_id,
      chunkIndex: r.chunk_index,
    }));
  }

  async count(collection: string): Promise<number> {
    return (await this.require(collection)).table.countRows();
  }

  async ids(collection: string): Promise<string[]> {
    const { table } = await this.require(collection);
    const rows = (await table.query().select(['id']).toArray()) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  async dropCollection(collection: string): Promise<void> {
    assertCollectionName(this.name, collection);
    this.tables.get(collection)?.table.close();
    this.tables.delete(collection);
    const db = await this.db();
    if ((await db.tableNames()).includes(collection)) await db.dropTable(collection);
  }

  async close(): Promise<void> {
    for (const { table } of this.tables.values()) table.close();
    this.tables.clear();
    if (this.connection) (await this.connection).close();
    this.connection = undefined;
  }
}
