// Tiingo: end-of-day prices (with dividends and split factors), IEX intraday bars, and fundamentals statements.
// Auth is an "Authorization: Token …" header, so keys never appear in URLs.
import { z } from 'zod';
import type { DatasetRef } from '../contracts/dataset-ref';
import type { HttpClient, HttpRequest } from './http-client';
import type { RawPriceRow } from './bar';
import { assumedPublication, type PublicationLag } from './fundamental-periods';
import { isIntraday, parseInterval } from './market-time';
import type { CorporateAction, DateRange, FundamentalsProvider, PriceProvider, RawFundamentalRow } from './provider';

const dailySchema = z.array(
  z.object({
    date: z.string(), open: z.number(), high: z.number(), low: z.number(), close: z.number(), volume: z.number(),
    adjClose: z.number().optional(), divCash: z.number().default(0), splitFactor: z.number().default(1),
  }).loose(),
);

const intradaySchema = z.array(
  z.object({ date: z.string(), open: z.number(), high: z.number(), low: z.number(), close: z.number(), volume: z.number().optional() }).loose(),
);

const statementsSchema = z.array(
  z.object({
    date: z.string(),
    year: z.number().int(),
    quarter: z.number().int().min(0).max(4),
    statementData: z.record(z.string(), z.array(z.object({ dataCode: z.string(), value: z.number().nullable() }))),
  }),
);

/** Tiingo dataCode → our metric name. Codes not listed are not imported. */
const METRICS: Record<string, { metric: string; unit: string }> = {
  revenue: { metric: 'revenue', unit: 'USD' },
  netinc: { metric: 'net_income', unit: 'USD' },
  grossProfit: { metric: 'gross_profit', unit: 'USD' },
  opinc: { metric: 'operating_income', unit: 'USD' },
  ebit: { metric: 'ebit', unit: 'USD' },
  ebitda: { metric: 'ebitda', unit: 'USD' },
  epsDil: { metric: 'eps_diluted', unit: 'USD/shares' },
  eps: { metric: 'eps_basic', unit: 'USD/shares' },
  totalAssets: { metric: 'total_assets', unit: 'USD' },
  totalLiabilities: { metric: 'total_liabilities', unit: 'USD' },
  equity: { metric: 'total_equity', unit: 'USD' },
  sharesBasic: { metric: 'shares_outstanding', unit: 'shares' },
  freeCashFlow: { metric: 'free_cash_flow', unit: 'USD' },
};

export class TiingoProvider implements PriceProvider, FundamentalsProvider {
  readonly name = 'tiingo';

  constructor(private readonly http: HttpClient, private readonly lag: PublicationLag) {}

  datasetFor(symbol: string, interval?: string): DatasetRef {
    if (interval === undefined) return { kind: 'url', url: this.http.describe({ path: `/tiingo/fundamentals/${encodeURIComponent(symbol)}/statements` }) };
    return { kind: 'url', url: this.http.describe(this.priceRequest(symbol, interval, undefined)) };
  }

  async *rows(symbol: string, interval: string, range: DateRange): AsyncIterable<RawPriceRow> {
    const req = this.priceRequest(symbol, interval, range);
    if (isIntraday(this.interval(symbol, interval))) {
      // IEX bars: volume only when asked for (columns=…); a bar without it is quarantined, not given volume 0.
      for (const [i, r] of (await this.http.json(req, intradaySchema)).entries()) {
        const fields = { date: r.date, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume };
        yield { location: `${this.http.describe(req)}#[${i}]`, raw: r, fields };
      }
      return;
    }
    for (const [i, r] of (await this.daily(req)).entries()) {
      // EOD dates are midnight UTC of the trading day.
      const fields = { date: r.date.slice(0, 10), open: r.open, high: r.high, low: r.low, close: r.close, adjClose: r.adjClose, volume: r.volume };
      yield { location: `${this.http.describe(req)}#[${i}]`, raw: r, fields };
    }
  }

  async *corporateActions(symbol: string, interval: string, range: DateRange): AsyncIterable<CorporateAction> {
    if (isIntraday(this.interval(symbol, interval))) return;
    for (const r of await this.daily(this.priceRequest(symbol, '1d', range))) {
      const exDate = r.date.slice(0, 10);
      if (r.splitFactor !== 1) yield { symbol, exDate, kind: 'split', ratio: r.splitFactor };
      if (r.divCash > 0) yield { symbol, exDate, kind: 'dividend', amount: r.divCash };
    }
  }

  async *fundamentals(symbol: string): AsyncIterable<RawFundamentalRow> {
    const req: HttpRequest = { path: `/tiingo/fundamentals/${encodeURIComponent(symbol)}/statements`, query: { asReported: 'false', format: 'json' }, symbol };
    for (const [i, s] of (await this.http.json(req, statementsSchema)).entries()) {
      // quarter 0 is the whole fiscal year.
      const fiscalPeriod = s.quarter === 0 ? 'FY' : `Q${s.quarter}`;
      for (const [statement, items] of Object.entries(s.statementData)) {
        for (const item of items) {
          const m = METRICS[item.dataCode];
          if (!m) continue;
          yield {
            location: `${this.http.describe(req)}#[${i}].statementData.${statement}.${item.dataCode}`,
            raw: { date: s.date, year: s.year, quarter: s.quarter, statement, ...item },
            fields: {
              symbol, metric: m.metric, fiscalPeriod, fiscalYear: s.year, periodEnd: s.date, value: item.value, unit: m.unit,
              publishedAt: assumedPublication(s.date, fiscalPeriod, this.lag),
            },
          };
        }
      }
    }
  }

  // rows() and corporateActions() read the same EOD payload; keep the last one so an import fetches it once.
  private cached: { key: string; value: Promise<z.infer<typeof dailySchema>> } | undefined;

  private daily(req: HttpRequest): Promise<z.infer<typeof dailySchema>> {
    const key = this.http.describe(req);
    if (this.cached?.key !== key) {
      const value = this.http.json(req, dailySchema);
      value.catch(() => {
        if (this.cached?.key === key) this.cached = undefined;
      });
      this.cached = { key, value };
    }
    return this.cached.value;
  }

  private interval(symbol: string, interval: string) {
    const parsed = parseInterval(interval);
    if (!parsed) throw this.http.fail({ path: '/tiingo', symbol }, `interval ${JSON.stringify(interval)} is not like 1d, 5m or 1h`);
    return parsed;
  }

  private priceRequest(symbol: string, interval: string, range: DateRange | undefined): HttpRequest {
    const p = this.interval(symbol, interval);
    const dates = { startDate: range?.from, endDate: range?.to };
    if (isIntraday(p)) {
      const freq = `${p.count}${p.unit === 'hour' ? 'hour' : 'min'}`;
      return { path: `/iex/${encodeURIComponent(symbol)}/prices`, query: { ...dates, resampleFreq: freq, columns: 'open,high,low,close,volume', format: 'json' }, symbol };
    }
    const freq = { day: 'daily', week: 'weekly', month: 'monthly' }[p.unit as 'day' | 'week' | 'month'];
    if (p.count !== 1) throw this.http.fail({ path: '/tiingo/daily', symbol }, `interval ${JSON.stringify(interval)}: Tiingo resamples to 1d, 1wk or 1mo only`);
    return { path: `/tiingo/daily/${encodeURIComponent(symbol)}/prices`, query: { ...dates, resampleFreq: freq, format: 'json' }, symbol };
  }
}
