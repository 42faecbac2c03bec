// Failure classification, secrets, rate limiting and the source registry, against a local replay server.
import { loadConfig, type Config } from '../../src/config';
import { InputError, ProviderError, TransientProviderError } from '../../src/contracts/errors';
import { AlphaVantageProvider } from '../../src/providers/alpha-vantage';
import { HttpClient } from '../../src/providers/http-client';
import { createFundamentalsProvider, createPriceProvider } from '../../src/providers/http-sources';
import type { PriceProvider } from '../../src/providers/provider';
import { ReplayServer } from '../helpers/replay-server';

const AV_KEY = 'av-secret-3e9d';
const CHART = { path: '/v8/finance/chart/AAPL' };
const AGGS = { path: '/v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04' };

let server: ReplayServer;
let config: Config;

beforeAll(async () => {
  server = await ReplayServer.start([
    { ...CHART, file: 'yahoo/chart-AAPL-2020-08-31-to-2020-11-07.json' },
    { ...AGGS, file: 'polygon/v2__aggs__ticker__AAPL__range__1__day__2005-04-01__2005-04-04.json' },
    { path: '/query', query: { function: 'TIME_SERIES_INTRADAY' }, file: 'alphavantage/TIME_SERIES_INTRADAY_MSFT_1min.json' },
  ]);
  config = loadConfig({
    // The timeout leaves room for a cold first request on a loaded machine; the delay below is well past it.
    YAHOO_BASE_URL: server.baseUrl, POLYGON_BASE_URL: server.baseUrl, ALPHAVANTAGE_BASE_URL: server.baseUrl,
    POLYGON_API_KEY: 'pg-secret-1234', ALPHAVANTAGE_API_KEY: AV_KEY, TICKFLOW_HTTP_TIMEOUT_MS: '2000',
    YAHOO_RATE_LIMIT_PER_MIN: '6000', POLYGON_RATE_LIMIT_PER_MIN: '6000', ALPHAVANTAGE_RATE_LIMIT_PER_MIN: '6000',
  });
});

afterAll(() => server?.stop());
beforeEach(() => server.reset());

