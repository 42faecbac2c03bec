// The HTTP market-data sources by name: what the import activity builds from the pipeline input's `source`.
import type { Config } from '../config';
import { InputError } from '../contracts/errors';
import { AlphaVantageProvider } from './alpha-vantage';
import { HttpClient } from './http-client';
import { PolygonProvider } from './polygon';
import type { FundamentalsProvider, PriceProvider } from './provider';
import { SecEdgarProvider } from './sec-edgar';
import { TiingoProvider } from './tiingo';
import { YahooChartProvider } from './yahoo-chart';

export const HTTP_PRICE_SOURCES = ['yahoo', 'alphavantage', 'polygon', 'tiingo'] as const;
export const HTTP_FUNDAMENTALS_SOURCES = ['alphavantage', 'tiingo', 'sec-edgar'] as const;
export type HttpPriceSource = (typeof HTTP_PRICE_SOURCES)[number];
export type HttpFundamentalsSource = (typeof HTTP_FUNDAMENTALS_SOURCES)[number];

const USER_AGENT = 'tickflow/0.1 (+market-data pipeline)';

function required(value: string | undefined, source: string, variable: string): string {
  if (!value) throw new InputError(`${source} needs ${variable}: set it in the environment`, `source ${source}`);
  return value;
}

function client(config: Config, provider: string, p: { baseUrl: string; requestsPerMinute: number }, extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}): HttpClient {
  return new HttpClient({ provider, baseUrl: p.baseUrl, requestsPerMinute: p.requestsPerMinute, timeoutMs: config.providers.timeoutMs, ...extra });
}

function alphaVantage(config: Config): AlphaVantageProvider {
  const p = config.providers.alphavantage;
  const apiKey = required(p.apiKey, 'alphavantage', 'ALPHAVANTAGE_API_KEY');
  return new AlphaVantageProvider(client(config, 'alphavantage', p, { secretQuery: { apikey: apiKey }, headers: { 'user-agent': USER_AGENT } }), config.providers.fundamentalsLagDays);
}

function tiingo(config: Config): TiingoProvider {
  const p = config.providers.tiingo;
  const apiKey = required(p.apiKey, 'tiingo', 'TIINGO_API_KEY');
  return new TiingoProvider(client(config, 'tiingo', p, { headers: { authorization: `Token ${apiKey}`, 'user-agent': USER_AGENT } }), config.providers.fundamentalsLagDays);
}

/** A PriceProvider for `source`; InputError for an unknown name or a missing API key. */
export function createPriceProvider(source: string, config: Config): PriceProvider {
  switch (source) {
    case 'yahoo':
      // Yahoo refuses requests without a browser-like or named User-Agent.
      return new YahooChartProvider(client(config, 'yahoo', config.providers.yahoo, { headers: { 'user-agent': USER_AGENT } }));
    case 'alphavantage':
      return alphaVantage(config);
    case 'polygon': {
      const p = config.providers.polygon;
      const apiKey = required(p.apiKey, 'polygon', 'POLYGON_API_KEY');
      // Bearer header rather than ?apiKey=: the key then never appears in a URL, including pagination links.
      return new PolygonProvider(client(config, 'polygon', p, { headers: { authorization: `Bearer ${apiKey}`, 'user-agent': USER_AGENT } }));
    }
    case 'tiingo':
      return tiingo(config);
    default:
      throw new InputError(`unknown price source ${JSON.stringify(source)}; HTTP sources are ${HTTP_PRICE_SOURCES.join(', ')}`, 'source');
  }
}

/** A FundamentalsProvider for `source`; InputError for an unknown name or a missing key or User-Agent. */
export function createFundamentalsProvider(source: string, config: Config): FundamentalsProvider {
  switch (source) {
    case 'alphavantage':
      return alphaVantage(config);
    case 'tiingo':
      return tiingo(config);
    case 'sec-edgar': {
      const p = config.providers.secEdgar;
      const userAgent = required(p.userAgent, 'sec-edgar', 'SEC_EDGAR_USER_AGENT');
      const headers = { 'user-agent': userAgent };
      return new SecEdgarProvider(client(config, 'sec-edgar', p, { headers }), client(config, 'sec-edgar', { ...p, baseUrl: p.wwwUrl }, { headers }));
    }
    default:
      throw new InputError(`unknown fundamentals source ${JSON.stringify(source)}; HTTP sources are ${HTTP_FUNDAMENTALS_SOURCES.join(', ')}`, 'source');
  }
}
