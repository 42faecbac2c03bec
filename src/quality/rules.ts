// Data-quality rules: a spec (what, where, how severe, blocking, tolerance) separate from its result.
// Rules are SQL evaluated inside PostgreSQL over a run's scope, never a loop over rows in JS. Rule families are
// factories, so a threshold is a parameter and the defaults below are just one choice of them.

export interface QualityScope {
  symbols: string[];
  interval: string;
  /** Inclusive dates, YYYY-MM-DD */
  from: string;
  to: string;
  featureSetVersion?: string;
}

export type TargetTable = 'price_data' | 'feature_data' | 'company_fundamental' | 'schema' | 'var_backtest';

/** How much failure a rule tolerates: a share of checked rows (0..1) or a count of failing rows. */
export interface Tolerance {
  metric: 'failing_share' | 'failing_rows';
  max: number;
}

interface RuleBase {
  name: string;
  targetTable: TargetTable;
  severity: 'warn' | 'error';
  /** A failing blocking error rule stops the pipeline before export. */
  blocking: boolean;
  tolerance: Tolerance;
  description: string;
}

/** Stored per-bar context columns of price_data (maintained when bars are written; see src/prices/bar-context.ts). */
export type BarContextColumn = 'prev_ts' | 'prev_close' | 'close_run' | 'volume_z' | 'missing_sessions' | 'trading_day';

/**
 * A rule over price bars, evaluated in ONE shared parallel scan with every other bar rule. Neighbour facts (previous
 * close, runs of equal closes, the volume baseline, calendar gaps) are stored on each bar, so the scan needs no window.
 * The scan only counts bars and collects the few that need `attention`; `checked`, `failing` and `sample` are then
 * evaluated on those bars alone (barPassSql in quality-repository.ts). For every bar where `attention` is false the
 * rule must count exactly what `counts` says (1, or 1 when that column is not NULL) as checked, and nothing as failing;
 * test/integration/quality-rules.test.ts checks this against a pass that gives every bar attention.
 *
 * Columns: in `attention`, price_data's own (open, high, low, close, adj_close, volume, ts and the context columns);
 * in `checked`, `failing` and `sample` (the bar is `b`), also day and prev_day (UTC dates of ts and prev_ts) and
 * scope_first_day (the scope's first date).
 */
export interface BarRuleSpec extends RuleBase {
  kind: 'bars';
  /** What an ordinary bar adds to "checked": every bar ('*'), or bars where this context column is not NULL. */
  counts: '*' | BarContextColumn;
  /**
   * Cheap boolean SQL terms: a bar gets attention when any is true. It must get it wherever it may fail or count
   * differently from `counts`; it may get it more often. Terms equal to another rule's are evaluated once.
   */
  attention: string[];
  /** Numeric SQL: how many units this bar contributes to "checked" (usually 0 or 1; the gap rule counts sessions). */
  checked: string;
  /** Numeric SQL: how many of those units fail. */
  failing: string;
  /** Keys and values shown for a failing bar: output name → SQL over the bar columns. */
  sample: Record<string, string>;
}

/**
 * A rule as its own SELECT returning one row per checked row with key columns and a boolean `fail`.
 * Parameters: $1 symbols text[], $2 interval, $3 from timestamptz, $4 to timestamptz, $5 feature-set version.
 */
export interface QueryRuleSpec extends RuleBase {
  kind: 'query';
  flaggedSql: string;
  /** The flagged rows carry a `symbol` column, so results break down per symbol. */
  bySymbol: boolean;
  /** Evaluated only when the scope names a feature set. */
  needsFeatureSet?: boolean;
}

/** A user's rule (table quality_custom_rule): a read-only SELECT returning the failing rows. */
export interface CustomRuleSpec extends RuleBase {
  kind: 'custom';
  sql: string;
}

export type RuleSpec = BarRuleSpec | QueryRuleSpec | CustomRuleSpec;

