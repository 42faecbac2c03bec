// Trade files (CSV with a header row, or JSON lines) → checked ledger entries, or quarantined rows with the reason.
// Everything a row can get wrong on its own is caught here; what needs the database (unknown symbol, non-trading
// day, price outside the day's range, selling more than is held, a trade id already booked) is checked on booking.
//
// Columns (CSV header names = JSON keys; case-insensitive):
//   trade_id   the source's id of the row, unique per portfolio (required)
//   kind       buy | sell | short | cover | deposit | withdrawal | fee | reversal   (alias: side)
//   date       trade date YYYY-MM-DD, or executed_at: an ISO-8601 instant with a zone (Z or ±hh:mm)
//   symbol, quantity, price, fees (default 0)         for buy/sell/short/cover
//   amount                                             for deposit/withdrawal/fee
//   currency   ISO 4217 (default the portfolio's)
//   settle_date  default: trade date + the settlement cycle (resolved on booking, on the exchange calendar)
//   lots       specific-lot relief: "<trade_id>:<quantity>;<trade_id>:<quantity>"
//   reverses   for reversal: the trade_id of the booked entry it cancels
import fs from 'node:fs';
import readline from 'node:readline';
import { parseInstant, parseIsoDate } from '../contracts/dates';
import { InputError } from '../contracts/errors';
import { TICKER } from '../contracts/schemas';
import { Dec } from './lots';

export type EntryKind = 'buy' | 'sell' | 'short' | 'cover' | 'deposit' | 'withdrawal' | 'fee' | 'reversal';
const KINDS: readonly EntryKind[] = ['buy', 'sell', 'short', 'cover', 'deposit', 'withdrawal', 'fee', 'reversal'];
const TRADE_KINDS: readonly EntryKind[] = ['buy', 'sell', 'short', 'cover'];

/** A row that passed the checks a row can be checked against on its own. Decimal fields stay exact strings. */
export interface TradeEntry {
  tradeRef: string;
  kind: EntryKind;
  tradeDate: string;
  executedAt: string;
  settleDate: string | null;
  symbol: string | null;
  quantity: string | null;
  price: string | null;
  fees: string;
  amount: string | null;
  currency: string | null;
  lots: { lot: string; quantity: string }[] | null;
  reverses: string | null;
  location: string;
  raw: Record<string, unknown>;
}

export interface RejectedRow {
  location: string;
  tradeRef: string | null;
  reason: string;
  raw: unknown;
}

export interface ParsedTradeFile {
  entries: TradeEntry[];
  rejected: RejectedRow[];
}

const TRADE_REF = /^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$/;
const DECIMAL = /^\d+(\.\d+)?$/;

class RowError extends Error {}

/** A calendar date that exists (2016-04-31 does not), or the reason it is not one. */
function checkDay(value: string, field: string): string {
  const day = parseIsoDate(value);
  if (!day.ok) throw new RowError(field === 'date' ? day.reason : `${field}: ${day.reason}`);
  return value;
}

/** An instant with its zone (Z or an offset); its trade date is the local date where it was written. */
function checkInstant(value: string): { executedAt: string; tradeDate: string } {
  const at = parseInstant(value);
  if (!at.ok) throw new RowError(`executed_at: ${at.reason}`);
  return { executedAt: at.instant.toISOString(), tradeDate: value.slice(0, 10) };
}

function decimal(value: unknown, field: string, opts: { positive?: boolean } = {}): string {
  const s = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!DECIMAL.test(s)) throw new RowError(`${field} ${JSON.stringify(value ?? null)} is not a non-negative decimal number like 12.5`);
  if (opts.positive && new Dec(s).isZero()) throw new RowError(`${field} is zero`);
  return s;
}

