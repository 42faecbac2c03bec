// Streaming writers of one export query: memory stays flat whatever the row count.
//   csv    COPY … TO STDOUT (FORMAT csv, HEADER) straight to the file
//   jsonl  COPY of row_to_json(row), one object per line
//   parquet COPY … (FORMAT binary) decoded into Apache Arrow record batches of BATCH_ROWS rows, each written as one
//          Parquet row group by parquet-wasm (the Rust `parquet` crate), so only one batch is ever held.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  Field, Float64, Int32, RecordBatch, Schema, Struct, Table, TimestampMicrosecond, Utf8, makeData, tableToIPC, vectorFromArray,
  type Data, type DataType,
} from 'apache-arrow';
import {
  Compression, EnabledStatistics, Table as WasmTable, WriterPropertiesBuilder, transformParquetStream, writeParquet as writeParquetTable, type RecordBatch as WasmRecordBatch,
} from 'parquet-wasm';

export type ExportFormat = 'csv' | 'jsonl' | 'parquet';
export type SplitName = 'train' | 'validation' | 'test';

export interface SplitStats {
  rows: number;
  from: string | null;
  to: string | null;
}

export interface WrittenFile {
  rows: number;
  sha256: string;
  bytes: number;
  splits: Record<SplitName, SplitStats>;
}

/** Rows per Parquet row group (and per Arrow batch held in memory). */
export const BATCH_ROWS = 65_536;

/** Per-split row counts and date ranges, tallied while rows stream past (rows arrive in time order). */
class SplitTally {
  private readonly stats: Record<SplitName, { rows: number; first: number; last: number }> = {
    train: { rows: 0, first: 0, last: 0 }, validation: { rows: 0, first: 0, last: 0 }, test: { rows: 0, first: 0, last: 0 },
  };
  total = 0;

  add(split: SplitName, tsMs: number): void {
    const s = this.stats[split];
    if (s.rows === 0) s.first = tsMs;
    s.last = tsMs;
    s.rows++;
    this.total++;
  }

  result(): Record<SplitName, SplitStats> {
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const one = (s: { rows: number; first: number; last: number }): SplitStats =>
      s.rows === 0 ? { rows: 0, from: null, to: null } : { rows: s.rows, from: day(s.first), to: day(s.last) };
    return { train: one(this.stats.train), validation: one(this.stats.validation), test: one(this.stats.test) };
  }
}

/** The split named by the bytes at `at` (train / validation / test differ in their first two letters). */
function splitAt(line: Buffer, at: number): SplitName {
  const a = line[at];
  if (a === 0x76) return 'validation';
  return line[at + 1] === 0x72 ? 'train' : 'test';
}

const tsMsAt = (line: Buffer, at: number) => Date.parse(line.toString('latin1', at, at + 20));

/** Hashes and counts bytes, and hands each complete line to `onLine` (lines can straddle chunks). */
function lineTap(hash: Hash, onLine: (line: Buffer) => void) {
  let carry: Buffer | null = null;
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        onLine(carry ? Buffer.concat([carry, chunk.subarray(start, nl)]) : chunk.subarray(start, nl));
        carry = null;
        start = nl + 1;
      }
      if (start < chunk.length) carry = carry ? Buffer.concat([carry, chunk.subarray(start)]) : Buffer.from(chunk.subarray(start));
      cb(null, chunk);
    },
  });
  return { tap, bytes: () => bytes };
}

/** `COPY (sql) TO STDOUT` text output: CSV with a header, or one JSON object per line. */
export async function writeText(source: (copySql: string) => Readable, sql: string, format: 'csv' | 'jsonl', outPath: string): Promise<WrittenFile> {
  const hash = createHash('sha256');
  const tally = new SplitTally();
  let header = format === 'csv';
  const { tap, bytes } = lineTap(hash, (line) => {
    if (header) return void (header = false);
    if (format === 'csv') {
      // symbol,ts,split,… — tickers and ISO timestamps never contain a comma.
      const c1 = line.indexOf(44);
      const c2 = line.indexOf(44, c1 + 1);
      tally.add(splitAt(line, c2 + 1), tsMsAt(line, c1 + 1));
    } else {
      // {"symbol":"…","ts":"…","split":"…",…
      const ts = line.indexOf('"ts":"') + 6;
      tally.add(splitAt(line, line.indexOf('"split":"', ts) + 9), tsMsAt(line, ts));
    }
  });
  // JSON text never holds a raw control character, so CSV with \x01 as delimiter and \x02 as quote writes it verbatim.
  const copy = format === 'csv'
    ? `COPY (${sql}) TO STDOUT WITH (FORMAT csv, HEADER true)`
    : `COPY (SELECT row_to_json(r)::text FROM (${sql}) r) TO STDOUT WITH (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')`;
  await pipeline(source(copy), tap, fs.createWriteStream(outPath));
  return { rows: tally.total, sha256: hash.digest('hex'), bytes: bytes(), splits: tally.result() };
}

