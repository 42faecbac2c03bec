// The two drivers the pgvector store runs on: node-postgres for a real server, PGlite (WASM PostgreSQL with the
// pgvector extension built in) for tests, the benchmark and a server-less `pglite:` URL.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pool, type PoolClient } from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import type { SqlClient, SqlQueryable } from './pgvector-store';

const copyStatement = (table: string, columns: readonly string[], source: string) => `COPY ${table} (${columns.join(', ')}) FROM ${source} WITH (FORMAT binary)`;

function clientQueryable(client: PoolClient): SqlQueryable {
  return {
    query: async (text, params) => ({ rows: (await client.query(text, params)).rows }),
    copyFrom: (table, columns, data) => pipeline(Readable.from([data]), client.query(copyFromStdin(copyStatement(table, columns, 'STDIN')))),
  };
}

export function pgPoolClient(url: string, poolMax = 4): SqlClient {
  const pool = new Pool({ connectionString: url, max: poolMax, application_name: 'tickflow-pgvector' });
  return {
    query: async (text, params) => ({ rows: (await pool.query(text, params)).rows }),
    async copyFrom(table, columns, data) {
      const client = await pool.connect();
      try {
        await clientQueryable(client).copyFrom(table, columns, data);
      } finally {
        client.release();
      }
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(clientQueryable(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    end: () => pool.end(),
  };
}

/** PGlite in memory (no dataDir) or in a folder; loads the pgvector extension that ships with it. */
export async function pgliteClient(dataDir?: string): Promise<SqlClient> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite-pgvector');
  const db = await PGlite.create({ dataDir, extensions: { vector } });
  const queryable = (q: Pick<typeof db, 'query'>): SqlQueryable => ({
    query: async <R>(text: string, params?: unknown[]) => ({ rows: (await q.query<R>(text, params)).rows }),
    // PGlite reads COPY input from the virtual file /dev/blob.
    copyFrom: async (table, columns, data) => {
      await q.query(copyStatement(table, columns, `'/dev/blob'`), [], { blob: new Blob([new Uint8Array(data)]) });
    },
  });
  return {
    ...queryable(db),
    transaction: (fn) => db.transaction((tx) => fn(queryable(tx))),
    end: () => db.close(),
  };
}
