// Each HTTP provider imports its recorded responses (replayed locally) into PostgreSQL through the real import path.
// Expected values are read off the recorded payloads in test/fixtures/api (see its NOTICE.md).
import type { DataSource } from 'typeorm';
import { loadConfig, type Config } from '../../src/config';
import { formatDatasetRef } from '../../src/contracts/dataset-ref';
import { importFundamentals } from '../../src/import/import-fundamentals';
import { importPrices, importRepositories } from '../../src/import/import-prices';
import { AlphaVantageProvider } from '../../src/providers/alpha-vantage';
import { HttpClient } from '../../src/providers/http-client';
import { createFundamentalsProvider, createPriceProvider } from '../../src/providers/http-sources';
import type { CorporateAction, FundamentalsProvider, PriceProvider } from '../../src/providers/provider';
import { FundamentalRepository } from '../../src/repositories/fundamental-repository';
import { ReplayServer } from '../helpers/replay-server';
import { openTestDataSource, resetData } from '../helpers/services';

const AV_KEY = 'av-test-key-5f2c';

let ds: DataSource;
let server: ReplayServer;
let config: Config;

beforeAll(async () => {
  ds = await openTestDataSource();
  server = await ReplayServer.start([
    { path: '/v8/finance/chart/AAPL', query: { interval: '1d' }, file: 'yahoo/chart-AAPL-2020-08-31-to-2020-11-07.json' },
    { path: '/v8/finance/chart/AAPL', query: { interval: '1m' }, file: 'yahoo/chart-AAPL-2025-02-01-to-2025-02-02-includePrePost-false-interval-1m.json' },
    { path: '/v8/finance/chart/NVDA', file: 'yahoo/chart-NVDA-2021-02-01-to-2022-01-31.json' },
    { path: '/v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04', file: 'polygon/v2__aggs__ticker__AAPL__range__1__day__2005-04-01__2005-04-04.json' },
    { path: '/v3/reference/splits', file: 'polygon/v3__reference__splits.json' },
    { path: '/v3/reference/dividends', file: 'polygon/v3__reference__dividends.json' },
    { path: '/tiingo/daily/GOOGL/prices', file: 'tiingo/ticker_price.json' },
    { path: '/iex/GOOGL/prices', file: 'tiingo/intraday_price.json' },
    { path: '/tiingo/fundamentals/GOOGL/statements', file: 'tiingo/fundamentals_statements.json' },
    { path: '/query', query: { function: 'TIME_SERIES_INTRADAY', symbol: 'MSFT' }, file: 'alphavantage/TIME_SERIES_INTRADAY_MSFT_1min.json' },
    { path: '/query', query: { function: 'TIME_SERIES_INTRADAY_EXTENDED' }, file: 'alphavantage/TIME_SERIES_INTRADAY_EXTENDED_1min.csv' },
    { path: '/query', query: { function: 'INCOME_STATEMENT', symbol: 'IBM' }, file: 'alphavantage/INCOME_STATEMENT_IBM.json' },
    { path: '/query', query: { function: 'OVERVIEW', symbol: 'IBM' }, file: 'alphavantage/OVERVIEW_IBM.json' },
    { path: '/files/company_tickers.json', file: 'sec-edgar/company_tickers.json' },
    { path: '/api/xbrl/companyfacts/CIK0001640147.json', file: 'sec-edgar/companyfacts_CIK0001640147_SNOW.json' },
  ]);
  const base = server.baseUrl;
  config = loadConfig({
    YAHOO_BASE_URL: base, POLYGON_BASE_URL: base, TIINGO_BASE_URL: base, ALPHAVANTAGE_BASE_URL: base, SEC_EDGAR_BASE_URL: base, SEC_EDGAR_WWW_URL: base,
    POLYGON_API_KEY: 'pg-test-key-91ab', TIINGO_API_KEY: 'ti-test-key-77cd', ALPHAVANTAGE_API_KEY: AV_KEY, SEC_EDGAR_USER_AGENT: 'Tickflow Tests tests@example.com',
    // Generous limits: this file tests mapping and storage; rate limiting is tested in http-client.test.ts.
    YAHOO_RATE_LIMIT_PER_MIN: '6000', POLYGON_RATE_LIMIT_PER_MIN: '6000', TIINGO_RATE_LIMIT_PER_MIN: '6000', ALPHAVANTAGE_RATE_LIMIT_PER_MIN: '6000',
    SEC_EDGAR_RATE_LIMIT_PER_MIN: '6000', TICKFLOW_HTTP_TIMEOUT_MS: '5000',
  });
});