/** PostgreSQL's binary timestamps count microseconds from 2000-01-01. */
const PG_EPOCH_US = 946_684_800_000_000n;
const BINARY_SIGNATURE_BYTES = 11 + 4 + 4;

interface BinaryColumns {
  symbol: string[];
  ts: BigInt64Array;
  split: string[];
  features: Float64Array[];
  featureValid: Uint8Array[];
  label: Float64Array | Int32Array;
}

/**
 * Decodes COPY binary tuples (symbol text, ts timestamptz, split text, float8 × features, label float8|int4) into
 * column batches of at most BATCH_ROWS rows.
 */
async function* binaryBatches(stream: Readable, featureCount: number, labelType: 'double' | 'int', tally: SplitTally): AsyncGenerator<{ rows: number; cols: BinaryColumns }> {
  const fresh = (): BinaryColumns => ({
    symbol: [], ts: new BigInt64Array(BATCH_ROWS), split: [],
    features: Array.from({ length: featureCount }, () => new Float64Array(BATCH_ROWS)),
    featureValid: Array.from({ length: featureCount }, () => new Uint8Array(BATCH_ROWS >> 3)),
    label: labelType === 'int' ? new Int32Array(BATCH_ROWS) : new Float64Array(BATCH_ROWS),
  });
  let cols = fresh();
  let n = 0;
  // field count, lengths, a ticker (≤ 32 chars, ≤ 4 bytes each), ts, split name, the doubles and the label.
  const maxTupleBytes = 2 + 4 * (featureCount + 4) + 128 + 8 + 16 + 8 * featureCount + 8;
  let buf: Buffer = Buffer.alloc(0);
  let headerRead = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let off = 0;
    if (!headerRead) {
      if (buf.length < BINARY_SIGNATURE_BYTES) continue;
      off = BINARY_SIGNATURE_BYTES + buf.readInt32BE(15);
      headerRead = true;
    }
    for (;;) {
      // A tuple is complete when every field length and body is in the buffer.
      if (off + 2 > buf.length) break;
      const fields = buf.readInt16BE(off);
      if (fields === -1) {
        off += 2;
        break;
      }
      let p = off + 2;
      // Far from the buffer's end a tuple is surely complete; only near it are the field lengths walked first.
      let complete = true;
      if (off + maxTupleBytes > buf.length) for (let f = 0; f < fields; f++) {
        if (p + 4 > buf.length) { complete = false; break; }
        const len = buf.readInt32BE(p);
        p += 4 + (len > 0 ? len : 0);
        if (p > buf.length) { complete = false; break; }
      }
      if (!complete) break;
      // Decode the complete tuple.
      p = off + 2;
      const symLen = buf.readInt32BE(p);
      cols.symbol.push(buf.toString('utf8', p + 4, p + 4 + symLen));
      p += 4 + symLen;
      const tsUs = buf.readBigInt64BE(p + 4) + PG_EPOCH_US;
      cols.ts[n] = tsUs;
      p += 12;
      const splitLen = buf.readInt32BE(p);
      const split = buf.toString('latin1', p + 4, p + 4 + splitLen) as SplitName;
      cols.split.push(split);
      p += 4 + splitLen;
      for (let f = 0; f < featureCount; f++) {
        if (buf.readInt32BE(p) === -1) {
          p += 4;
        } else {
          cols.features[f][n] = buf.readDoubleBE(p + 4);
          cols.featureValid[f][n >> 3] |= 1 << (n & 7);
          p += 12;
        }
      }
      // Labels are never NULL: unlabeled rows are filtered in SQL.
      cols.label[n] = labelType === 'int' ? buf.readInt32BE(p + 4) : buf.readDoubleBE(p + 4);
      p += labelType === 'int' ? 8 : 12;
      tally.add(split, Number(tsUs / 1000n));
      off = p;
      if (++n === BATCH_ROWS) {
        yield { rows: n, cols };
        cols = fresh();
        n = 0;
      }
    }
    buf = buf.subarray(off);
  }
  if (n > 0) yield { rows: n, cols };
}

