// Daily bars from a folder of Yahoo-style CSV files named <SYMBOL>.csv.
// Accepts either Yahoo column order (Adj Close before or after Volume), any row order, CRLF and a BOM.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { InputError } from '../errors';
import type { RawPriceRow } from './bar';
import type { PriceProvider } from './provider';

const COLUMN_ALIASES: Record<string, keyof RawPriceRow['fields']> = {
  date: 'date', time: 'date', timestamp: 'date', datetime: 'date',
  open: 'open', high: 'high', low: 'low', close: 'close', last: 'close',
  'adj close': 'adjClose', adj_close: 'adjClose', adjclose: 'adjClose',
  volume: 'volume',
};
const REQUIRED: (keyof RawPriceRow['fields'])[] = ['date', 'open', 'high', 'low', 'close', 'volume'];

export class CsvDirectoryProvider implements PriceProvider {
  constructor(readonly dir: string, readonly name = 'csv') {}

  fileFor(symbol: string): string {
    return path.join(this.dir, `${symbol}.csv`);
  }

  datasetFor(symbol: string): string {
    return `file:${this.fileFor(symbol)}`;
  }

  async *rows(symbol: string): AsyncIterable<RawPriceRow> {
    const file = this.fileFor(symbol);
    if (!fs.existsSync(file)) {
      throw new InputError(`no price file for symbol ${symbol} (expected ${file})`, `source ${this.name}`);
    }
    const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
    let header: string[] | undefined;
    let mapping: (keyof RawPriceRow['fields'] | undefined)[] = [];
    let lineNo = 0;
    for await (const rawLine of lines) {
      lineNo++;
      const line = lineNo === 1 ? rawLine.replace(/^\uFEFF/, '') : rawLine;
      if (line.trim() === '') continue;
      const cells = line.split(',').map((c) => c.trim());
      if (!header) {
        header = cells;
        mapping = cells.map((c) => COLUMN_ALIASES[c.toLowerCase()]);
        const missing = REQUIRED.filter((r) => !mapping.includes(r));
        if (missing.length > 0) {
          throw new InputError(`header ${JSON.stringify(line)} lacks column(s) ${missing.join(', ')}`, `${file}:1`);
        }
        continue;
      }
      const raw: Record<string, unknown> = {};
      const fields: Record<string, unknown> = {};
      header.forEach((h, i) => {
        raw[h] = cells[i];
        const target = mapping[i];
        if (target) fields[target] = cells[i] === 'null' ? '' : cells[i];
      });
      yield { location: `${file}:${lineNo}`, raw, fields: fields as RawPriceRow['fields'] };
    }
  }
}
