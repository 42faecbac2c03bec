// PostgreSQL's binary COPY format for a pgvector collection's rows: the fastest way in (no text parsing of 512
// floats per row inside the server, which on PGlite's WASM is most of an INSERT's cost). Formats: the COPY BINARY
// file layout (postgresql.org/docs/current/sql-copy.html, "Binary Format"), each type's send function (text: its
// UTF-8 bytes; int4; timestamptz: int64 microseconds since 2000-01-01 UTC; jsonb: version byte 1 + JSON text) and
// pgvector's vector_send (int16 dimension, int16 unused, float4 values; src/vector.c), all big-endian.
import type { VectorRecord } from './store';

/** The columns a COPY writes, in order (the collection table's own columns). */
export const COPY_COLUMNS = ['id', 'embedding', 'symbol', 'published_at', 'document_id', 'chunk_index', 'metadata'] as const;

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

/** One COPY ... (FORMAT binary) payload holding `records` (already checked: dimension, finite values, dates). */
export function encodeCopyBinary(records: VectorRecord[], dimension: number): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(SIGNATURE.length + 8);
  SIGNATURE.copy(header, 0); // flags (int32 0) and header-extension length (int32 0) follow, already zero
  parts.push(header);
  for (const r of records) {
    const id = Buffer.from(r.id, 'utf8');
    const symbol = Buffer.from(r.symbol, 'utf8');
    const documentId = Buffer.from(r.documentId, 'utf8');
    const metadata = Buffer.from(`\x01${JSON.stringify(r.metadata ?? {})}`, 'utf8');
    const row = Buffer.alloc(2 + (4 + id.length) + (4 + 4 + 4 * dimension) + (4 + symbol.length) + (4 + 8) + (4 + documentId.length) + (4 + 4) + (4 + metadata.length));
    let o = row.writeInt16BE(COPY_COLUMNS.length, 0);
    o = row.writeInt32BE(id.length, o);
    o += id.copy(row, o);
    o = row.writeInt32BE(4 + 4 * dimension, o);
    o = row.writeInt16BE(dimension, o);
    o = row.writeInt16BE(0, o);
    for (let d = 0; d < dimension; d++) o = row.writeFloatBE(r.vector[d], o);
    o = row.writeInt32BE(symbol.length, o);
    o += symbol.copy(row, o);
    o = row.writeInt32BE(8, o);
    o = row.writeBigInt64BE(BigInt(r.publishedAt.getTime() - PG_EPOCH_MS) * 1000n, o);
    o = row.writeInt32BE(documentId.length, o);
    o += documentId.copy(row, o);
    o = row.writeInt32BE(4, o);
    o = row.writeInt32BE(r.chunkIndex, o);
    o = row.writeInt32BE(metadata.length, o);
    metadata.copy(row, o);
    parts.push(row);
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1, 0);
  parts.push(trailer);
  return Buffer.concat(parts);
}