afterAll(async () => {
  await server?.stop();
  await ds?.destroy();
});

beforeEach(async () => {
  await resetData(ds);
  server.reset();
});

function importRange(provider: PriceProvider, symbol: string, interval: string, from: string, to: string) {
  return ds.transaction((em) => importPrices(em, importRepositories(ds), provider, { symbols: [symbol], interval, range: { from, to }, pipelineRunId: null }));
}

function importFigures(provider: FundamentalsProvider, symbol: string) {
  return ds.transaction((em) => importFundamentals(em, new FundamentalRepository(ds), provider, { symbols: [symbol], pipelineRunId: null }));
}

async function collect(actions: AsyncIterable<CorporateAction>): Promise<CorporateAction[]> {
  const out: CorporateAction[] = [];
  for await (const a of actions) out.push(a);
  return out;
}

async function bar(symbol: string, interval: string, ts: string) {
  const rows = await ds.query(`SELECT open, high, low, close, adj_close, volume, source FROM price_data WHERE symbol = $1 AND interval = $2 AND ts = $3`, [symbol, interval, ts]);
  return rows[0];
}

const count = async (sql: string, params: unknown[] = []) => (await ds.query(sql, params))[0].n as number;

describe('yahoo chart v8', () => {
  it('imports 49 daily AAPL bars dated by the New York trading day, with vendor adjusted closes', async () => {
    const s = await importRange(createPriceProvider('yahoo', config), 'AAPL', '1d', '2020-08-31', '2020-11-06');
    expect(s).toMatchObject({ received: 49, stored: 49, quarantined: 0 });
    expect(await count(`SELECT count(*)::int AS n FROM price_data WHERE symbol = 'AAPL' AND interval = '1d'`)).toBe(49);
    expect(await bar('AAPL', '1d', '2020-08-31T00:00:00Z')).toEqual({
      open: 127.58000183105469, high: 131, low: 126, close: 129.0399932861328, adj_close: 125.82673645019531, volume: 225702700, source: 'yahoo',
    });
    expect(server.requests[0].query).toMatchObject({ interval: '1d', period1: String(Date.parse('2020-08-31T00:00:00Z') / 1000) });
  });

  it('reads the 4:1 split and the 0.205 dividend from events', async () => {
    const yahoo = createPriceProvider('yahoo', config);
    expect(await collect(yahoo.corporateActions!('AAPL', '1d', { from: '2020-08-31', to: '2020-11-06' }))).toEqual([
      { symbol: 'AAPL', exDate: '2020-08-31', kind: 'split', ratio: 4 },
      { symbol: 'AAPL', exDate: '2020-11-06', kind: 'dividend', amount: 0.205 },
    ]);
    expect(await collect(yahoo.corporateActions!('NVDA', '1d', { from: '2021-02-01', to: '2022-01-31' }))).toEqual([
      { symbol: 'NVDA', exDate: '2021-07-20', kind: 'split', ratio: 4 },
    ]);
  });

  it('keeps the interval in the key: a weekend 1m request stores nothing and touches no daily bar', async () => {
    await importRange(createPriceProvider('yahoo', config), 'AAPL', '1d', '2020-08-31', '2020-11-06');
    const s = await importRange(createPriceProvider('yahoo', config), 'AAPL', '1m', '2025-02-01', '2025-02-02');
    expect(s).toMatchObject({ received: 0, stored: 0 });
    expect(server.requests.at(-1)?.query.interval).toBe('1m');
    expect(await count(`SELECT count(*)::int AS n FROM price_data WHERE symbol = 'AAPL'`)).toBe(49);
  });
});

