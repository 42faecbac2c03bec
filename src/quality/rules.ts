// Data-quality rules: a spec (what, where, how severe, blocking, tolerance) separate from its result.
// Each rule is one set-based SQL statement run inside PostgreSQL over the run's scope, never a loop over rows.

export interface QualityScope {
  symbols: string[];
  interval: string;
  /** Inclusive dates, YYYY-MM-DD */
  from: string;
  to: string;
  featureSetVersion?: string;
}

export interface RuleSpec {
  name: string;
  targetTable: 'price_data' | 'feature_data' | 'company_fundamental';
  severity: 'warn' | 'error';
  /** A failing blocking error rule stops the pipeline before export. */
  blocking: boolean;
  /** Largest share of failing rows (0..1) that still passes. */
  maxFailingShare: number;
  description: string;
  /**
   * A SELECT over the scope returning one row per checked row, with key columns and a boolean `fail`.
   * Parameters: $1 symbols text[], $2 interval, $3 from timestamptz, $4 to timestamptz, $5 feature-set version.
   */
  flaggedSql: string;
}

const PRICE_SCOPE = `FROM price_data p WHERE p.symbol = ANY($1) AND p.interval = $2 AND p.ts >= $3 AND p.ts <= $4`;

export const priceRules: RuleSpec[] = [
  {
    name: 'price.ohlc_consistency',
    targetTable: 'price_data',
    severity: 'error',
    blocking: true,
    maxFailingShare: 0,
    description: 'high ≥ max(open, close), low ≤ min(open, close), low ≤ high, prices > 0, volume ≥ 0',
    flaggedSql: `SELECT p.symbol, p.ts, p.open, p.high, p.low, p.close, p.volume,
      NOT (p.high >= greatest(p.open, p.close) AND p.low <= least(p.open, p.close) AND p.low <= p.high
           AND p.low > 0 AND p.volume >= 0) AS fail ${PRICE_SCOPE}`,
  },
  {
    name: 'price.daily_jump',
    targetTable: 'price_data',
    severity: 'warn',
    blocking: false,
    maxFailingShare: 0.001,
    description: 'adjusted close moves more than 40% from the previous bar',
    flaggedSql: `SELECT symbol, ts, prev_close, close, abs(close / prev_close - 1) > 0.4 AS fail FROM (
      SELECT p.symbol, p.ts, coalesce(p.adj_close, p.close) AS close,
             lag(coalesce(p.adj_close, p.close)) OVER (PARTITION BY p.symbol ORDER BY p.ts) AS prev_close ${PRICE_SCOPE}
    ) j WHERE prev_close IS NOT NULL`,
  },
  {
    name: 'price.stale_close',
    targetTable: 'price_data',
    severity: 'warn',
    blocking: false,
    maxFailingShare: 0.01,
    description: 'close unchanged for 5 bars in a row',
    flaggedSql: `SELECT symbol, ts, close, (close = lag1 AND close = lag2 AND close = lag3 AND close = lag4) AS fail FROM (
      SELECT p.symbol, p.ts, p.close,
        lag(p.close, 1) OVER w AS lag1, lag(p.close, 2) OVER w AS lag2, lag(p.close, 3) OVER w AS lag3, lag(p.close, 4) OVER w AS lag4
      ${PRICE_SCOPE} WINDOW w AS (PARTITION BY p.symbol ORDER BY p.ts)
    ) s WHERE lag4 IS NOT NULL`,
  },
  {
    name: 'price.weekday_completeness',
    targetTable: 'price_data',
    severity: 'warn',
    blocking: false,
    maxFailingShare: 0.05,
    description: 'weekdays between a symbol\'s first and last bar that have no bar (holidays count against the 5% tolerance)',
    flaggedSql: `SELECT r.symbol, d::date AS day, p.ts IS NULL AS fail
      FROM (SELECT p.symbol, min(p.ts) AS first, max(p.ts) AS last ${PRICE_SCOPE} GROUP BY p.symbol) r
      CROSS JOIN LATERAL generate_series(r.first, r.last, interval '1 day') d
      LEFT JOIN price_data p ON p.symbol = r.symbol AND p.interval = $2 AND p.ts = d
      WHERE extract(isodow FROM d AT TIME ZONE 'UTC') < 6`,
  },
];

const FEATURE_SCOPE = `FROM feature_data f WHERE f.feature_set_version = $5 AND f.symbol = ANY($1) AND f.interval = $2
  AND f.ts >= $3 AND f.ts <= $4`;

export const featureRules: RuleSpec[] = [
  {
    name: 'feature.non_finite',
    targetTable: 'feature_data',
    severity: 'error',
    blocking: true,
    maxFailingShare: 0,
    description: 'a feature value is NaN or ±Infinity',
    flaggedSql: `SELECT f.symbol, f.ts, EXISTS (SELECT 1 FROM unnest(f.values) v WHERE v = 'NaN'::float8 OR v IN ('Infinity'::float8, '-Infinity'::float8)) AS fail
      ${FEATURE_SCOPE}`,
  },
  {
    name: 'feature.rsi_range',
    targetTable: 'feature_data',
    severity: 'error',
    blocking: true,
    maxFailingShare: 0,
    description: 'RSI outside [0, 100]',
    flaggedSql: `SELECT f.symbol, f.ts, n.name, f.values[n.ord] AS value, NOT (f.values[n.ord] BETWEEN 0 AND 100) AS fail
      FROM feature_data f JOIN feature_set s ON s.version = f.feature_set_version
      CROSS JOIN LATERAL unnest(s.feature_names) WITH ORDINALITY n(name, ord)
      WHERE f.feature_set_version = $5 AND f.symbol = ANY($1) AND f.interval = $2 AND f.ts >= $3 AND f.ts <= $4
        AND n.name LIKE 'rsi%' AND f.values[n.ord] IS NOT NULL`,
  },
  {
    name: 'feature.missing_after_warmup',
    targetTable: 'feature_data',
    severity: 'warn',
    blocking: false,
    maxFailingShare: 0.001,
    description: 'a bar past the set\'s warm-up window still has missing values',
    flaggedSql: `SELECT symbol, ts, array_position(values, NULL) IS NOT NULL AS fail FROM (
      SELECT f.symbol, f.ts, f.values, row_number() OVER (PARTITION BY f.symbol ORDER BY f.ts) AS n,
             (SELECT warmup_bars FROM feature_set WHERE version = $5) AS warmup
      FROM feature_data f WHERE f.feature_set_version = $5 AND f.symbol = ANY($1) AND f.interval = $2 AND f.ts <= $4
    ) x WHERE n > warmup AND ts >= $3`,
  },
];

export const defaultRules: RuleSpec[] = [...priceRules, ...featureRules];

/** Wraps a rule's flagged rows into one summary row: rows checked, failing rows, a sample of failures. */
export function summarySql(rule: RuleSpec, sampleSize = 5): string {
  return `WITH flagged AS (${rule.flaggedSql})
    SELECT count(*)::bigint AS checked, count(*) FILTER (WHERE fail)::bigint AS failing,
      (SELECT coalesce(jsonb_agg(to_jsonb(s) - 'fail'), '[]'::jsonb) FROM (SELECT * FROM flagged WHERE fail LIMIT ${sampleSize}) s) AS sample
    FROM flagged`;
}