const share = (max: number): Tolerance => ({ metric: 'failing_share', max });
/** A rule that fails exactly on its attention bars, and checks every bar (or those with `counts` not NULL). */
const flagged = (counts: BarRuleSpec['counts'], fails: string) => ({
  counts, attention: [fails],
  checked: counts === '*' ? '1' : `CASE WHEN ${counts} IS NOT NULL THEN 1 ELSE 0 END`,
  failing: `CASE WHEN ${fails} THEN 1 ELSE 0 END`,
});
const barKeys = { symbol: 'symbol', ts: 'ts' };

export function ohlcConsistency(): BarRuleSpec {
  return {
    kind: 'bars', name: 'price.ohlc_consistency', targetTable: 'price_data', severity: 'error', blocking: true, tolerance: share(0),
    description: 'high ≥ max(open, close), low ≤ min(open, close), low ≤ high, prices > 0, volume ≥ 0',
    ...flagged('*', `NOT (high >= greatest(open, close) AND low <= least(open, close) AND low <= high AND low > 0 AND volume >= 0)`),
    sample: { ...barKeys, open: 'open', high: 'high', low: 'low', close: 'close', volume: 'volume' },
  };
}

export function missingValues({ maxShare = 0 } = {}): BarRuleSpec {
  // NaN is a valid double precision and sorts above every number (so greatest() of a row with one is NaN), and it
  // slips past range checks: look for it.
  return {
    kind: 'bars', name: 'price.missing_values', targetTable: 'price_data', severity: 'warn', blocking: false, tolerance: share(maxShare),
    description: 'adj_close is NULL, or a price or the volume is NaN',
    ...flagged('*', `adj_close IS NULL OR greatest(open, high, low, close, volume, adj_close) = 'NaN'::float8`),
    sample: { ...barKeys, close: 'close', adj_close: 'adj_close', volume: 'volume' },
  };
}

/** `{{splits}}` is replaced by corporate_action's splits (symbol, ex_date, ratio = new shares per old), or nothing. */
export function unexplainedJump({ maxMove = 0.4 } = {}): BarRuleSpec {
  // Multiplied out (no division) so the scan's test and the verdict are the same expression, bit for bit.
  const outside = (close: string) => `(${close} > prev_close * ${1 + maxMove} OR ${close} < prev_close * ${1 - maxMove})`;
  const splitFactor = `(SELECT exp(sum(ln(s.ratio))) FROM {{splits}} s WHERE s.symbol = b.symbol AND s.ex_date > b.prev_day AND s.ex_date <= b.day)`;
  return {
    kind: 'bars', name: 'price.daily_jump', targetTable: 'price_data', severity: 'error', blocking: false, tolerance: share(0.001),
    description: `close moves more than ${maxMove * 100}% from the previous bar and no stored split between them explains it`,
    counts: 'prev_close',
    attention: ['prev_close <= 0', outside('close')],
    checked: 'CASE WHEN prev_close > 0 THEN 1 ELSE 0 END',
    failing: `CASE WHEN prev_close > 0 AND ${outside('close')} AND NOT coalesce(NOT ${outside(`close * ${splitFactor}`)}, false) THEN 1 ELSE 0 END`,
    sample: { ...barKeys, prev_close: 'prev_close', close: 'close', move: 'round((close / prev_close - 1)::numeric, 4)' },
  };
}

export function volumeSpike({ maxZ = 5, maxShare = 0.005 } = {}): BarRuleSpec {
  // volume_z is stored with each bar: log volume (roughly log-normal, so one huge day does not dominate) against the
  // previous 60 bars, once there are 20 of them.
  return {
    kind: 'bars', name: 'price.volume_spike', targetTable: 'price_data', severity: 'warn', blocking: false, tolerance: share(maxShare),
    description: `ln(1 + volume) more than ${maxZ} standard deviations from its mean over the previous 60 bars (after 20 bars)`,
    ...flagged('volume_z', `abs(volume_z) > ${maxZ}`),
    sample: { ...barKeys, volume: 'volume', z: 'round(volume_z::numeric, 2)' },
  };
}