describe('polygon', () => {
  it('imports v2 daily aggregates (epoch-ms at New York midnight) and sends the key only as a header', async () => {
    const polygon = createPriceProvider('polygon', config);
    const s = await importRange(polygon, 'AAPL', '1d', '2005-04-01', '2005-04-04');
    expect(s).toMatchObject({ received: 2, stored: 2, quarantined: 0 });
    expect(await bar('AAPL', '1d', '2005-04-01T00:00:00Z')).toMatchObject({ open: 1.5032, high: 1.5064, low: 1.4489, close: 1.4604, volume: 642646396 });
    expect(await bar('AAPL', '1d', '2005-04-04T00:00:00Z')).toMatchObject({ open: 1.4639, close: 1.4675, volume: 578172308 });
    const aggs = server.requests.find((r) => r.path.startsWith('/v2/aggs'))!;
    expect(aggs.headers.authorization).toBe('Bearer pg-test-key-91ab');
    expect(JSON.stringify(aggs.query)).not.toContain('pg-test-key');
    expect(s.datasets.map(formatDatasetRef).join(' ')).not.toContain('pg-test-key');
  });

  it('maps v3 splits (split_to / split_from) and dividends of the requested ticker and range only', async () => {
    const polygon = createPriceProvider('polygon', config);
    const year2022 = { from: '2022-01-01', to: '2022-12-31' };
    expect(await collect(polygon.corporateActions!('GOOGL', '1d', year2022))).toEqual([{ symbol: 'GOOGL', exDate: '2022-07-18', kind: 'split', ratio: 20 }]);
    expect(await collect(polygon.corporateActions!('BRW', '1d', year2022))).toEqual([{ symbol: 'BRW', exDate: '2022-05-20', kind: 'split', ratio: 0.5 }]);
    expect(await collect(polygon.corporateActions!('CIG.C', '1d', year2022))).toEqual([{ symbol: 'CIG.C', exDate: '2022-05-02', kind: 'split', ratio: 4 / 3 }]);
    expect(await collect(polygon.corporateActions!('CSSEN', '1d', { from: '2024-01-01', to: '2024-12-31' }))).toEqual(
      ['2024-12-12', '2024-09-12', '2024-06-13', '2024-03-14'].map((exDate) => ({ symbol: 'CSSEN', exDate, kind: 'dividend', amount: 0.59375 })),
    );
    expect(server.requests.find((r) => r.path === '/v3/reference/splits')?.query).toMatchObject({ ticker: 'GOOGL', 'execution_date.gte': '2022-01-01' });
  });
});

describe('tiingo', () => {
  it('imports end-of-day bars with the Token header', async () => {
    const s = await importRange(createPriceProvider('tiingo', config), 'GOOGL', '1d', '2018-04-12', '2018-04-12');
    expect(s).toMatchObject({ received: 1, stored: 1 });
    expect(await bar('GOOGL', '1d', '2018-04-12T00:00:00Z')).toMatchObject({ open: 1031.47, high: 1044.65, low: 1026.05, close: 1037.29, adj_close: 1037.29, volume: 1644794 });
    expect(server.requests[0].headers.authorization).toBe('Token ti-test-key-77cd');
  });

  it('quarantines IEX intraday bars recorded without volume instead of inventing one', async () => {
    const s = await importRange(createPriceProvider('tiingo', config), 'GOOGL', '30m', '2018-01-02', '2018-01-02');
    expect(s).toMatchObject({ received: 13, stored: 0, quarantined: 13 });
    const [q] = await ds.query(`SELECT reason, interval, raw_row FROM price_quarantine ORDER BY id LIMIT 1`);
    expect(q).toMatchObject({ reason: 'volume is not a finite number', interval: '30m' });
    expect(q.raw_row).toMatchObject({ date: '2018-01-02T14:30:00.000Z', open: 1057.47, close: 1061.91 });
    expect(server.requests[0].query).toMatchObject({ resampleFreq: '30min', columns: 'open,high,low,close,volume' });
  });

  it('imports statements: quarter 0 is FY, published = period end + the configured lag', async () => {
    const s = await importFigures(createFundamentalsProvider('tiingo', config), 'GOOGL');
    expect(s).toMatchObject({ received: 39, stored: 39, unchanged: 0, quarantined: 0, exactDuplicates: 0 });
    const repo = new FundamentalRepository(ds);
    expect(await repo.versions('GOOGL', 'revenue', '2020-03-31', 'Q1')).toEqual([
      expect.objectContaining({ value: 41159000000, fiscalYear: 2020, unit: 'USD', publishedAt: new Date('2020-05-15T00:00:00Z') }),
    ]);
    expect(await repo.versions('GOOGL', 'eps_diluted', '2019-12-31', 'FY')).toEqual([
      expect.objectContaining({ value: 49.16, fiscalYear: 2019, publishedAt: new Date('2020-03-30T00:00:00Z') }),
    ]);
    expect(await repo.versions('GOOGL', 'revenue', '2019-12-31', 'Q4')).toEqual([expect.objectContaining({ value: 46075000000 })]);
  });
});

