// COPY FROM STDIN: PostgreSQL's text format (the bulk path for every large write) and its binary format (for wide
// numeric rows, where formatting and parsing decimal text costs more than the insert itself).
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
  if (Array.isArray(v)) return `{${v.map((x) => (x === null ? 'NULL' : String(x))).join(',')}}`;
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

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const FLOAT8_OID = 701;
const TWO_32 = 2 ** 32;
/** Chunks handed to the socket: large enough that per-chunk overhead vanishes, small enough to keep memory flat. */
const BINARY_CHUNK_BYTES = 1 << 20;

/**
 * Encodes rows in COPY's binary format (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4):
 * doubles travel as 8 raw bytes instead of shortest-round-trip decimal text, which is both what JS spends most of a
 * text COPY on and what PostgreSQL spends most of its parsing on. Each field method writes one field of the current
 * row; the caller must write exactly the count given to row(), in the COPY's column order and types.
 */
export class BinaryCopyWriter {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;
  private lastUuid: { text: string; bytes: Buffer } | undefined;

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.buf.write('PGCOPY\n\xff\r\n\0', 0, 'latin1');
    this.view.setInt32(11, 0); // flags: no OIDs
    this.view.setInt32(15, 0); // header extension length
    this.pos = 19;
  }

  /** Bytes written and not yet taken. */
  get length(): number {
    return this.pos;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  row(fields: number): void {
    this.ensure(2);
    this.view.setInt16(this.pos, fields);
    this.pos += 2;
  }

  null(): void {
    this.ensure(4);
    this.view.setInt32(this.pos, -1);
    this.pos += 4;
  }

  /** A text/varchar field from bytes encoded once (UTF-8), for values repeated on every row. */
  bytes(value: Buffer): void {
    this.ensure(4 + value.length);
    this.view.setInt32(this.pos, value.length);
    value.copy(this.buf, this.pos + 4);
    this.pos += 4 + value.length;
  }

  text(value: string | null): void {
    if (value === null) return this.null();
    this.ensure(4 + 3 * value.length);
    const n = this.buf.write(value, this.pos + 4, 'utf8');
    this.view.setInt32(this.pos, n);
    this.pos += 4 + n;
  }

  /** timestamptz: microseconds since 2000-01-01 UTC as int64, split into exact 32-bit halves (no BigInt). */
  timestamptz(epochMs: number): void {
    this.ensure(12);
    const ms = epochMs - PG_EPOCH_MS;
    const msHigh = Math.floor(ms / TWO_32);
    const lowUs = (ms - msHigh * TWO_32) * 1000;
    const carry = Math.floor(lowUs / TWO_32);
    this.view.setInt32(this.pos, 8);
    this.view.setInt32(this.pos + 4, msHigh * 1000 + carry);
    this.view.setUint32(this.pos + 8, lowUs - carry * TWO_32);
    this.pos += 12;
  }

  float8(value: number | null): void {
    if (value === null) return this.null();
    this.ensure(12);
    this.view.setInt32(this.pos, 8);
    this.view.setFloat64(this.pos + 4, value);
    this.pos += 12;
  }

  /** float8[] (one dimension); a missing element (null, or NaN in a typed array) is stored as NULL. */
  float8Array(values: ArrayLike<number | null>): void {
    const n = values.length;
    this.ensure(24 + 12 * n);
    const v = this.view;
    const start = this.pos;
    let at = start + 4;
    v.setInt32(at, n === 0 ? 0 : 1); // dimensions
    v.setInt32(at + 8, FLOAT8_OID);
    let hasNull = 0;
    if (n > 0) {
      v.setInt32(at + 12, n);
      v.setInt32(at + 16, 1); // lower bound
      at += 20;
      for (let i = 0; i < n; i++) {
        const x = values[i];
        if (x === null || x !== x) {
          v.setInt32(at, -1);
          at += 4;
          hasNull = 1;
        } else {
          v.setInt32(at, 8);
          v.setFloat64(at + 4, x);
          at += 12;
        }
      }
    } else {
      at += 12;
    }
    v.setInt32(start + 8, hasNull);
    v.setInt32(start, at - start - 4);
    this.pos = at;
  }

  /** uuid from its canonical text (or null); the last one is parsed once, as a run id repeats on every row. */
  uuid(value: string | null): void {
    if (value === null) return this.null();
    if (value !== this.lastUuid?.text) {
      const hex = value.replace(/-/g, '');
      if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`BinaryCopyWriter.uuid: "${value}" is not a uuid`);
      this.lastUuid = { text: value, bytes: Buffer.from(hex, 'hex') };
    }
    this.bytes(this.lastUuid.bytes);
  }

  /** The bytes written so far, copied out; the writer keeps its buffer for the next rows. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    return out;
  }

  /** The remaining bytes and the end-of-data marker. */
  end(): Buffer {
    this.ensure(2);
    this.view.setInt16(this.pos, -1);
    this.pos += 2;
    return this.take();
  }
}

/**
 * Streams rows in COPY's binary format into `table (columns)`. `produce` writes rows into the writer and yields
 * whenever it likes (e.g. after each symbol); full chunks are handed to the socket at those points, so PostgreSQL
 * ingests while the producer computes the next rows.
 */
export async function copyBinary(
  manager: EntityManager,
  table: string,
  columns: string[],
  produce: (writer: BinaryCopyWriter) => AsyncIterable<unknown> | Iterable<unknown>,
): Promise<void> {
  const writer = new BinaryCopyWriter(BINARY_CHUNK_BYTES * 2);
  async function* chunks() {
    for await (const _ of produce(writer) as AsyncIterable<unknown>) {
      if (writer.length >= BINARY_CHUNK_BYTES) yield writer.take();
    }
    yield writer.end();
  }
  const stream = rawClient(manager).query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN (FORMAT binary)`));
  // Readable.from queues 16 objects by default: 16 MiB of chunks waiting for the socket. Two keep it fed.
  await pipeline(Readable.from(chunks(), { highWaterMark: 2 }), stream);
}

/**
 * Decodes a float8[] sent in PostgreSQL's binary array format (array_send); NULL elements become null. Reading 8
 * raw bytes per value is several times cheaper than parsing the array's decimal text.
 */
export function readFloat8Array(bytes: Buffer): (number | null)[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dimensions = view.getInt32(0);
  if (dimensions === 0) return [];
  if (dimensions !== 1 || view.getInt32(8) !== FLOAT8_OID) {
    throw new Error(`readFloat8Array: not a one-dimensional float8[] (${dimensions} dimensions, element type ${view.getInt32(8)})`);
  }
  const n = view.getInt32(12);
  const out = new Array<number | null>(n);
  let at = 20;
  for (let i = 0; i < n; i++) {
    const length = view.getInt32(at);
    at += 4;
    if (length < 0) {
      out[i] = null;
    } else {
      out[i] = view.getFloat64(at);
      at += length;
    }
  }
  return out;
}
