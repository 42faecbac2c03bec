// Yahoo Finance chart API v8: daily and intraday bars, with splits and dividends from the same payload.
// GET /v8/finance/chart/{symbol}?period1=&period2=&interval=1d&events=div|split
import { z } from 'zod';
import type { DatasetRef } from '../contracts/dataset-ref';
import type { HttpClient, HttpRequest } from './http-client';
import type { RawPriceRow } from './bar';
import { dateInZone, isIntraday, parseInterval } from './market-time';
import type { CorporateAction, DateRange, PriceProvider } from './provider';

const YAHOO_INTERVALS = new Set(['1m', '2m', '5m', '15m', '30m', '60m', '90m', '1d', '5d', '1wk', '1mo', '3mo']);

const series = z.array(z.number().nullable());
const chartSchema = z.object({
  chart: z.object({
    result: z
      .array(
        z.object({
          meta: z.object({ symbol: z.string(), exchangeTimezoneName: z.string().default('America/New_York') }),
          timestamp: z.array(z.number()).default([]),
          indicators: z.object({
            quote: z.array(z.object({ open: series, high: series, low: series, close: series, volume: series }).partial()).min(1),
            adjclose: z.array(z.object({ adjclose: series })).optional(),
          }),
          events: z
            .object({
              dividends: z.record(z.string(), z.object({ amount: z.number().positive(), date: z.number() })).optional(),
              splits: z.record(z.string(), z.object({ date: z.number(), numerator: z.number().positive(), denominator: z.number().positive() })).optional(),
            })
            .optional(),
        }),
      )
      .nullable(),
    error: z.object({ code: z.string(), description: z.string().nullable().optional() }).nullable().optional(),
  }),
});

type ChartResult = NonNullable<z.infer<typeof chartSchema>['chart']['result']>[number];

function yahooInterval(interval: string): string {
  const parsed = parseInterval(interval);
  if (parsed?.unit === 'hour') return `${parsed.count * 60}m`;
  const name = parsed ? `${parsed.count}${{ minute: 'm', day: 'd', week: 'wk', month: 'mo' }[parsed.unit]}` : interval;
  return name;
}

export class YahooChartProvider implements PriceProvider {
  readonly name = 'yahoo';

  constructor(private readonly http: HttpClient) {}

  datasetFor(symbol: string, interval: string): DatasetRef {
    return { kind: 'url', url: this.http.describe({ path: `/v8/finance/chart/${encodeURIComponent(symbol)}`, query: { interval: yahooInterval(interval) } }) };
  }

  async *rows(symbol: string, interval: string, range: DateRange): AsyncIterable<RawPriceRow> {
    const { result, req } = await this.fetch(symbol, interval, range);
    const intraday = isIntraday(parseInterval(interval) ?? { count: 1, unit: 'day' });
    const quote = result.indicators.quote[0];
    const adj = result.indicators.adjclose?.[0]?.adjclose;
    for (const [i, t] of result.timestamp.entries()) {
      const fields = {
        // Daily bars are stamped at the exchange open: the trading day is the exchange's calendar date.
        date: intraday ? new Date(t * 1000).toISOString() : dateInZone(t * 1000, result.meta.exchangeTimezoneName),
        open: quote.open?.[i], high: quote.high?.[i], low: quote.low?.[i], close: quote.close?.[i],
        adjClose: adj?.[i] ?? undefined, volume: quote.volume?.[i],
      };
      yield { location: `${this.http.describe(req)}#timestamp[${i}]`, raw: { timestamp: t, ...fields }, fields };
    }
  }

  async *corporateActions(symbol: string, interval: string, range: DateRange): AsyncIterable<CorporateAction> {
    const { result } = await this.fetch(symbol, interval, range);
    const tz = result.meta.exchangeTimezoneName;
    const events = result.events ?? {};
    const actions: CorporateAction[] = [
      ...Object.values(events.splits ?? {}).map((s): CorporateAction => ({
        symbol, exDate: dateInZone(s.date * 1000, tz), kind: 'split', ratio: s.numerator / s.denominator,
      })),
      ...Object.values(events.dividends ?? {}).map((d): CorporateAction => ({
        symbol, exDate: dateInZone(d.date * 1000, tz), kind: 'dividend', amount: d.amount,
      })),
    ];
    yield* actions.sort((a, b) => a.exDate.localeCompare(b.exDate) || a.kind.localeCompare(b.kind));
  }

  // rows() and corporateActions() read the same payload; keep the last one so an import fetches it once.
  private cached: { key: string; value: Promise<{ result: ChartResult; req: HttpRequest }> } | undefined;

  private fetch(symbol: string, interval: string, range: DateRange): Promise<{ result: ChartResult; req: HttpRequest }> {
    const key = `${symbol}|${interval}|${range.from}|${range.to}`;
    if (this.cached?.key !== key) {
      const value = this.load(symbol, interval, range);
      value.catch(() => {
        if (this.cached?.key === key) this.cached = undefined;
      });
      this.cached = { key, value };
    }
    return this.cached.value;
  }

  private async load(symbol: string, interval: string, range: DateRange): Promise<{ result: ChartResult; req: HttpRequest }> {
    const yInterval = yahooInterval(interval);
    const req: HttpRequest = {
      path: `/v8/finance/chart/${encodeURIComponent(symbol)}`,
      symbol,
      query: {
        period1: Date.parse(`${range.from}T00:00:00Z`) / 1000,
        period2: Date.parse(`${range.to}T00:00:00Z`) / 1000 + 86_400,
        interval: yInterval,
        events: 'div|split',
        includePrePost: 'false',
      },
    };
    if (!YAHOO_INTERVALS.has(yInterval)) throw this.http.fail(req, `interval ${JSON.stringify(interval)} is not one Yahoo serves (${[...YAHOO_INTERVALS].join(', ')})`);
    const body = await this.http.json(req, chartSchema);
    const result = body.chart.result?.[0];
    if (!result) {
      const e = body.chart.error;
      throw this.http.fail(req, e ? `${e.code}: ${e.description ?? 'no description'}` : 'chart.result is empty');
    }
    const n = result.timestamp.length;
    for (const k of ['open', 'high', 'low', 'close', 'volume'] as const) {
      const len = result.indicators.quote[0][k]?.length ?? 0;
      if (n > 0 && len !== n) throw this.http.fail(req, `indicators.quote[0].${k} has ${len} values for ${n} timestamps`);
    }
    return { result, req };
  }
}