describe('alpha vantage', () => {
  it('imports TIME_SERIES_INTRADAY JSON, converting US/Eastern wall-clock keys to UTC', async () => {
    const s = await importRange(createPriceProvider('alphavantage', config), 'MSFT', '1m', '2017-12-18', '2017-12-18');
    expect(s).toMatchObject({ received: 100, stored: 100, quarantined: 0 });
    // "2017-12-18 14:56:00" US/Eastern (EST, UTC-5)
    expect(await bar('MSFT', '1m', '2017-12-18T19:56:00Z')).toMatchObject({ open: 86.49, high: 86.5, low: 86.475, close: 86.5, volume: 10494 });
    expect(await bar('MSFT', '1m', '2017-12-18T18:17:00Z')).toMatchObject({ open: 86.8101, volume: 31172 });
    expect(server.requests[0].query).toMatchObject({ function: 'TIME_SERIES_INTRADAY', interval: '1min', apikey: AV_KEY });
    expect(formatDatasetRef(s.datasets[0])).not.toContain(AV_KEY);
    expect(formatDatasetRef(s.datasets[0])).toContain('function=TIME_SERIES_INTRADAY');
  });

  it('imports the TIME_SERIES_INTRADAY_EXTENDED CSV (descending, CRLF): all 11,190 bars', async () => {
    const http = new HttpClient({ provider: 'alphavantage', baseUrl: server.baseUrl, timeoutMs: 5000, requestsPerMinute: 6000, secretQuery: { apikey: AV_KEY } });
    const av = new AlphaVantageProvider(http, config.providers.fundamentalsLagDays, { intradayExtendedSlice: 'year1month1' });
    const s = await importRange(av, 'MSFT', '1m', '2020-11-23', '2020-12-19');
    expect(s).toMatchObject({ received: 11190, stored: 11190, quarantined: 0, exactDuplicates: 0 });
    // Last line "2020-11-23 04:01:00,211.5,…,162" and first "2020-12-18 20:00:00,218.79,218.79,218.75,218.75,1102" (EST)
    expect(await bar('MSFT', '1m', '2020-11-23T09:01:00Z')).toMatchObject({ open: 211.5, close: 211.5, volume: 162 });
    expect(await bar('MSFT', '1m', '2020-12-19T01:00:00Z')).toMatchObject({ open: 218.79, high: 218.79, low: 218.75, close: 218.75, volume: 1102 });
  });

  it('imports OVERVIEW and INCOME_STATEMENT figures; "None" is an absent figure, not a row', async () => {
    const http = new HttpClient({ provider: 'alphavantage', baseUrl: server.baseUrl, timeoutMs: 5000, requestsPerMinute: 6000, secretQuery: { apikey: AV_KEY } });
    const av = new AlphaVantageProvider(http, { quarterly: 45, annual: 90 }, { fundamentalFunctions: ['OVERVIEW', 'INCOME_STATEMENT'] });
    const s = await importFigures(av, 'IBM');
    // OVERVIEW: RevenueTTM, EBITDA, DilutedEPSTTM, BookValue, DividendPerShare; INCOME_STATEMENT: 5 fields × 25 reports.
    expect(s).toMatchObject({ received: 130, stored: 130, quarantined: 0 });
    const repo = new FundamentalRepository(ds);
    expect(await repo.versions('IBM', 'revenue', '2020-06-30', 'Q2')).toEqual([
      expect.objectContaining({ value: 18123000000, fiscalYear: 2020, unit: 'USD', publishedAt: new Date('2020-08-14T00:00:00Z') }),
    ]);
    expect(await repo.versions('IBM', 'net_income', '2019-12-31', 'FY')).toEqual([
      expect.objectContaining({ value: 9431000000, fiscalYear: 2019, publishedAt: new Date('2020-03-30T00:00:00Z') }),
    ]);
    expect(await repo.versions('IBM', 'eps_diluted_ttm', '2020-06-30', 'Q2')).toEqual([expect.objectContaining({ value: 8.811, unit: 'USD/shares' })]);
    expect(await repo.versions('IBM', 'revenue', '2015-09-30', 'Q3')).toHaveLength(1);
  });
});