export function staleClose({ bars = 5, maxShare = 0.01 } = {}): BarRuleSpec {
  if (!Number.isInteger(bars) || bars < 2) throw new RangeError(`staleClose: bars must be an integer ≥ 2, got ${bars}`);
  return {
    kind: 'bars', name: 'price.stale_close', targetTable: 'price_data', severity: 'warn', blocking: false, tolerance: share(maxShare),
    description: `close unchanged for ${bars} bars in a row`,
    ...flagged('*', `close_run >= ${bars}`),
    sample: { ...barKeys, close: 'close', bars_unchanged: 'close_run' },
  };
}

export function calendarGaps({ maxShare = 0.01 } = {}): BarRuleSpec {
  // Checked units are sessions: each daily bar on a session, plus the sessions missing before it. Context reaches back
  // before the scope; a gap that starts before the scope's first day counts only its sessions inside the scope.
  const missing = `CASE WHEN prev_day < scope_first_day THEN least(missing_sessions, (SELECT count(*) FROM exchange_calendar c
      WHERE c.exchange = 'XNYS' AND c.trading AND c.day >= b.scope_first_day AND c.day < b.day)) ELSE coalesce(missing_sessions, 0) END`;
  return {
    kind: 'bars', name: 'price.calendar_gaps', targetTable: 'price_data', severity: 'warn', blocking: false, tolerance: share(maxShare),
    description: 'NYSE trading days with no bar between a symbol\'s first and last bar (weekends and exchange holidays are not gaps)',
    counts: 'trading_day',
    attention: ['missing_sessions > 0', 'NOT trading_day'],
    checked: `${missing} + CASE WHEN trading_day THEN 1 ELSE 0 END`,
    failing: missing,
    sample: { ...barKeys, prev_day: 'prev_day', missing_trading_days: missing },
  };
}

export function nonTradingDayBars(): BarRuleSpec {
  return {
    kind: 'bars', name: 'price.non_trading_day', targetTable: 'price_data', severity: 'warn', blocking: false, tolerance: share(0),
    description: 'a daily bar dated on a weekend or an NYSE holiday',
    ...flagged('trading_day', 'NOT trading_day'),
    sample: { ...barKeys, day: 'day' },
  };
}

export function duplicateDay(): BarRuleSpec {
  // The primary key allows two bars a few hours apart on the same date (a date-only feed next to a tz-aware one).
  // missing_sessions is stored for daily bars with a previous bar only, so intraday bars never get attention here.
  return {
    kind: 'bars', name: 'price.duplicate_day', targetTable: 'price_data', severity: 'error', blocking: true, tolerance: share(0),
    description: 'more than one daily bar for a symbol on the same date',
    counts: 'missing_sessions',
    // '24 hours', not '1 day': subtracting days from a timestamptz goes through the session time zone, on every bar.
    attention: [`missing_sessions IS NOT NULL AND prev_ts > ts - interval '24 hours'`],
    checked: 'CASE WHEN missing_sessions IS NOT NULL THEN 1 ELSE 0 END',
    failing: 'CASE WHEN missing_sessions IS NOT NULL AND day = prev_day THEN 1 ELSE 0 END',
    sample: { ...barKeys, day: 'day', close: 'close', prev_close: 'prev_close' },
  };
}

export function freshness({ maxTradingDays = 3 } = {}): QueryRuleSpec {
  return {
    kind: 'query', name: 'price.freshness', targetTable: 'price_data', severity: 'error', blocking: true, bySymbol: true, tolerance: share(0),
    description: `a symbol's latest bar is more than ${maxTradingDays} NYSE trading days before the end of the scope (or today), or it has none`,
    flaggedSql: `SELECT s.symbol, l.ts AS latest, e.ordinal - c.ordinal AS trading_days_behind,
        l.ts IS NULL OR coalesce(e.ordinal - c.ordinal > ${maxTradingDays}, false) AS fail
      FROM unnest($1::text[]) s(symbol)
      LEFT JOIN LATERAL (SELECT p.ts FROM price_data p WHERE p.symbol = s.symbol AND p.interval = $2 AND p.ts >= $3 AND p.ts <= $4
                         ORDER BY p.ts DESC LIMIT 1) l ON true
      LEFT JOIN exchange_calendar e ON e.exchange = 'XNYS' AND e.day = least(($4::timestamptz AT TIME ZONE 'UTC')::date, current_date)
      LEFT JOIN exchange_calendar c ON c.exchange = 'XNYS' AND c.day = (l.ts AT TIME ZONE 'UTC')::date`,
  };
}

