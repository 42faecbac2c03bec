// One interface for every market-data source; one module per source.

import type { RawPriceRow } from './bar';

export interface DateRange {
  /** Inclusive, YYYY-MM-DD */
  from: string;
  /** Inclusive, YYYY-MM-DD */
  to: string;
}

export interface PriceProvider {
  /** Short source name stored with every bar, e.g. "bundled", "csv", "synthetic". */
  readonly name: string;
  /** A reference to the dataset a symbol's rows come from, recorded in DataLineage. */
  datasetFor(symbol: string, interval: string): string;
  /** The rows for one symbol, as read; range filtering happens after parsing. */
  rows(symbol: string, interval: string, range: DateRange): AsyncIterable<RawPriceRow>;
}