function arrowBatch(schema: Schema, rows: number, cols: BinaryColumns, labelType: 'double' | 'int'): RecordBatch {
  const children: Data<DataType>[] = [
    vectorFromArray(cols.symbol, new Utf8()).data[0],
    makeData({ type: new TimestampMicrosecond('UTC'), length: rows, nullCount: 0, data: cols.ts.subarray(0, rows) }),
    vectorFromArray(cols.split, new Utf8()).data[0],
  ];
  cols.features.forEach((values, f) => {
    const valid = cols.featureValid[f];
    let present = 0;
    for (let i = 0; i < rows; i++) present += (valid[i >> 3] >> (i & 7)) & 1;
    children.push(makeData({ type: new Float64(), length: rows, nullCount: rows - present, data: values.subarray(0, rows), nullBitmap: valid }));
  });
  children.push(labelType === 'int'
    ? makeData({ type: new Int32(), length: rows, nullCount: 0, data: (cols.label as Int32Array).subarray(0, rows) })
    : makeData({ type: new Float64(), length: rows, nullCount: 0, data: (cols.label as Float64Array).subarray(0, rows) }));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children }));
}

/** Binary COPY → Arrow batches → Parquet row groups, streamed to `outPath`. */
export async function writeParquet(
  source: (copySql: string) => Readable, sql: string, columns: string[], labelType: 'double' | 'int', metadata: Record<string, string>, outPath: string,
): Promise<WrittenFile> {
  const featureNames = columns.slice(3, -1);
  const schema = new Schema([
    new Field('symbol', new Utf8(), false),
    new Field('ts', new TimestampMicrosecond('UTC'), false),
    new Field('split', new Utf8(), false),
    ...featureNames.map((n) => new Field(n, new Float64(), true)),
    new Field(columns.at(-1)!, labelType === 'int' ? new Int32() : new Float64(), false),
  ]);
  const tally = new SplitTally();
  const batches = binaryBatches(source(`COPY (${sql}) TO STDOUT WITH (FORMAT binary)`), featureNames.length, labelType, tally);
  const recordBatches = new ReadableStream<WasmRecordBatch>({
    async pull(controller) {
      const next = await batches.next();
      if (next.done) return controller.close();
      const ipc = tableToIPC(new Table(schema, [arrowBatch(schema, next.value.rows, next.value.cols, labelType)]), 'stream');
      // Free the wasm table at once: its finalizer waits for a JS GC that a small JS heap may never trigger, and
      // wasm memory would grow by a row group per batch.
      const table = WasmTable.fromIPCStream(ipc);
      const rbs = table.recordBatches();
      table.free();
      for (const rb of rbs) controller.enqueue(rb);
    },
  });
  const props = new WriterPropertiesBuilder()
    .setCompression(Compression.SNAPPY)
    .setMaxRowGroupSize(BATCH_ROWS)
    // Dictionaries pay off for the repeated strings only; on doubles they are built, then abandoned, per page.
    .setDictionaryEnabled(false)
    .setColumnDictionaryEnabled('symbol', true)
    .setColumnDictionaryEnabled('split', true)
    // Min/max per row group (what readers prune with), not per page: a quarter less encoding time.
    .setStatisticsEnabled(EnabledStatistics.Chunk)
    .setCreatedBy('tickflow export (parquet-wasm)')
    .setKeyValueMetadata(new Map(Object.entries(metadata)))
    .build();
  const bytesOut = (await transformParquetStream(recordBatches, props)) as ReadableStream<Uint8Array>;
  const hash = createHash('sha256');
  const file = fs.createWriteStream(outPath);
  let bytes = 0;
  try {
    for await (const chunk of bytesOut as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      bytes += chunk.length;
      if (!file.write(chunk)) await once(file, 'drain');
    }
  } finally {
    file.end();
    await once(file, 'close');
  }
  // An empty export has no batch; write a valid zero-row file rather than a truncated one.
  if (tally.total === 0 && bytes === 0) return writeEmptyParquet(schema, outPath, tally);
  return { rows: tally.total, sha256: hash.digest('hex'), bytes, splits: tally.result() };
}

function writeEmptyParquet(schema: Schema, outPath: string, tally: SplitTally): WrittenFile {
  const bytes = writeParquetTable(WasmTable.fromIPCStream(tableToIPC(new Table(schema), 'stream')));
  fs.writeFileSync(outPath, bytes);
  return { rows: 0, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, splits: tally.result() };
}