/** The columns later stages read must exist: a renamed or dropped column fails here, not in an export. */
export function requiredColumns(table: Exclude<TargetTable, 'schema'>, columns: string[]): QueryRuleSpec {
  const list = columns.map((c) => `('${table}', '${c}')`).join(', ');
  return {
    kind: 'query', name: `schema.${table}_columns`, targetTable: 'schema', severity: 'error', blocking: true, bySymbol: false, tolerance: share(0),
    description: `${table} has the columns ${columns.join(', ')}`,
    // The catalog, not information_schema: the view costs milliseconds on every run for the same answer.
    flaggedSql: `SELECT t.table_name, t.column_name, a.attname IS NULL AS fail
      FROM (VALUES ${list}) t(table_name, column_name)
      LEFT JOIN pg_attribute a ON a.attrelid = to_regclass(t.table_name) AND a.attname = t.column_name AND a.attnum > 0 AND NOT a.attisdropped`,
  };
}

/**
 * The scope's feature rows, read symbol by symbol along the primary key (OFFSET 0 keeps each range its own scan). As
 * `symbol = ANY($1)` the plan followed the statistics: between two autovacuum ANALYZEs of a table growing by a batch,
 * the rules' time per batch doubled as the table grew, then fell back.
 */
const FEATURE_ROWS = `(SELECT DISTINCT unnest($1::text[])) u(symbol)
  CROSS JOIN LATERAL (SELECT d.symbol, d.ts, d.values, d.computed_at FROM feature_data d WHERE d.feature_set_version = $5 AND d.symbol = u.symbol
    AND d.interval = $2 AND d.ts >= $3 AND d.ts <= $4 OFFSET 0) f`;
const FEATURE_SCOPE = `FROM ${FEATURE_ROWS}`;

/**
 * feature_data has no foreign key to feature_set (it halved COPY speed): rows whose version is not registered —
 * written by plain SQL, since the stage registers first — are found here, one checked row per symbol in scope.
 */
export function featureRegisteredVersion(): QueryRuleSpec {
  return {
    kind: 'query', name: 'feature.registered_version', targetTable: 'feature_data', severity: 'error', blocking: true, bySymbol: true,
    needsFeatureSet: true, tolerance: share(0), description: 'feature rows whose feature-set version is not registered in feature_set',
    // One index probe per symbol (LATERAL … LIMIT 1): as an EXISTS the planner may turn it into a semi-join that reads
    // every symbol's rows of the version (1.6 s at 650 k rows on a 25-symbol batch, growing with the table).
    flaggedSql: `SELECT u.symbol, $5 AS feature_set_version, NOT EXISTS (SELECT 1 FROM feature_set s WHERE s.version = $5) AS fail
      FROM unnest($1::text[]) u(symbol)
      CROSS JOIN LATERAL (SELECT 1 FROM feature_data f WHERE f.feature_set_version = $5 AND f.symbol = u.symbol AND f.interval = $2
                          AND f.ts >= $3 AND f.ts <= $4 LIMIT 1) stored`,
  };
}

export function featureNonFinite(): QueryRuleSpec {
  return {
    kind: 'query', name: 'feature.non_finite', targetTable: 'feature_data', severity: 'error', blocking: true, bySymbol: true,
    needsFeatureSet: true, tolerance: share(0), description: 'a feature value is NaN or ±Infinity',
    // Array comparisons instead of unnesting every row (3× faster): NaN sorts above +Infinity, so `>= Infinity` finds both.
    flaggedSql: `SELECT f.symbol, f.ts, coalesce('Infinity'::float8 <= ANY(f.values) OR '-Infinity'::float8 = ANY(f.values), false) AS fail
      ${FEATURE_SCOPE}`,
  };
}

