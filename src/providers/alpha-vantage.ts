// Alpha Vantage: daily and intraday bars (JSON or CSV) and fundamentals (OVERVIEW, INCOME_STATEMENT, BALANCE_SHEET).
// Everything is GET /query?function=…; the key travels as the `apikey` query parameter, which HttpClient adds and
// keeps out of dataset references and messages. Alpha Vantage answers errors with HTTP 200 and a message in the
// body, so every payload is checked for "Error Message", "Note" and "Information" first.
import { z } from 'zod';
import { parseInstant } from '../contracts/dates';
import { TransientProviderError } from '../contracts/errors';
import type { DatasetRef } from '../contracts/dataset-ref';
import type { HttpClient, HttpRequest } from './http-client';
import type { RawPriceRow } from './bar';
import { assumedPublication, fiscalQuarterOf, type PublicationLag } from './fundamental-periods';
import { isIntraday, parseInterval } from './market-time';
import type { CorporateAction, FundamentalsProvider, PriceProvider, RawFundamentalRow } from './provider';

export type AlphaVantageDailyFunction = 'TIME_SERIES_DAILY' | 'TIME_SERIES_DAILY_ADJUSTED';
export type AlphaVantageFundamentalFunction = 'OVERVIEW' | 'INCOME_STATEMENT' | 'BALANCE_SHEET';

export interface AlphaVantageOptions {
  /** TIME_SERIES_DAILY_ADJUSTED (premium) adds adjusted closes, dividends and splits. @default TIME_SERIES_DAILY */
  dailyFunction?: AlphaVantageDailyFunction;
  /** Ask for CSV instead of JSON (datatype=csv). @default false */
  csv?: boolean;
  /** Use the retired TIME_SERIES_INTRADAY_EXTENDED (CSV, one month per `slice`) for intraday bars. */
  intradayExtendedSlice?: string;
  /** Which fundamentals endpoints to read. @default all three */
  fundamentalFunctions?: AlphaVantageFundamentalFunction[];
}

/** Alpha Vantage reports intraday times as US/Eastern wall-clock time (stated in "Meta Data", implied in CSV). */
const AV_TIME_ZONE = 'America/New_York';
const AV_INTRADAY = new Set([1, 5, 15, 30, 60]);
/** A "Note" or rate-limit "Information" means the per-minute (or daily) quota is spent. */
const AV_QUOTA_WAIT_MS = 60_000;

const bodyNotice = z.object({ 'Error Message': z.string().optional(), Note: z.string().optional(), Information: z.string().optional() }).loose();

const seriesPayload = z.object({ 'Meta Data': z.record(z.string(), z.string()).optional() }).catchall(z.unknown());
const barSchema = z.record(z.string(), z.string());

const reportSchema = z.object({ fiscalDateEnding: z.string() }).catchall(z.string().nullable());
const statementSchema = z.object({
  symbol: z.string(),
  annualReports: z.array(reportSchema).default([]),
  quarterlyReports: z.array(reportSchema).default([]),
});
const overviewSchema = z.object({ Symbol: z.string(), LatestQuarter: z.string(), FiscalYearEnd: z.string(), Currency: z.string().optional() }).catchall(z.string().nullable());

const STATEMENT_METRICS: Record<'INCOME_STATEMENT' | 'BALANCE_SHEET', Record<string, { metric: string; perShare?: boolean; shares?: boolean }>> = {
  INCOME_STATEMENT: {
    totalRevenue: { metric: 'revenue' },
    netIncome: { metric: 'net_income' },
    grossProfit: { metric: 'gross_profit' },
    operatingIncome: { metric: 'operating_income' },
    ebit: { metric: 'ebit' },
    ebitda: { metric: 'ebitda' },
  },
  BALANCE_SHEET: {
    totalAssets: { metric: 'total_assets' },
    totalLiabilities: { metric: 'total_liabilities' },
    totalShareholderEquity: { metric: 'total_equity' },
    commonStockSharesOutstanding: { metric: 'shares_outstanding', shares: true },
  },
};

