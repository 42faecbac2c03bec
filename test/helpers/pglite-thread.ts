// PGlite (with pgvector) in a worker thread, behind the pgvector store's SqlClient interface. Jest runs tests in a
// VM context where PGlite's own dynamic `import()` of its WASM loader fails; a worker thread is a plain Node
// context, so the real PGlite runs there and the test talks to it through messages.
import path from 'node:path';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import type { SqlClient, SqlQueryable } from '../../src/vectors/pgvector-store';

/** `blob`: COPY input (PGlite reads it as /dev/blob). */
interface Request { id: number; text: string; params?: unknown[]; blob?: Uint8Array }
type Reply = { id: number; rows: unknown[] } | { id: number; error: string };

/** Starts PGlite in memory in a worker thread; queries are serialised (PGlite is one connection). */
export async function pgliteThreadClient(): Promise<SqlClient> {
  const worker = new Worker(path.join(__dirname, 'pglite-thread.js'));
  worker.unref();
  const pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (e: Error) => void }>();
  let next = 0;
  worker.on('message', (m: Reply | 'ready') => {
    if (m === 'ready') return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if ('error' in m) p?.reject(new Error(m.error));
    else p?.resolve(m.rows);
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  const send = <R>(text: string, params?: unknown[], blob?: Uint8Array) =>
    new Promise<{ rows: R[] }>((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve: (rows) => resolve({ rows: rows as R[] }), reject });
      worker.postMessage({ id, text, params, blob } satisfies Request);
    });
  const copy = async (table: string, columns: readonly string[], data: Buffer) => {
    await send(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob' WITH (FORMAT binary)`, [], new Uint8Array(data));
  };
  // One transaction at a time, and no other statement inside it.
  let lock: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = lock.then(fn, fn);
    lock = run.catch(() => undefined);
    return run;
  };
  const direct: SqlQueryable = { query: (text, params) => send(text, params), copyFrom: copy };
  return {
    query: (text, params) => exclusive(() => send(text, params)),
    copyFrom: (table, columns, data) => exclusive(() => copy(table, columns, data)),
    transaction: (fn) => exclusive(async () => {
      await send('BEGIN');
      try {
        const result = await fn(direct);
        await send('COMMIT');
        return result;
      } catch (err) {
        await send('ROLLBACK');
        throw err;
      }
    }),
    end: async () => {
      await exclusive(() => send('SELECT 1'));
      await worker.terminate();
    },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  void (async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const { vector } = await import('@electric-sql/pglite-pgvector');
    const db = await PGlite.create({ extensions: { vector } });
    const answer = async ({ id, text, params, blob }: Request) => {
      try {
        const rows = blob ? (await db.query(text, params, { blob: new Blob([new Uint8Array(blob)]) })).rows
          : params ? (await db.query(text, params)).rows : (await db.exec(text)).flatMap((r) => r.rows);
        port.postMessage({ id, rows } satisfies Reply);
      } catch (err) {
        port.postMessage({ id, error: (err as Error).message } satisfies Reply);
      }
    };
    port.on('message', (m: Request) => void answer(m));
    port.postMessage('ready');
  })();
}