/** Features whose name matches a LIKE pattern must lie in [min, max] (RSI, stochastics, Williams %R...). */
export function featureWithinRange({ name, like, min, max }: { name: string; like: string; min: number; max: number }): QueryRuleSpec {
  return {
    kind: 'query', name, targetTable: 'feature_data', severity: 'error', blocking: true, bySymbol: true, needsFeatureSet: true,
    tolerance: share(0), description: `features named like '${like}' outside [${min}, ${max}]`,
    // The matching positions are found once from the registry, not by unnesting the names on every row.
    flaggedSql: `SELECT f.symbol, f.ts, n.name, f.values[n.ord] AS value, NOT (f.values[n.ord] BETWEEN ${min} AND ${max}) AS fail
      FROM (SELECT u.name, u.ord::int AS ord FROM feature_set s CROSS JOIN LATERAL unnest(s.feature_names) WITH ORDINALITY u(name, ord)
            WHERE s.version = $5 AND u.name LIKE '${like}') n
      CROSS JOIN ${FEATURE_ROWS}
      WHERE f.values[n.ord] IS NOT NULL`,
  };
}

export function featureMissingAfterWarmup({ maxShare = 0.001 } = {}): QueryRuleSpec {
  return {
    kind: 'query', name: 'feature.missing_after_warmup', targetTable: 'feature_data', severity: 'warn', blocking: false, bySymbol: true,
    needsFeatureSet: true, tolerance: share(maxShare), description: 'a bar past the set\'s warm-up window still has missing values',
    // Past the warm-up = at or after each symbol's (warmup + 1)-th row: one short index walk per symbol instead of
    // numbering every row of its history.
    flaggedSql: `WITH starts AS MATERIALIZED (
        SELECT u.symbol, (SELECT d.ts FROM feature_data d WHERE d.feature_set_version = $5 AND d.symbol = u.symbol AND d.interval = $2 AND d.ts <= $4
                          ORDER BY d.ts OFFSET s.warmup_bars LIMIT 1) AS ts
        FROM unnest($1::text[]) u(symbol) JOIN feature_set s ON s.version = $5)
      -- Each symbol's rows past its start by their own index range; OFFSET 0 keeps the planner from flattening it into
      -- a join that compares every row with every symbol's start (a nested loop on a table without statistics yet).
      SELECT f.symbol, f.ts, array_position(f.values, NULL) IS NOT NULL AS fail
      FROM starts w CROSS JOIN LATERAL (SELECT d.symbol, d.ts, d.values FROM feature_data d
        WHERE d.feature_set_version = $5 AND d.symbol = w.symbol AND d.interval = $2 AND d.ts >= w.ts AND d.ts >= $3 AND d.ts <= $4 OFFSET 0) f`,
  };
}

/**
 * Derived data follows its inputs: a feature row computed before a bar at or before it was last written (a revision,
 * an inserted bar, plain SQL; price_data.updated_at is kept by a trigger) holds values of prices that are gone. Only
 * bars written after a symbol's earliest computed_at in scope can make any of its rows fail ("late" bars, usually
 * none): symbols without one pass on their feature rows alone. For the others, late bars and feature rows are read
 * as one series ordered by (ts, bar first): the running max of the late bars' updated_at at a feature row is the last
 * write of any bar at or before it that postdates the row's scope — enough, since only such a bar can fail it.
 */
