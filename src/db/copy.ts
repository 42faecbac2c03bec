// COPY FROM STDIN in PostgreSQL's text format: the bulk path for every large write.
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';

export type CopyValue = string | number | boolean | Date | null | undefined | (number | null)[];

function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function encodeValue(v: CopyValue): string {
  if (v === null || v === undefined) return '\\N';
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return `{${v.map((x) => (x === null || !Number.isFinite(x) ? (x === null ? 'NULL' : String(x)) : String(x))).join(',')}}`;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  return escapeText(String(v));
}

export function encodeCopyRow(values: CopyValue[]): string {
  return values.map(encodeValue).join('\t') + '\n';
}

/** The pg client under a TypeORM transaction, for driver features TypeORM does not wrap (COPY). */
export function rawClient(manager: EntityManager): PoolClient {
  const qr = manager.queryRunner;
  if (!qr) throw new Error('rawClient needs an EntityManager bound to a query runner (inside a transaction)');
  return (qr as unknown as { databaseConnection: PoolClient }).databaseConnection;
}

/** Streams rows into `table (columns)`; batches lines into ~64 KiB chunks so the socket, not JS, sets the pace. */
export async function copyRows(
  manager: EntityManager,
  table: string,
  columns: string[],
  rows: AsyncIterable<CopyValue[]> | Iterable<CopyValue[]>,
): Promise<number> {
  let count = 0;
  async function* chunks() {
    let buf = '';
    for await (const row of rows as AsyncIterable<CopyValue[]>) {
      buf += encodeCopyRow(row);
      count++;
      if (buf.length > 65536) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  const stream = rawClient(manager).query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(chunks()), stream);
  return count;
}