describe('sec edgar companyfacts', () => {
  it('stores every filing of a figure as its own version, with filed as publishedAt, and a re-import stores nothing', async () => {
    const sec = createFundamentalsProvider('sec-edgar', config);
    const first = await importFigures(sec, 'SNOW');
    expect(first.stored).toBeGreaterThan(300);
    expect(first.received).toBe(first.stored + first.unchanged + first.quarantined + first.exactDuplicates);
    expect(server.requests.map((r) => r.headers['user-agent'])).toEqual(['Tickflow Tests tests@example.com', 'Tickflow Tests tests@example.com']);

    const repo = new FundamentalRepository(ds);
    // A restatement: FY2023 comprehensive income as filed in the FY2023 10-K, then restated in the FY2024 and FY2025 10-Ks.
    const ci = await repo.versions('SNOW', 'comprehensive_income', '2023-01-31', 'FY');
    expect(ci.map((v) => [v.value, v.publishedAt.toISOString().slice(0, 10), v.fiscalYear])).toEqual([
      [-819512000, '2023-03-29', 2023], [-818691000, '2024-03-26', 2023], [-818691000, '2025-03-21', 2023],
    ]);
    expect(await repo.asOf('SNOW', 'comprehensive_income', '2023-01-31', 'FY', new Date('2024-01-01T00:00:00Z'))).toBe(-819512000);
    // Year-end assets repeated as the comparative in the next three 10-Qs and the next 10-K: five versions.
    const assets = await repo.versions('SNOW', 'total_assets', '2021-01-31', 'FY');
    expect(assets.map((v) => v.publishedAt.toISOString().slice(0, 10))).toEqual(['2021-03-31', '2021-06-04', '2021-09-02', '2021-12-03', '2022-03-30']);
    expect(new Set(assets.map((v) => `${v.value}/${v.fiscalYear}`))).toEqual(new Set(['5921739000/2021']));
    expect((await repo.versions('SNOW', 'revenue', '2021-01-31', 'FY')).map((v) => v.value)).toEqual([592049000, 592049000, 592049000]);

    // SEC's quirk: the FY2023 Q1 10-Q (filed 2022-06-03) is labelled fp "FY"; its quarter is still Q1, by date.
    expect((await repo.versions('SNOW', 'revenue', '2022-04-30', 'Q1')).map((v) => [v.value, v.publishedAt.toISOString().slice(0, 10), v.fiscalYear])).toEqual([
      [422371000, '2022-06-03', 2023], [422371000, '2023-06-02', 2023],
    ]);
    // Year-to-date figures (nine months to 2019-10-31) are not stored: only the quarter is.
    expect((await repo.versions('SNOW', 'revenue', '2019-10-31', 'Q3')).map((v) => v.value)).toEqual([73012000]);

    const again = await importFigures(createFundamentalsProvider('sec-edgar', config), 'SNOW');
    expect(again).toMatchObject({ received: first.received, stored: 0, unchanged: first.stored, quarantined: first.quarantined });
    expect(await repo.count('SNOW')).toBe(first.stored);
  });
});