export function featureOlderThanBars(): QueryRuleSpec {
  return {
    kind: 'query', name: 'feature.older_than_bars', targetTable: 'feature_data', severity: 'error', blocking: true, bySymbol: true,
    needsFeatureSet: true, tolerance: share(0),
    description: 'a feature row was computed before a bar at or before it was last written (recompute: tickflow features recompute --stale)',
    flaggedSql: `WITH fr AS MATERIALIZED (SELECT f.symbol, f.ts, f.computed_at ${FEATURE_SCOPE}),
      late AS MATERIALIZED (
        -- Per symbol by its own index range (OFFSET 0: not flattened into a hash join over a scan of all price_data).
        SELECT p.symbol, p.ts, p.updated_at FROM (SELECT symbol, min(computed_at) AS at FROM fr GROUP BY symbol) c
        CROSS JOIN LATERAL (SELECT p.symbol, p.ts, p.updated_at FROM price_data p
          WHERE p.symbol = c.symbol AND p.interval = $2 AND p.ts <= $4 AND p.updated_at > c.at OFFSET 0) p
        -- A set that does not read bars (documents) is not made stale by them.
        WHERE EXISTS (SELECT 1 FROM feature_set fs WHERE fs.version = $5 AND 'price_data' = ANY(fs.inputs)))
      SELECT symbol, ts, computed_at, NULL::timestamptz AS bars_written_at, false AS fail FROM fr WHERE NOT EXISTS (SELECT 1 FROM late l WHERE l.symbol = fr.symbol)
      UNION ALL
      SELECT symbol, ts, computed_at, bars_written_at, computed_at < bars_written_at AS fail FROM (
        SELECT x.symbol, x.ts, x.computed_at, max(x.bar_written_at) OVER (PARTITION BY x.symbol ORDER BY x.ts, x.computed_at IS NOT NULL) AS bars_written_at
        FROM (SELECT symbol, ts, updated_at AS bar_written_at, NULL::timestamptz AS computed_at FROM late
              UNION ALL SELECT symbol, ts, NULL, computed_at FROM fr WHERE EXISTS (SELECT 1 FROM late l WHERE l.symbol = fr.symbol)) x
      ) s WHERE computed_at IS NOT NULL`,
  };
}

const FUNDAMENTAL_SCOPE = `FROM company_fundamental f WHERE f.symbol = ANY($1)
  AND f.period_end >= ($3::timestamptz AT TIME ZONE 'UTC')::date AND f.period_end <= ($4::timestamptz AT TIME ZONE 'UTC')::date`;

export function fundamentalPeriodOrder(): QueryRuleSpec {
  // Within a metric and period type, a later fiscal year must end later; one fiscal period has one period end.
  return {
    kind: 'query', name: 'fundamental.period_order', targetTable: 'company_fundamental', severity: 'error', blocking: true, bySymbol: true,
    tolerance: share(0), description: 'fiscal periods out of order, or one fiscal period reported with two different period ends',
    flaggedSql: `SELECT symbol, metric, fiscal_year, fiscal_period, period_end, prev_period_end,
        (fiscal_year > prev_year AND period_end <= prev_period_end) OR (fiscal_year = prev_year AND period_end <> prev_period_end) AS fail
      FROM (SELECT f.symbol, f.metric, f.fiscal_year, f.fiscal_period, f.period_end,
              lag(f.fiscal_year) OVER w AS prev_year, lag(f.period_end) OVER w AS prev_period_end
            ${FUNDAMENTAL_SCOPE}
            WINDOW w AS (PARTITION BY f.symbol, f.metric, f.fiscal_period ORDER BY f.fiscal_year, f.period_end, f.published_at)) o
      WHERE prev_year IS NOT NULL`,
  };
}

export function fundamentalPublishedAfterPeriodEnd(): QueryRuleSpec {
  // A figure "published" before its period ended would leak the future into point-in-time training sets.
  return {
    kind: 'query', name: 'fundamental.published_after_period_end', targetTable: 'company_fundamental', severity: 'error', blocking: true,
    bySymbol: true, tolerance: share(0), description: 'published_at is on or before period_end',
    flaggedSql: `SELECT f.symbol, f.metric, f.fiscal_year, f.fiscal_period, f.period_end, f.published_at,
        (f.published_at AT TIME ZONE 'UTC')::date <= f.period_end AS fail ${FUNDAMENTAL_SCOPE}`,
  };
}