/** OVERVIEW is a snapshot as of LatestQuarter: only trailing figures, named so they never collide with statements. */
const OVERVIEW_METRICS: Record<string, { metric: string; perShare?: boolean }> = {
  RevenueTTM: { metric: 'revenue_ttm' },
  EBITDA: { metric: 'ebitda_ttm' },
  DilutedEPSTTM: { metric: 'eps_diluted_ttm', perShare: true },
  BookValue: { metric: 'book_value_per_share', perShare: true },
  DividendPerShare: { metric: 'dividend_per_share', perShare: true },
};

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** Alpha Vantage writes absent figures as the string "None". */
const reported = (v: string | null | undefined): v is string => v !== undefined && v !== null && v !== 'None' && v.trim() !== '';

export class AlphaVantageProvider implements PriceProvider, FundamentalsProvider {
  readonly name = 'alphavantage';

  constructor(private readonly http: HttpClient, private readonly lag: PublicationLag, private readonly options: AlphaVantageOptions = {}) {}

  datasetFor(symbol: string, interval?: string): DatasetRef {
    if (interval === undefined) return { kind: 'url', url: this.http.describe({ path: '/query', query: { function: 'fundamentals', symbol } }) };
    return { kind: 'url', url: this.http.describe(this.priceRequest(symbol, interval)) };
  }

  async *rows(symbol: string, interval: string): AsyncIterable<RawPriceRow> {
    const req = this.priceRequest(symbol, interval);
    const body = await this.http.text(req);
    if (req.query?.datatype === 'csv' || req.query?.function === 'TIME_SERIES_INTRADAY_EXTENDED') {
      yield* this.csvRows(req, body);
      return;
    }
    const { series, timeZone } = this.series(req, body);
    const place = this.http.describe(req);
    for (const [key, bar] of Object.entries(series)) {
      const { date, error } = this.timestamp(key, timeZone);
      yield { location: `${place}#${key}`, raw: { time: key, ...bar }, ...(error ? { error } : {}), fields: this.barFields(date, bar) };
    }
  }

  async *corporateActions(symbol: string, interval: string): AsyncIterable<CorporateAction> {
    const req = this.priceRequest(symbol, interval);
    // Only the adjusted daily series carries dividends and split coefficients.
    if (req.query?.function !== 'TIME_SERIES_DAILY_ADJUSTED' || req.query.datatype === 'csv') return;
    const { series } = this.series(req, await this.http.text(req));
    for (const [date, bar] of Object.entries(series).sort(([a], [b]) => a.localeCompare(b))) {
      const dividend = Number(bar['7. dividend amount']);
      const split = Number(bar['8. split coefficient']);
      if (Number.isFinite(split) && split > 0 && split !== 1) yield { symbol, exDate: date, kind: 'split', ratio: split };
      if (Number.isFinite(dividend) && dividend > 0) yield { symbol, exDate: date, kind: 'dividend', amount: dividend };
    }
  }

  async *fundamentals(symbol: string): AsyncIterable<RawFundamentalRow> {
    for (const fn of this.options.fundamentalFunctions ?? ['OVERVIEW', 'INCOME_STATEMENT', 'BALANCE_SHEET']) {
      const req: HttpRequest = { path: '/query', query: { function: fn, symbol }, symbol };
      const body = await this.http.text(req);
      this.checkNotice(req, body);
      if (fn === 'OVERVIEW') yield* this.overviewRows(req, this.http.parse(req, body, overviewSchema));
      else yield* this.statementRows(req, fn, this.http.parse(req, body, statementSchema));
    }
  }