async function firstRow(provider: PriceProvider, symbol = 'AAPL', from = '2005-04-01', to = '2005-04-04', interval = '1d') {
  for await (const row of provider.rows(symbol, interval, { from, to })) return row;
  return undefined;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('classification', () => {
  it('429 is transient and carries Retry-After in ms', async () => {
    server.fail(AGGS, { status: 429, retryAfter: '7' });
    const e = await failure(firstRow(createPriceProvider('polygon', config)));
    expect(e).toBeInstanceOf(TransientProviderError);
    expect((e as TransientProviderError).retryAfterMs).toBe(7000);
    expect(e.message).toBe(`polygon AAPL: GET ${AGGS.path}: HTTP 429 rate limited (retry after 7000 ms)`);
  });

  it('5xx and timeouts are transient', async () => {
    server.fail(AGGS, { status: 500 });
    expect(await failure(firstRow(createPriceProvider('polygon', config)))).toBeInstanceOf(TransientProviderError);
    server.reset();
    server.fail(AGGS, { delayMs: 4000 });
    const e = await failure(firstRow(createPriceProvider('polygon', config)));
    expect(e).toBeInstanceOf(TransientProviderError);
    expect(e.message).toBe(`polygon AAPL: GET ${AGGS.path}: timed out after 2000 ms`);
  });

  it('a refused connection is transient', async () => {
    const closed = await ReplayServer.start();
    const url = closed.baseUrl;
    await closed.stop();
    const e = await failure(firstRow(createPriceProvider('yahoo', loadConfig({ YAHOO_BASE_URL: url })), 'AAPL', '2020-08-31', '2020-11-06'));
    expect(e).toBeInstanceOf(TransientProviderError);
    expect(e.message).toMatch(/connection failed \(ECONNREFUSED\)/);
  });

  it('404 and 401 are not retryable, and the key never shows in the message', async () => {
    server.fail(AGGS, { status: 404 });
    expect(await failure(firstRow(createPriceProvider('polygon', config)))).toBeInstanceOf(ProviderError);
    server.reset();
    server.fail({ path: '/query' }, { status: 401, body: `{"error":"invalid key ${AV_KEY}"}` });
    const e = await failure(firstRow(createPriceProvider('alphavantage', config), 'MSFT', '2017-12-18', '2017-12-18', '1m'));
    expect(e).toBeInstanceOf(ProviderError);
    expect(e.message).toBe('alphavantage MSFT: GET /query: HTTP 401 Unauthorized: {"error":"invalid key ***"}');
    expect(server.requests[0].query.apikey).toBe(AV_KEY);
  });

  it('an echoed key is masked in every encoding, and so is any ?apikey= / ?token= in an echoed URL (issue 18)', async () => {
    const key = 'k+y/with=odd&chars';
    const av = createPriceProvider('alphavantage', loadConfig({ ALPHAVANTAGE_BASE_URL: server.baseUrl, ALPHAVANTAGE_API_KEY: key, ALPHAVANTAGE_RATE_LIMIT_PER_MIN: '6000' }));
    const echoed = `raw ${key} url-encoded ${encodeURIComponent(key)} form ${new URLSearchParams({ k: key }).toString().slice(2)} other https://x/?token=abc123&apiKey=zzz999`;
    server.fail({ path: '/query' }, { status: 401, body: echoed });
    const e = await failure(firstRow(av, 'MSFT', '2017-12-18', '2017-12-18', '1m'));
    expect(e.message).toBe('alphavantage MSFT: GET /query: HTTP 401 Unauthorized: raw *** url-encoded *** form *** other https://x/?token=***&apiKey=***');
    expect(server.requests[0].query.apikey).toBe(key);
  });

  it('a body that is not JSON, or has a field of the wrong type, is a ProviderError naming the field', async () => {
    server.fail(AGGS, { malformed: '<html>gateway</html>' });
    const notJson = await failure(firstRow(createPriceProvider('polygon', config)));
    expect(notJson).toBeInstanceOf(ProviderError);
    expect(notJson.message).toBe(`polygon AAPL: GET ${AGGS.path}: response is not JSON (starts with "<html>gateway</html>")`);
    server.reset();
    server.fail(AGGS, { malformed: JSON.stringify({ status: 'OK', results: [{ t: 1, o: 1, h: 1, l: 1, c: 1, v: 1 }, { t: 2, o: 'n/a', h: 1, l: 1, c: 1, v: 1 }] }) });
    const badField = await failure(firstRow(createPriceProvider('polygon', config)));
    expect(badField).toBeInstanceOf(ProviderError);
    expect(badField.message).toBe('polygon AAPL: results[1].o: Invalid input: expected number, received string');
    server.reset();
    server.fail(CHART, { malformed: JSON.stringify({ chart: { result: null, error: { code: 'Not Found', description: 'No data found, symbol may be delisted' } } }) });
    const yahoo = await failure(firstRow(createPriceProvider('yahoo', config), 'AAPL', '2020-08-31', '2020-11-06'));
    expect(yahoo.message).toBe('yahoo AAPL: Not Found: No data found, symbol may be delisted');
  });

  it("Alpha Vantage's in-body notices: Note is a transient quota, Error Message and premium Information are not retryable", async () => {
    const av = createPriceProvider('alphavantage', config);
    const read = () => failure(firstRow(av, 'MSFT', '2017-12-18', '2017-12-18', '1m'));
    server.fail({ path: '/query' }, { malformed: JSON.stringify({ Note: 'Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per day.' }) });
    const note = await read();
    expect(note).toBeInstanceOf(TransientProviderError);
    expect((note as TransientProviderError).retryAfterMs).toBe(60000);
    server.reset();
    server.fail({ path: '/query' }, { malformed: JSON.stringify({ 'Error Message': 'Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) for TIME_SERIES_INTRADAY.' }) });
    expect(await read()).toBeInstanceOf(ProviderError);
    server.reset();
    server.fail({ path: '/query' }, { malformed: JSON.stringify({ Information: 'Thank you for using Alpha Vantage! This is a premium endpoint.' }) });
    const premium = await read();
    expect(premium).toBeInstanceOf(ProviderError);
    expect(premium.message).toBe('alphavantage MSFT: Information: Thank you for using Alpha Vantage! This is a premium endpoint.');
  });
});

describe('rate limit', () => {
  it('spaces requests by 60 / limit seconds (60 per minute → 1 s apart)', async () => {
    const http = new HttpClient({ provider: 'alphavantage', baseUrl: server.baseUrl, timeoutMs: 2000, requestsPerMinute: 60, secretQuery: { apikey: AV_KEY } });
    const av = new AlphaVantageProvider(http, config.providers.fundamentalsLagDays);
    await Promise.all(['MSFT', 'IBM', 'AAPL'].map((s) => firstRow(av, s, '2017-12-18', '2017-12-18', '1m')));
    const at = server.requests.map((r) => r.at);
    expect(at).toHaveLength(3);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(950);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(950);
    expect(at[2] - at[0]).toBeLessThan(2600);
  });
});

describe('registry', () => {
  it('names the missing key or User-Agent, and unknown sources', () => {
    const bare = loadConfig({});
    expect(() => createPriceProvider('polygon', bare)).toThrow(new InputError('polygon needs POLYGON_API_KEY: set it in the environment', 'source polygon'));
    expect(() => createPriceProvider('tiingo', bare)).toThrow(/tiingo needs TIINGO_API_KEY/);
    expect(() => createFundamentalsProvider('alphavantage', bare)).toThrow(/alphavantage needs ALPHAVANTAGE_API_KEY/);
    expect(() => createFundamentalsProvider('sec-edgar', bare)).toThrow(/sec-edgar needs SEC_EDGAR_USER_AGENT/);
    expect(() => createPriceProvider('bloomberg', bare)).toThrow(InputError);
    expect(() => createFundamentalsProvider('yahoo', bare)).toThrow(/unknown fundamentals source "yahoo"/);
    expect(createPriceProvider('yahoo', bare).datasetFor('AAPL', '1d')).toEqual({ kind: 'url', url: 'https://query2.finance.yahoo.com/v8/finance/chart/AAPL?interval=1d' });
  });
});
