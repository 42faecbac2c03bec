// Local files: a folder of <SYMBOL>.csv (Yahoo layout in either column order, or any layout with a column mapping)
// or <SYMBOL>.jsonl (one JSON object per line), plus optional <SYMBOL>.actions.csv with splits and dividends.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { InputError } from '../contracts/errors';
import type { DatasetRef } from '../contracts/dataset-ref';
import type { RawPriceRow } from './bar';
import type { CorporateAction, PriceProvider } from './provider';

type Field = keyof RawPriceRow['fields'];
/** Our field → the column (CSV header or JSON key) that holds it. */
export type ColumnMapping = Partial<Record<Field, string>>;

const YAHOO_ALIASES: Record<string, Field> = {
  date: 'date', time: 'date', timestamp: 'date', datetime: 'date',
  open: 'open', high: 'high', low: 'low', close: 'close', last: 'close',
  'adj close': 'adjClose', adj_close: 'adjClose', adjclose: 'adjClose',
  volume: 'volume',
};
const REQUIRED: Field[] = ['date', 'open', 'high', 'low', 'close', 'volume'];

export interface LocalFilesOptions {
  format?: 'csv' | 'jsonl';
  /** Explicit mapping; columns not named are ignored (e.g. leave out adjClose to import a file as unadjusted). */
  columns?: ColumnMapping;
  /** Dates written month/day/year (barchart, some exports) instead of ISO. @default 'iso' */
  dateOrder?: 'iso' | 'mdy';
}

/** M/D/YYYY[ time] → YYYY-MM-DD[ time]; anything else is returned as is for the checker to judge. */
function isoFromMdy(v: string): string {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(.*)$/.exec(v.trim());
  return m ? `${m[3]}-${m[1].padStart(2, '0')}-${m[2].padStart(2, '0')}${m[4]}` : v;
}

async function* lines(file: string): AsyncIterable<{ line: string; lineNo: number }> {
  const rl = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const raw of rl) {
    lineNo++;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() !== '') yield { line, lineNo };
  }
}

export class LocalFilesProvider implements PriceProvider {
  private readonly format: 'csv' | 'jsonl';

  constructor(readonly dir: string, readonly name = 'csv', private readonly options: LocalFilesOptions = {}) {
    this.format = options.format ?? 'csv';
  }

  fileFor(symbol: string): string {
    return path.join(this.dir, `${symbol}.${this.format}`);
  }

  datasetFor(symbol: string): DatasetRef {
    return { kind: 'file', path: this.fileFor(symbol) };
  }

  private mapDate(v: unknown): unknown {
    return this.options.dateOrder === 'mdy' && typeof v === 'string' ? isoFromMdy(v) : v;
  }

  async *rows(symbol: string): AsyncIterable<RawPriceRow> {
    const file = this.fileFor(symbol);
    if (!fs.existsSync(file)) {
      throw new InputError(`no price file for symbol ${symbol} (expected ${file})`, `source ${this.name}`);
    }
    yield* this.format === 'csv' ? this.csvRows(file) : this.jsonRows(file);
  }

  private async *csvRows(file: string): AsyncIterable<RawPriceRow> {
    let header: string[] | undefined;
    let mapping: (Field | undefined)[] = [];
    for await (const { line, lineNo } of lines(file)) {
      const cells = line.split(',').map((c) => c.trim());
      if (!header) {
        header = cells;
        const explicit = this.options.columns;
        mapping = explicit
          ? cells.map((c) => (Object.entries(explicit) as [Field, string][]).find(([, col]) => col === c)?.[0])
          : cells.map((c) => YAHOO_ALIASES[c.toLowerCase()]);
        const missing = REQUIRED.filter((r) => !mapping.includes(r));
        if (missing.length > 0) {
          const how = explicit ? `the column mapping ${JSON.stringify(explicit)}` : 'Yahoo column names';
          throw new InputError(`header ${JSON.stringify(line)} lacks column(s) ${missing.join(', ')} (by ${how})`, `${file}:1`);
        }
        continue;
      }
      const raw: Record<string, unknown> = {};
      const fields: Record<string, unknown> = {};
      header.forEach((h, i) => {
        raw[h] = cells[i];
        const target = mapping[i];
        if (target) fields[target] = cells[i] === 'null' ? '' : target === 'date' ? this.mapDate(cells[i]) : cells[i];
      });
      yield { location: `${file}:${lineNo}`, raw, fields: fields as RawPriceRow['fields'] };
    }
  }

  private async *jsonRows(file: string): AsyncIterable<RawPriceRow> {
    const columns = this.options.columns ?? {};
    const key = (f: Field) => columns[f] ?? (f === 'adjClose' ? 'adj_close' : f);
    for await (const { line, lineNo } of lines(file)) {
      const location = `${file}:${lineNo}`;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        yield { location, raw: line, error: `line is not valid JSON (${(e as Error).message})`, fields: {} as RawPriceRow['fields'] };
        continue;
      }
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
        yield { location, raw: line, error: 'line is not a JSON object', fields: {} as RawPriceRow['fields'] };
        continue;
      }
      const o = obj as Record<string, unknown>;
      yield {
        location,
        raw: o,
        fields: {
          date: this.mapDate(o[key('date')]), open: o[key('open')], high: o[key('high')], low: o[key('low')], close: o[key('close')],
          adjClose: o[key('adjClose')], volume: o[key('volume')],
        },
      };
    }
  }

  /** <SYMBOL>.actions.csv: `Date,Kind,Value` with Kind split (Value "2", "2:1" or "1:10") or dividend (cash). */
  async *corporateActions(symbol: string): AsyncIterable<CorporateAction> {
    const file = path.join(this.dir, `${symbol}.actions.csv`);
    if (!fs.existsSync(file)) return;
    let first = true;
    for await (const { line, lineNo } of lines(file)) {
      if (first) {
        first = false;
        continue;
      }
      const [date, kind, value] = line.split(',').map((c) => c.trim());
      const where = `${file}:${lineNo}`;
      // The date is checked by the importer, which quarantines an action whose date does not exist.
      if (kind === 'split') {
        const [a, b] = value.includes(':') ? value.split(':').map(Number) : [Number(value), 1];
        if (!(a > 0 && b > 0)) throw new InputError(`split ratio ${JSON.stringify(value)} is not N or N:M with positive numbers`, where);
        yield { symbol, exDate: date, kind: 'split', ratio: a / b, location: where };
      } else if (kind === 'dividend') {
        const amount = Number(value);
        if (!(amount >= 0)) throw new InputError(`dividend ${JSON.stringify(value)} is not a non-negative number`, where);
        yield { symbol, exDate: date, kind: 'dividend', amount, location: where };
      } else {
        throw new InputError(`kind ${JSON.stringify(kind)} is neither split nor dividend`, where);
      }
    }
  }
}
