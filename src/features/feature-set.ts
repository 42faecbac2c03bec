// Feature sets are declared as data; a set's version is the hash of its definitions, so changing one parameter
// produces a new version instead of silently overwriting stored values.
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const indicatorNames = [
  'sma', 'ema', 'rsi', 'macd', 'bollinger', 'atr', 'adx', 'stochastic', 'obv', 'roc', 'log_return', 'volatility', 'volume_zscore',
  'fundamental_ratios', 'document_signals',
] as const;

export const featureDefinitionSchema = z.object({
  /** Output name, or prefix when the indicator has several outputs (macd → macd_line, macd_signal, macd_hist). */
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'feature names are lower_snake_case'),
  indicator: z.enum(indicatorNames),
  params: z.record(z.string(), z.number()).default({}),
  /** Price series the indicator reads: split/dividend-adjusted (default) or as traded. */
  input: z.enum(['adjusted', 'raw']).default('adjusted'),
});
export type FeatureDefinition = z.infer<typeof featureDefinitionSchema>;

export const featureSetSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_-]*$/),
  features: z.array(featureDefinitionSchema).min(1),
});
export type FeatureSetSpec = z.infer<typeof featureSetSchema>;

/** Stable JSON: keys sorted, so the hash depends on content only. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Bumped when an indicator's output changes for the same definition (2: full-precision Wilder RSI and the
 * StockCharts/TA-Lib ATR seed), so values computed by older code never share a version with new ones.
 */
export const INDICATOR_REVISION = 2;

export function featureSetVersion(spec: FeatureSetSpec): string {
  const parsed = featureSetSchema.parse(spec);
  const content = `${canonical(parsed.features)}#${INDICATOR_REVISION}`;
  return `${parsed.name}-${createHash('sha256').update(content).digest('hex').slice(0, 12)}`;
}

const f = (name: string, indicator: FeatureDefinition['indicator'], params: Record<string, number> = {}): FeatureDefinition => ({
  name, indicator, params, input: 'adjusted',
});

/** The default set: trend, momentum, volatility and volume features common in daily equity models. */
export const DEFAULT_FEATURE_SET: FeatureSetSpec = {
  name: 'default',
  features: [
    f('sma_10', 'sma', { period: 10 }), f('sma_20', 'sma', { period: 20 }), f('sma_50', 'sma', { period: 50 }),
    f('ema_12', 'ema', { period: 12 }), f('ema_26', 'ema', { period: 26 }),
    f('rsi_14', 'rsi', { period: 14 }),
    f('macd', 'macd', { fast: 12, slow: 26, signal: 9 }),
    f('bb_20', 'bollinger', { period: 20, stdDev: 2 }),
    f('atr_14', 'atr', { period: 14 }),
    f('adx_14', 'adx', { period: 14 }),
    f('stoch_14', 'stochastic', { period: 14, signal: 3 }),
    f('obv', 'obv'),
    f('roc_10', 'roc', { period: 10 }),
    f('log_return_1', 'log_return', { horizon: 1 }), f('log_return_5', 'log_return', { horizon: 5 }), f('log_return_20', 'log_return', { horizon: 20 }),
    f('volatility_20', 'volatility', { period: 20 }),
    f('volume_zscore_20', 'volume_zscore', { period: 20 }),
  ],
};

/**
 * Point-in-time fundamental ratios (P/E, P/B, debt/equity, ROE, margins, growth). A separate set because most symbols
 * have no company_fundamental rows: their ratios are missing (NULL) by design, which the default set's
 * "no missing value after warm-up" quality rule would flag on every bar.
 */
export const FUNDAMENTAL_FEATURE_SET: FeatureSetSpec = {
  name: 'fundamentals',
  features: [{ name: 'fa', indicator: 'fundamental_ratios', params: {}, input: 'raw' }],
};

/**
 * Point-in-time document signals (text similarity to the previous filing of the same form, days since the last 8-K,
 * filings in 30 days; src/documents/features.ts): a set of its own for the same reason as the fundamentals.
 */
export const DOCUMENT_FEATURE_SET: FeatureSetSpec = {
  name: 'documents',
  features: [{ name: 'doc', indicator: 'document_signals', params: {}, input: 'raw' }],
};

export const featureSets: Record<string, FeatureSetSpec> = { default: DEFAULT_FEATURE_SET, fundamentals: FUNDAMENTAL_FEATURE_SET, documents: DOCUMENT_FEATURE_SET };