describe('fundamentals import rules', () => {
  const figure = (over: Record<string, unknown>, location: string) => ({
    location,
    raw: over,
    fields: { symbol: 'TEST', metric: 'revenue', fiscalPeriod: 'Q1', fiscalYear: 2024, periodEnd: '2024-03-31', value: 100, unit: 'USD', publishedAt: '2024-05-01', ...over },
  });
  const provider = (rows: ReturnType<typeof figure>[]): FundamentalsProvider => ({
    name: 'test-figures',
    datasetFor: (symbol) => ({ kind: 'url', url: `https://figures.test/${symbol}` }),
    fundamentals: async function* () {
      yield* rows;
    },
  });

  it('quarantines bad figures with the reason, counts exact duplicates, and refuses a changed value for the same publication', async () => {
    const first = await importFigures(provider([
      figure({}, 'r1'),
      figure({}, 'r2-duplicate'),
      figure({ value: 101 }, 'r3-conflict-in-payload'),
      figure({ fiscalPeriod: 'H1' }, 'r4'),
      figure({ value: 'n/a' }, 'r5'),
      figure({ publishedAt: '2024-03-30' }, 'r6'),
      figure({ publishedAt: '2999-01-01' }, 'r7'),
      figure({ periodEnd: '2024-02-30' }, 'r8'),
      figure({ publishedAt: '2024-08-01', value: 102 }, 'r9-restatement'),
    ]), 'TEST');
    expect(first).toMatchObject({ received: 9, stored: 2, unchanged: 0, quarantined: 6, exactDuplicates: 1 });
    const reasons = await ds.query(`SELECT location, reason, interval FROM price_quarantine ORDER BY location`);
    expect(reasons).toEqual([
      { location: 'r3-conflict-in-payload', reason: 'revenue Q1 ending 2024-03-31 published 2024-05-01 given twice: 100 and 101', interval: null },
      { location: 'r4', reason: 'fiscal period "H1" is not one of FY, Q1, Q2, Q3, Q4', interval: null },
      { location: 'r5', reason: 'value "n/a" is not a finite number', interval: null },
      { location: 'r6', reason: 'published at 2024-03-30 before period end 2024-03-31', interval: null },
      { location: 'r7', reason: 'published at 2999-01-01T00:00:00.000Z is in the future', interval: null },
      { location: 'r8', reason: 'period end: date 2024-02-30 does not exist', interval: null },
    ]);

    const again = await importFigures(provider([figure({ value: 99 }, 'changed'), figure({ publishedAt: '2024-08-01', value: 102 }, 'same')]), 'TEST');
    expect(again).toMatchObject({ received: 2, stored: 0, unchanged: 1, quarantined: 1 });
    const [changed] = await ds.query(`SELECT reason FROM price_quarantine WHERE raw_row->>'value' = '99'`);
    expect(changed.reason).toBe('revenue Q1 ending 2024-03-31 published 2024-05-01 is stored as 100, now given as 99; a restatement needs a later publication date');
    expect((await new FundamentalRepository(ds).versions('TEST', 'revenue', '2024-03-31', 'Q1')).map((v) => v.value)).toEqual([100, 102]);
  });
});

