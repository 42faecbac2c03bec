// The context columns in COPY's binary format, for the fresh import's COPY and deriveContext's bulk write: exact
// doubles and microsecond timestamps, with none of the text formatting a million rows would spend time on.
import type { BinaryCopyWriter } from '../db/copy';
import type { BarContext } from './bar-context';

/** price_data's context columns, in the order writeContext writes them. */
export const CONTEXT_COLUMNS = ['prev_ts', 'prev_close', 'close_run', 'volume_z', 'missing_sessions', 'trading_day'];

const PG_EPOCH_US = Date.UTC(2000, 0, 1) * 1000;
const TWO_32 = 2 ** 32;
// Scratch fields: BinaryCopyWriter.bytes copies them, so one buffer per width serves every row.
const int8 = Buffer.alloc(8);
const int4 = Buffer.alloc(4);
const int2 = Buffer.alloc(2);
const bool = [Buffer.from([0]), Buffer.from([1])];

/** timestamptz from epoch microseconds (the writer's own timestamptz takes milliseconds, which would round a stored µs). */
export function writeTimestampUs(w: BinaryCopyWriter, us: number | null): void {
  if (us === null) return w.null();
  const v = us - PG_EPOCH_US;
  const high = Math.floor(v / TWO_32);
  int8.writeInt32BE(high, 0);
  int8.writeUInt32BE(v - high * TWO_32, 4);
  w.bytes(int8);
}

export function writeContext(w: BinaryCopyWriter, c: BarContext): void {
  writeTimestampUs(w, c.prevTs);
  w.float8(c.prevClose);
  int4.writeInt32BE(c.closeRun, 0);
  w.bytes(int4);
  w.float8(c.volumeZ);
  if (c.missingSessions === null) w.null();
  else {
    int2.writeInt16BE(c.missingSessions, 0);
    w.bytes(int2);
  }
  if (c.tradingDay === null) w.null();
  else w.bytes(bool[c.tradingDay ? 1 : 0]);
}
