// Polygon.io: v2 aggregates (daily and intraday bars) and v3 reference splits and dividends.
import { z } from 'zod';
import type { DatasetRef } from '../contracts/dataset-ref';
import type { HttpClient, HttpRequest } from './http-client';
import type { RawPriceRow } from './bar';
import { dateInZone, isIntraday, parseInterval } from './market-time';
import type { CorporateAction, DateRange, PriceProvider } from './provider';

const aggsSchema = z.object({
  status: z.string(),
  results: z
    .array(z.object({ t: z.number(), o: z.number(), h: z.number(), l: z.number(), c: z.number(), v: z.number() }).loose())
    .default([]),
  next_url: z.string().optional(),
});

const splitsSchema = z.object({
  results: z.array(z.object({ ticker: z.string(), execution_date: z.string(), split_from: z.number().positive(), split_to: z.number().positive() })).default([]),
  next_url: z.string().optional(),
});

const dividendsSchema = z.object({
  results: z.array(z.object({ ticker: z.string(), ex_dividend_date: z.string(), cash_amount: z.number().positive() }).loose()).default([]),
  next_url: z.string().optional(),
});

const inRange = (date: string, range: DateRange) => date >= range.from && date <= range.to;

/** Pages a reference endpoint has at most; a loop past it means a pagination bug, not data. */
const MAX_PAGES = 100;

export class PolygonProvider implements PriceProvider {
  readonly name = 'polygon';

  constructor(private readonly http: HttpClient) {}

  datasetFor(symbol: string, interval: string): DatasetRef {
    const { multiplier, timespan } = this.span(symbol, interval);
    return { kind: 'url', url: this.http.describe({ path: `/v2/aggs/ticker/${encodeURIComponent(symbol)}/range/${multiplier}/${timespan}`, query: { adjusted: 'true' } }) };
  }

  async *rows(symbol: string, interval: string, range: DateRange): AsyncIterable<RawPriceRow> {
    const { multiplier, timespan, intraday } = this.span(symbol, interval);
    let req: HttpRequest | undefined = {
      path: `/v2/aggs/ticker/${encodeURIComponent(symbol)}/range/${multiplier}/${timespan}/${range.from}/${range.to}`,
      query: { adjusted: 'true', sort: 'asc', limit: 50000 },
      symbol,
    };
    for (let page = 0; req && page < MAX_PAGES; page++) {
      const body: z.infer<typeof aggsSchema> = await this.http.json(req, aggsSchema);
      if (body.status === 'ERROR' || body.status === 'NOT_AUTHORIZED') throw this.http.fail(req, `status ${body.status}`);
      for (const [i, r] of body.results.entries()) {
        // Daily aggregates are stamped at midnight New York time, which is the trading day.
        const fields = {
          date: intraday ? new Date(r.t).toISOString() : dateInZone(r.t, 'America/New_York'),
          open: r.o, high: r.h, low: r.l, close: r.c, volume: r.v,
        };
        yield { location: `${this.http.describe(req)}#results[${i}]`, raw: r, fields };
      }
      req = body.next_url ? { path: body.next_url, symbol } : undefined;
    }
  }

  async *corporateActions(symbol: string, _interval: string, range: DateRange): AsyncIterable<CorporateAction> {
    const query = { ticker: symbol, limit: 1000 };
    for await (const s of this.pages({ path: '/v3/reference/splits', symbol, query: { ...query, 'execution_date.gte': range.from, 'execution_date.lte': range.to } }, splitsSchema)) {
      // The reference endpoints filter server-side; checking again keeps another ticker's split out of ours.
      if (s.ticker === symbol && inRange(s.execution_date, range)) yield { symbol, exDate: s.execution_date, kind: 'split', ratio: s.split_to / s.split_from };
    }
    for await (const d of this.pages({ path: '/v3/reference/dividends', symbol, query: { ...query, 'ex_dividend_date.gte': range.from, 'ex_dividend_date.lte': range.to } }, dividendsSchema)) {
      if (d.ticker === symbol && inRange(d.ex_dividend_date, range)) yield { symbol, exDate: d.ex_dividend_date, kind: 'dividend', amount: d.cash_amount };
    }
  }

  private async *pages<T>(first: HttpRequest, schema: z.ZodType<{ results: T[]; next_url?: string }>): AsyncIterable<T> {
    let req: HttpRequest | undefined = first;
    for (let page = 0; req && page < MAX_PAGES; page++) {
      const body: { results: T[]; next_url?: string } = await this.http.json(req, schema);
      yield* body.results;
      req = body.next_url ? { path: body.next_url, symbol: first.symbol } : undefined;
    }
  }

  private span(symbol: string, interval: string): { multiplier: number; timespan: string; intraday: boolean } {
    const parsed = parseInterval(interval);
    if (!parsed) throw this.http.fail({ path: '/v2/aggs', symbol }, `interval ${JSON.stringify(interval)} is not like 1d, 5m or 1h`);
    return { multiplier: parsed.count, timespan: parsed.unit, intraday: isIntraday(parsed) };
  }
}
