// One interface per kind of market data; one module per source.

import type { DatasetRef } from '../contracts/dataset-ref';
import type { RawPriceRow } from './bar';

export interface DateRange {
  /** Inclusive, YYYY-MM-DD */
  from: string;
  /** Inclusive, YYYY-MM-DD */
  to: string;
}

/** A split or cash dividend as the source reported it. */
export interface CorporateAction {
  symbol: string;
  /** Ex-date, YYYY-MM-DD */
  exDate: string;
  kind: 'split' | 'dividend';
  /** Splits: new shares per old share (4-for-1 → 4; 1-for-10 reverse split → 0.1). */
  ratio?: number;
  /** Dividends: cash per share, in the quote currency. */
  amount?: number;
  /** Where the source had it (file:line), for the quarantine when its date does not exist. */
  location?: string;
}

export interface PriceProvider {
  /** Short source name stored with every bar, e.g. "bundled", "csv", "yahoo", "polygon". */
  readonly name: string;
  /** A reference to the dataset a symbol's rows come from, recorded in DataLineage (never includes secrets). */
  datasetFor(symbol: string, interval: string): DatasetRef;
  /** The rows for one symbol, as read; range filtering happens after parsing. */
  rows(symbol: string, interval: string, range: DateRange): AsyncIterable<RawPriceRow>;
  /** Splits and dividends, for sources that report them alongside prices. */
  corporateActions?(symbol: string, interval: string, range: DateRange): AsyncIterable<CorporateAction>;
}

/** A reported figure before checking, mapped onto our names; values may be strings (CSV) or numbers (JSON). */
export interface RawFundamentalRow {
  location: string;
  raw: unknown;
  /** Set when the source's record could not be read (e.g. a date that does not exist): quarantined as is. */
  error?: string;
  fields: {
    symbol: unknown;
    /** Our line-item name: revenue, net_income, total_assets, total_liabilities, total_equity, eps_diluted, shares_outstanding, ... */
    metric: unknown;
    /** FY, Q1, Q2, Q3 or Q4 */
    fiscalPeriod: unknown;
    fiscalYear: unknown;
    /** Period end date, YYYY-MM-DD */
    periodEnd: unknown;
    value: unknown;
    unit?: unknown;
    /** When the figure became public (filing date), YYYY-MM-DD or ISO timestamp. */
    publishedAt: unknown;
  };
}

export interface FundamentalsProvider {
  readonly name: string;
  datasetFor(symbol: string): DatasetRef;
  fundamentals(symbol: string): AsyncIterable<RawFundamentalRow>;
}
