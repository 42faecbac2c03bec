// The two drivers the pgvector store runs on: node-postgres for a real server, PGlite (WASM PostgreSQL with the
// pgvector extension built in) for tests, the benchmark and a server-less `pglite:` URL.
import { Pool } from 'pg';
import type { SqlClient, SqlQueryable } from './pgvector-store';

export function pgPoolClient(url: string, poolMax = 4): SqlClient {
  const pool = new Pool({ connectionString: url, max: poolMax, application_name: 'tickflow-pgvector' });
  return {
    query: async (text, params) => ({ rows: (await pool.query(text, params)).rows }),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx: SqlQueryable = { query: async (text, params) => ({ rows: (await client.query(text, params)).rows }) };
        const result = await fn(tx);
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
  });
  return {
    ...queryable(db),
    transaction: (fn) => db.transaction((tx) => fn(queryable(tx))),
    end: () => db.close(),
  };
}