  private *statementRows(req: HttpRequest, fn: 'INCOME_STATEMENT' | 'BALANCE_SHEET', payload: z.infer<typeof statementSchema>): Iterable<RawFundamentalRow> {
    const symbol = req.symbol ?? payload.symbol;
    // The latest annual report dates the fiscal year end; without one, assume the calendar year.
    const yearEnd = payload.annualReports[0]?.fiscalDateEnding ?? '2000-12-31';
    const place = this.http.describe(req);
    for (const [kind, reports] of [['annualReports', payload.annualReports], ['quarterlyReports', payload.quarterlyReports]] as const) {
      for (const [i, report] of reports.entries()) {
        const periodEnd = report.fiscalDateEnding;
        const period = kind === 'annualReports'
          ? { fiscalYear: Number(periodEnd.slice(0, 4)), fiscalPeriod: 'FY' }
          : fiscalQuarterOf(periodEnd, yearEnd);
        for (const [field, m] of Object.entries(STATEMENT_METRICS[fn])) {
          const value = report[field];
          if (!reported(value)) continue;
          yield {
            location: `${place}#${kind}[${i}].${field}`,
            raw: { fiscalDateEnding: periodEnd, reportedCurrency: report.reportedCurrency, [field]: value },
            fields: {
              symbol, metric: m.metric, ...period, periodEnd, value,
              unit: m.shares ? 'shares' : report.reportedCurrency ?? 'USD',
              publishedAt: assumedPublication(periodEnd, period.fiscalPeriod, this.lag),
            },
          };
        }
      }
    }
  }

  private *overviewRows(req: HttpRequest, o: z.infer<typeof overviewSchema>): Iterable<RawFundamentalRow> {
    const symbol = req.symbol ?? o.Symbol;
    const month = MONTHS.indexOf(o.FiscalYearEnd.trim().toLowerCase());
    const periodEnd = o.LatestQuarter;
    const year = Number(periodEnd.slice(0, 4));
    // The last day of the fiscal-year-end month: day 0 of the next month.
    const yearEnd = month < 0 ? `${year}-12-31` : new Date(Date.UTC(year, month + 1, 0)).toISOString().slice(0, 10);
    const period = fiscalQuarterOf(periodEnd, yearEnd);
    for (const [field, m] of Object.entries(OVERVIEW_METRICS)) {
      const value = o[field];
      if (!reported(value)) continue;
      yield {
        location: `${this.http.describe(req)}#${field}`,
        raw: { Symbol: o.Symbol, LatestQuarter: periodEnd, FiscalYearEnd: o.FiscalYearEnd, [field]: value },
        fields: {
          symbol, metric: m.metric, ...period, periodEnd, value,
          unit: m.perShare ? `${o.Currency ?? 'USD'}/shares` : o.Currency ?? 'USD',
          publishedAt: assumedPublication(periodEnd, period.fiscalPeriod, this.lag),
        },
      };
    }
  }

  private series(req: HttpRequest, body: string): { series: Record<string, Record<string, string>>; timeZone: string } {
    this.checkNotice(req, body);
    const payload = this.http.parse(req, body, seriesPayload);
    const key = Object.keys(payload).find((k) => k.startsWith('Time Series'));
    if (!key) throw this.http.fail(req, `no "Time Series" object in the response (keys: ${Object.keys(payload).join(', ') || 'none'})`);
    const series = z.record(z.string(), barSchema).safeParse(payload[key]);
    if (!series.success) throw this.http.fail(req, `"${key}" is not an object of bars: ${series.error.issues[0]?.message}`);
    const tzField = Object.entries(payload['Meta Data'] ?? {}).find(([k]) => k.endsWith('Time Zone'))?.[1];
    return { series: series.data, timeZone: tzField === 'US/Eastern' || !tzField ? AV_TIME_ZONE : tzField };
  }

  private barFields(date: string, bar: Record<string, string>): RawPriceRow['fields'] {
    const pick = (name: string) => Object.entries(bar).find(([k]) => k.replace(/^\d+[a-z]?\.\s*/, '') === name)?.[1];
    return {
      date,
      open: pick('open'), high: pick('high'), low: pick('low'), close: pick('close'),
      adjClose: pick('adjusted close'), volume: pick('volume'),
    };
  }

  /**
   * Date-only keys are trading days (bar.ts checks them); wall-clock keys are times in the zone, read strictly: a
   * time that does not exist there (a DST gap, 2016-04-31) comes back as the row's error, quarantined as is.
   */
  private timestamp(key: string, timeZone: string): { date: string; error?: string } {
    const text = key.trim();
    if (!text.includes(':')) return { date: text };
    const at = parseInstant(text, { timeZone });
    return at.ok ? { date: at.instant.toISOString() } : { date: text, error: at.reason };
  }