function text(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

/** Checks one row; throws RowError with the reason. */
function checkRow(o: Record<string, unknown>, location: string): TradeEntry {
  const tradeRef = text(o, 'trade_id');
  if (!tradeRef) throw new RowError('trade_id is missing');
  if (!TRADE_REF.test(tradeRef)) throw new RowError(`trade_id ${JSON.stringify(tradeRef)} has characters other than letters, digits and _.:- (or is over 64)`);
  const kindText = (text(o, 'kind') ?? text(o, 'side'))?.toLowerCase();
  if (!kindText) throw new RowError('kind is missing');
  if (!KINDS.includes(kindText as EntryKind)) throw new RowError(`kind ${JSON.stringify(kindText)} is not one of ${KINDS.join(', ')}`);
  const kind = kindText as EntryKind;

  const dateText = text(o, 'date');
  const instantText = text(o, 'executed_at');
  if (!dateText && !instantText) throw new RowError('date (YYYY-MM-DD) or executed_at (ISO instant) is missing');
  let tradeDate: string;
  let executedAt: string;
  if (instantText) {
    ({ executedAt, tradeDate } = checkInstant(instantText));
    if (dateText && checkDay(dateText, 'date') !== tradeDate) throw new RowError(`date ${dateText} disagrees with executed_at ${instantText}`);
  } else {
    tradeDate = checkDay(dateText!, 'date');
    executedAt = `${tradeDate}T00:00:00.000Z`;
  }
  const settleText = text(o, 'settle_date');
  const settleDate = settleText ? checkDay(settleText, 'settle_date') : null;
  if (settleDate && settleDate < tradeDate) throw new RowError(`settle_date ${settleDate} is before the trade date ${tradeDate}`);
  const currency = text(o, 'currency')?.toUpperCase() ?? null;
  if (currency !== null && !/^[A-Z]{3}$/.test(currency)) throw new RowError(`currency ${JSON.stringify(currency)} is not an ISO 4217 code like USD`);

  const entry: TradeEntry = {
    tradeRef, kind, tradeDate, executedAt, settleDate, symbol: null, quantity: null, price: null, fees: '0', amount: null, currency, lots: null,
    reverses: null, location, raw: o,
  };
  if (TRADE_KINDS.includes(kind)) {
    const symbol = text(o, 'symbol');
    if (!symbol) throw new RowError(`symbol is missing for a ${kind}`);
    if (!TICKER.test(symbol)) throw new RowError(`symbol ${JSON.stringify(symbol)} is not an upper-case ticker like AAPL or BRK-B`);
    entry.symbol = symbol;
    entry.quantity = decimal(o.quantity, 'quantity', { positive: true });
    entry.price = decimal(o.price, 'price');
    entry.fees = o.fees === undefined || o.fees === null || o.fees === '' ? '0' : decimal(o.fees, 'fees');
    const lots = text(o, 'lots');
    if (lots) {
      entry.lots = lots.split(';').map((part) => {
        const [lot, quantity] = part.split(':').map((s) => s.trim());
        if (!lot || !TRADE_REF.test(lot) || quantity === undefined) throw new RowError(`lots ${JSON.stringify(lots)} is not "<trade_id>:<quantity>;…"`);
        return { lot, quantity: decimal(quantity, `lots quantity of ${lot}`, { positive: true }) };
      });
      if (kind === 'buy' || kind === 'short') throw new RowError(`lots name the lots a sell or cover closes, not a ${kind}`);
    }
  } else if (kind === 'reversal') {
    const reverses = text(o, 'reverses');
    if (!reverses) throw new RowError('reverses (the trade_id of the entry it cancels) is missing for a reversal');
    entry.reverses = reverses;
  } else {
    entry.amount = decimal(o.amount, 'amount', { positive: true });
  }
  return entry;
}

/** Splits one CSV line into fields: commas separate, double quotes quote, "" is a quote inside quotes. */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) throw new RowError('a quoted field is not closed on this line');
  fields.push(cur);
  return fields;
}

/** Reads a trade file (by extension: .csv, or .jsonl/.ndjson) row by row. Rows that fail are kept with the reason. */
export async function readTradeFile(file: string): Promise<ParsedTradeFile> {
  const format = /\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : 'csv';
  const entries: TradeEntry[] = [];
  const rejected: RejectedRow[] = [];
  const seen = new Map<string, string>();
  let header: string[] | null = null;
  let lineNo = 0;
  const rl = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const rawLine of rl) {
    lineNo++;
    const line = lineNo === 1 ? rawLine.replace(/^\uFEFF/, '') : rawLine;
    if (line.trim() === '') continue;
    const location = `${file}:${lineNo}`;
    let row: Record<string, unknown> | null = null;
    try {
      if (format === 'jsonl') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch (e) {
          throw new RowError(`not JSON: ${(e as Error).message}`);
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new RowError('a line must be one JSON object');
        row = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k.toLowerCase(), v]));
      } else if (header === null) {
        header = csvFields(line).map((h) => h.trim().toLowerCase());
        for (const need of ['trade_id']) if (!header.includes(need)) throw new RowError(`the header has no ${need} column (it has ${header.join(', ')})`);
        continue;
      } else {
        const fields = csvFields(line);
        if (fields.length !== header.length) throw new RowError(`${fields.length} fields where the header has ${header.length}`);
        row = Object.fromEntries(header.map((h, i) => [h, fields[i]]));
      }
      const entry = checkRow(row, location);
      const first = seen.get(entry.tradeRef);
      if (first) throw new RowError(`trade_id ${entry.tradeRef} appears twice in the file (first at ${first})`);
      seen.set(entry.tradeRef, location);
      entries.push(entry);
    } catch (e) {
      if (!(e instanceof RowError)) throw e;
      if (header === null && format === 'csv') throw new InputError(e.message, location);
      rejected.push({ location, tradeRef: row ? (text(row, 'trade_id') ?? null) : null, reason: e.message, raw: row ?? line });
    }
  }
  if (format === 'csv' && header === null) throw new InputError('the file is empty (no header row)', file);
  return { entries, rejected };
}