describe('dates that do not exist in provider payloads', () => {
  // Hand-written payloads (test/fixtures/api/bad-dates) in each provider's recorded shape, with one impossible date
  // among good rows. Yahoo is not here: it sends epoch seconds, which always name a real instant.
  let odd: ReplayServer;
  let oddConfig: Config;
  beforeAll(async () => {
    odd = await ReplayServer.start([
      { path: '/tiingo/daily/ODD/prices', file: 'bad-dates/tiingo-daily-ODD.json' },
      { path: '/iex/ODD/prices', file: 'bad-dates/tiingo-iex-ODD.json' },
      { path: '/query', query: { function: 'TIME_SERIES_DAILY', symbol: 'ODD' }, file: 'bad-dates/alphavantage-daily-ODD.json' },
      { path: '/query', query: { function: 'TIME_SERIES_INTRADAY', symbol: 'ODD' }, file: 'bad-dates/alphavantage-intraday-ODD.json' },
      { path: '/v2/aggs/ticker/ODD/range/1/day/2016-04-01/2016-05-31', file: 'bad-dates/polygon-aggs-ODD.json' },
      { path: '/v3/reference/splits', file: 'bad-dates/polygon-splits-ODD.json' },
      { path: '/v3/reference/dividends', file: 'bad-dates/polygon-dividends-ODD.json' },
      { path: '/files/company_tickers.json', file: 'bad-dates/sec-company_tickers.json' },
      { path: '/api/xbrl/companyfacts/CIK0000000001.json', file: 'bad-dates/sec-companyfacts-CIK0000000001.json' },
    ]);
    const base = odd.baseUrl;
    oddConfig = loadConfig({
      POLYGON_BASE_URL: base, TIINGO_BASE_URL: base, ALPHAVANTAGE_BASE_URL: base, SEC_EDGAR_BASE_URL: base, SEC_EDGAR_WWW_URL: base,
      POLYGON_API_KEY: 'pg-test-key-91ab', TIINGO_API_KEY: 'ti-test-key-77cd', ALPHAVANTAGE_API_KEY: AV_KEY, SEC_EDGAR_USER_AGENT: 'Tickflow Tests tests@example.com',
      POLYGON_RATE_LIMIT_PER_MIN: '6000', TIINGO_RATE_LIMIT_PER_MIN: '6000', ALPHAVANTAGE_RATE_LIMIT_PER_MIN: '6000', SEC_EDGAR_RATE_LIMIT_PER_MIN: '6000',
      TICKFLOW_HTTP_TIMEOUT_MS: '5000',
    });
  });
  afterAll(() => odd?.stop());

  const quarantine = async () => (await ds.query(`SELECT reason FROM price_quarantine ORDER BY id`)).map((r: { reason: string }) => r.reason);
  const storedDays = async (interval: string) =>
    (await ds.query(`SELECT ts FROM price_data WHERE symbol = 'ODD' AND interval = $1 ORDER BY ts`, [interval])).map((r: { ts: Date }) => r.ts.toISOString());

  it('tiingo end-of-day: the 2016-04-31 bar and its dividend are quarantined, the others stored, nothing on 05-01', async () => {
    const s = await importRange(createPriceProvider('tiingo', oddConfig), 'ODD', '1d', '2016-04-01', '2016-05-31');
    expect(s).toMatchObject({ received: 3, stored: 2, quarantined: 1, corporateActions: 0 });
    expect(await quarantine()).toEqual(['date 2016-04-31 does not exist', 'ex-date: date 2016-04-31 does not exist']);
    expect(await storedDays('1d')).toEqual(['2016-04-28T00:00:00.000Z', '2016-05-02T00:00:00.000Z']);
  });

  it('tiingo IEX: an intraday timestamp on 2021-02-30 is quarantined', async () => {
    const s = await importRange(createPriceProvider('tiingo', oddConfig), 'ODD', '30m', '2021-02-01', '2021-03-31');
    expect(s).toMatchObject({ received: 2, stored: 1, quarantined: 1 });
    expect(await quarantine()).toEqual(['timestamp 2021-02-30T14:30:00.000Z: date 2021-02-30 does not exist']);
    expect(await storedDays('30m')).toEqual(['2021-02-26T14:30:00.000Z']);
  });

  it('alpha vantage daily: the "2016-04-31" key is quarantined', async () => {
    const s = await importRange(createPriceProvider('alphavantage', oddConfig), 'ODD', '1d', '2016-04-01', '2016-05-31');
    expect(s).toMatchObject({ received: 3, stored: 2, quarantined: 1 });
    expect(await quarantine()).toEqual(['date 2016-04-31 does not exist']);
    expect(await storedDays('1d')).toEqual(['2016-04-29T00:00:00.000Z', '2016-05-02T00:00:00.000Z']);
  });

  it('alpha vantage intraday: a US/Eastern wall time skipped by the DST change is quarantined, its neighbours land', async () => {
    const s = await importRange(createPriceProvider('alphavantage', oddConfig), 'ODD', '30m', '2021-03-13', '2021-03-15');
    expect(s).toMatchObject({ received: 3, stored: 2, quarantined: 1 });
    expect(await quarantine()).toEqual(['timestamp 2021-03-14 02:30:00 does not exist in America/New_York (skipped by a daylight-saving change)']);
    expect(await storedDays('30m')).toEqual(['2021-03-14T06:30:00.000Z', '2021-03-14T07:00:00.000Z']);
  });

  it('polygon: a split executed on 2016-04-31 is quarantined, the other split applies', async () => {
    const s = await importRange(createPriceProvider('polygon', oddConfig), 'ODD', '1d', '2016-04-01', '2016-05-31');
    expect(s).toMatchObject({ received: 2, stored: 2, quarantined: 0, corporateActions: 1 });
    expect(await quarantine()).toEqual(['ex-date: date 2016-04-31 does not exist']);
    expect(await ds.query(`SELECT ex_date::text AS ex, ratio FROM corporate_action WHERE symbol = 'ODD'`)).toEqual([{ ex: '2016-04-29', ratio: 4 }]);
  });

  it('sec edgar: facts ending 2016-04-31 or filed 2021-02-30 are quarantined, the good fact is stored', async () => {
    const s = await importFigures(createFundamentalsProvider('sec-edgar', oddConfig), 'ODD');
    expect(s).toMatchObject({ received: 3, stored: 1, quarantined: 2 });
    expect(await quarantine()).toEqual(['end: date 2016-04-31 does not exist', 'filed: date 2021-02-30 does not exist']);
    expect((await new FundamentalRepository(ds).versions('ODD', 'total_assets', '2016-03-31', 'Q1')).map((v) => v.value)).toEqual([100]);
  });
});
