// The pgvector store's node-postgres driver (pgPoolClient: binary COPY through pg-copy-streams, transactions) on
// the machine's real PostgreSQL. That server has no pgvector, so the embedding column here is bytea: binary COPY
// hands a bytea column the field's bytes as they are, so the test reads back exactly the vector_send payload the
// encoder wrote (int16 dimension, int16 0, big-endian float4s) and every other column as PostgreSQL parsed it.
// The PGlite tests (vectors-pgvector.test.ts) run the same encoder into a real vector column.
import { Client } from 'pg';
import { COPY_COLUMNS, encodeCopyBinary } from '../../src/vectors/pgvector-copy';
import { pgPoolClient } from '../../src/vectors/sql-clients';
import type { VectorRecord } from '../../src/vectors';
import { testDatabaseUrl } from '../helpers/services';

const TABLE = 'tickflow_copy_driver_test';

describe('pgvector node-postgres driver on real PostgreSQL', () => {
  const client = pgPoolClient(testDatabaseUrl(), 2);
  beforeAll(async () => {
    await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await client.query(`CREATE TABLE ${TABLE} (id text PRIMARY KEY, embedding bytea, symbol text, published_at timestamptz, document_id text, chunk_index int, metadata jsonb)`);
  });
  afterAll(async () => {
    await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await client.end();
  });

  const records: VectorRecord[] = [
    { id: 'a-1', vector: [0.5, -1.25, 3], symbol: 'AAPL', publishedAt: new Date('1999-09-07T21:05:12.345Z'), documentId: 'd1', chunkIndex: 0, metadata: { form: '8-K', page: 2, amended: false } },
    { id: 'é-2', vector: [1e-7, 0, -2], symbol: 'BRK.B', publishedAt: new Date('2026-03-06T21:11:25Z'), documentId: 'd2', chunkIndex: 41 },
  ];

  test('binary COPY writes every column as PostgreSQL reads it', async () => {
    await client.copyFrom(TABLE, COPY_COLUMNS, encodeCopyBinary(records, 3));
    const rows = (await client.query<{ id: string; embedding: Buffer; symbol: string; published_at: Date; document_id: string; chunk_index: number; metadata: unknown }>(
      `SELECT * FROM ${TABLE} ORDER BY chunk_index`)).rows;
    expect(rows.map(({ embedding, ...rest }) => rest)).toEqual([
      { id: 'a-1', symbol: 'AAPL', published_at: records[0].publishedAt, document_id: 'd1', chunk_index: 0, metadata: { form: '8-K', page: 2, amended: false } },
      { id: 'é-2', symbol: 'BRK.B', published_at: records[1].publishedAt, document_id: 'd2', chunk_index: 41, metadata: {} },
    ]);
    for (const [i, r] of rows.entries()) {
      const e = r.embedding;
      expect([e.readInt16BE(0), e.readInt16BE(2), e.length]).toEqual([3, 0, 4 + 3 * 4]);
      expect([0, 1, 2].map((d) => e.readFloatBE(4 + 4 * d))).toEqual(records[i].vector.map((x) => Math.fround(x)));
    }
  });

  test('a failing statement inside transaction() rolls back the COPY before it', async () => {
    const before = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${TABLE}`)).rows[0].n;
    const more = records.map((r) => ({ ...r, id: `${r.id}-tx` }));
    await expect(client.transaction(async (tx) => {
      await tx.copyFrom(TABLE, COPY_COLUMNS, encodeCopyBinary(more, 3));
      await tx.query(`INSERT INTO ${TABLE} (id) VALUES ('a-1')`); // duplicate key
    })).rejects.toThrow(/duplicate key/);
    // A separate connection sees nothing of the rolled-back load.
    const other = new Client({ connectionString: testDatabaseUrl() });
    await other.connect();
    try {
      expect((await other.query(`SELECT count(*)::int AS n FROM ${TABLE}`)).rows[0].n).toBe(before);
    } finally {
      await other.end();
    }
  });
});