  private *csvRows(req: HttpRequest, body: string): Iterable<RawPriceRow> {
    if (body.trimStart().startsWith('{')) {
      // CSV endpoints answer errors and quota notices as JSON.
      this.checkNotice(req, body);
      throw this.http.fail(req, `expected CSV, got JSON (starts with ${JSON.stringify(body.trim().slice(0, 40))})`);
    }
    const lines = body.replace(/^\uFEFF/, '').split(/\r?\n/);
    const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
    const col = (...names: string[]) => header.findIndex((h) => names.includes(h));
    const at = { date: col('timestamp', 'time', 'date'), open: col('open'), high: col('high'), low: col('low'), close: col('close'), adj: col('adjusted_close'), volume: col('volume') };
    const missing = Object.entries(at).filter(([k, i]) => k !== 'adj' && i < 0).map(([k]) => k);
    if (missing.length > 0) throw this.http.fail(req, `CSV header ${JSON.stringify(lines[0] ?? '')} lacks column(s) ${missing.join(', ')}`);
    const place = this.http.describe(req);
    for (const [n, line] of lines.entries()) {
      if (n === 0 || line.trim() === '') continue;
      const cells = line.split(',').map((c) => c.trim());
      const raw = Object.fromEntries(header.map((h, i) => [h, cells[i]]));
      const { date, error } = this.timestamp(cells[at.date] ?? '', AV_TIME_ZONE);
      const fields = {
        date,
        open: cells[at.open], high: cells[at.high], low: cells[at.low], close: cells[at.close],
        adjClose: at.adj >= 0 ? cells[at.adj] : undefined, volume: cells[at.volume],
      };
      yield { location: `${place}:${n + 1}`, raw, ...(error ? { error } : {}), fields };
    }
  }

  private checkNotice(req: HttpRequest, body: string): void {
    if (!body.trimStart().startsWith('{')) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return; // the schema parse that follows names the problem
    }
    const notice = bodyNotice.safeParse(parsed);
    if (!notice.success) return;
    const n = notice.data;
    if (n['Error Message']) throw this.http.fail(req, `Error Message: ${n['Error Message']}`);
    const info = n.Note ?? n.Information;
    if (info && (n.Note || /rate limit|call frequency|per minute|per day|requests per/i.test(info))) {
      throw new TransientProviderError(this.name, req.symbol, `quota notice: ${info.slice(0, 200)}`, AV_QUOTA_WAIT_MS);
    }
    if (info) throw this.http.fail(req, `Information: ${info.slice(0, 200)}`);
    if (Object.keys(parsed as object).length === 0) throw this.http.fail(req, 'empty response (unknown symbol?)');
  }

  private priceRequest(symbol: string, interval: string): HttpRequest {
    const p = parseInterval(interval);
    const datatype = this.options.csv ? 'csv' : undefined;
    if (p && isIntraday(p)) {
      const minutes = p.unit === 'hour' ? p.count * 60 : p.count;
      if (!AV_INTRADAY.has(minutes)) throw this.http.fail({ path: '/query', symbol }, `interval ${JSON.stringify(interval)}: Alpha Vantage serves 1, 5, 15, 30 and 60 minute bars`);
      if (this.options.intradayExtendedSlice) {
        return { path: '/query', query: { function: 'TIME_SERIES_INTRADAY_EXTENDED', symbol, interval: `${minutes}min`, slice: this.options.intradayExtendedSlice }, symbol };
      }
      return { path: '/query', query: { function: 'TIME_SERIES_INTRADAY', symbol, interval: `${minutes}min`, outputsize: 'full', datatype }, symbol };
    }
    if (!p || p.unit !== 'day' || p.count !== 1) throw this.http.fail({ path: '/query', symbol }, `interval ${JSON.stringify(interval)}: Alpha Vantage serves 1d and 1–60 minute bars`);
    return { path: '/query', query: { function: this.options.dailyFunction ?? 'TIME_SERIES_DAILY', symbol, outputsize: 'full', datatype }, symbol };
  }
}