export function balanceSheetIdentity({ relativeTolerance = 0.01 } = {}): QueryRuleSpec {
  return {
    kind: 'query', name: 'fundamental.balance_sheet_identity', targetTable: 'company_fundamental', severity: 'error', blocking: true,
    bySymbol: true, tolerance: share(0),
    description: `total_assets differs from total_liabilities + total_equity by more than ${relativeTolerance * 100}% (latest publication of each period)`,
    flaggedSql: `SELECT symbol, fiscal_year, fiscal_period, period_end, assets, liabilities, equity,
        abs(assets - (liabilities + equity)) > ${relativeTolerance} * abs(assets) AS fail
      FROM (SELECT symbol, fiscal_year, fiscal_period, period_end,
              max(value) FILTER (WHERE metric = 'total_assets') AS assets,
              max(value) FILTER (WHERE metric = 'total_liabilities') AS liabilities,
              max(value) FILTER (WHERE metric = 'total_equity') AS equity
            FROM (SELECT DISTINCT ON (f.symbol, f.metric, f.fiscal_year, f.fiscal_period, f.period_end) f.*
                  ${FUNDAMENTAL_SCOPE} AND f.metric IN ('total_assets', 'total_liabilities', 'total_equity')
                  ORDER BY f.symbol, f.metric, f.fiscal_year, f.fiscal_period, f.period_end, f.published_at DESC) latest
            GROUP BY symbol, fiscal_year, fiscal_period, period_end) b
      WHERE assets IS NOT NULL AND liabilities IS NOT NULL AND equity IS NOT NULL`,
  };
}

export const schemaRules: QueryRuleSpec[] = [
  requiredColumns('price_data', ['symbol', 'interval', 'ts', 'open', 'high', 'low', 'close', 'adj_close', 'volume']),
];

export const priceRules: RuleSpec[] = [
  ohlcConsistency(), missingValues(), unexplainedJump(), volumeSpike(), staleClose(), calendarGaps(), nonTradingDayBars(), duplicateDay(),
  freshness(),
];

export const fundamentalRules: QueryRuleSpec[] = [fundamentalPeriodOrder(), fundamentalPublishedAfterPeriodEnd(), balanceSheetIdentity()];

export const featureRules: QueryRuleSpec[] = [
  featureRegisteredVersion(), featureNonFinite(), featureWithinRange({ name: 'feature.rsi_range', like: 'rsi%', min: 0, max: 100 }), featureMissingAfterWarmup(),
  featureOlderThanBars(),
];

export const defaultRules: RuleSpec[] = [...schemaRules, ...priceRules, ...fundamentalRules, ...featureRules];

/**
 * A VaR method whose latest backtest of a portfolio falls in the Basel red zone (docs/risk.md). The scope's symbols
 * are portfolio ids here; evaluated by riskRun after its backtests (not part of the pipeline's default rules).
 */
export function riskBacktestRedZone({ severity = 'warn' as 'warn' | 'error' } = {}): QueryRuleSpec {
  return {
    kind: 'query', name: 'risk.backtest_red_zone', targetTable: 'var_backtest', severity, blocking: false, bySymbol: false, tolerance: { metric: 'failing_rows', max: 0 },
    description: 'a VaR method\'s latest backtest is in the Basel red zone (≥ 99.99 % cumulative binomial probability of its exceptions; 250 days at 99 %: ≥ 10)',
    flaggedSql: `SELECT b.portfolio_id, b.method, b.confidence_level, b.horizon_days, b.exceptions, b.traffic_light_observations AS observations,
        b.traffic_light = 'red' AS fail
      FROM var_backtest b
      WHERE b.portfolio_id = ANY($1) AND b.to_date <= ($4::timestamptz AT TIME ZONE 'UTC')::date AND b.to_date >= ($3::timestamptz AT TIME ZONE 'UTC')::date
        AND b.pipeline_run_id IS NOT DISTINCT FROM (SELECT l.pipeline_run_id FROM var_backtest l WHERE l.portfolio_id = b.portfolio_id ORDER BY l.computed_at DESC, l.id DESC LIMIT 1)`,
  };
}

export const riskRules: QueryRuleSpec[] = [riskBacktestRedZone()];
