// The export query: one row per (symbol, bar) of the first feature-set version, the other versions' values joined on
// the same bar, a label over future closes, and a time split with an embargo. Point in time by construction: feature
// values at t were computed from bars ≤ t (and fundamentals published ≤ t); only the label looks ahead.
import type { LabelSpec } from '../export/label-spec';

export interface ExportFeatureSet {
  name: string;
  version: string;
  /** Output names in storage order (feature_set.feature_names). */
  names: string[];
}

export interface ExportScope {
  symbols: string[];
  interval: string;
  from: string;
  to: string;
}

/** Shares of dates for train and validation; test gets the rest. */
export interface SplitShares {
  train: number;
  validation: number;
}

export interface ExportQuery {
  /** Query text with $n placeholders (for ordinary queries). */
  sql: string;
  params: unknown[];
  /** Output columns, in order. */
  columns: string[];
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** First and last date of each split; null when a split is empty. */
export type SplitRanges = Record<'train' | 'validation' | 'test', { from: Date; to: Date } | null>;

function scopeParams(base: ExportFeatureSet, scope: ExportScope): unknown[] {
  return [scope.symbols, scope.interval, `${scope.from}T00:00:00Z`, `${scope.to}T23:59:59.999Z`, base.version];
}

const SCOPE_FILTER = 'f0.feature_set_version = $5 AND f0.symbol = ANY($1) AND f0.interval = $2 AND f0.ts >= $3 AND f0.ts <= $4';
// The bars' side carries the scope too (implied by the join, but the planner does not derive it): without it a batch's
// export hashed the features and scanned every bar of price_data, a cost that grew with the table, not the batch.
const BAR_JOIN = `JOIN price_data p ON p.symbol = f0.symbol AND p.interval = f0.interval AND p.ts = f0.ts
        AND p.symbol = ANY($1) AND p.interval = $2 AND p.ts >= $3 AND p.ts <= $4`;

/**
 * The split boundaries, from a light pass over (symbol, ts) only: the dates that have a bar `horizon` bars ahead
 * (each symbol's dates but its last `horizon`) are numbered 1..n; train takes the first ⌊n·train⌋, then `horizon`
 * dates are embargoed, validation takes up to ⌊n·(train + validation)⌋, `horizon` more are embargoed, test takes the
 * rest. Computing them first lets the export query assign splits by date in one pass over the rows.
 */
export function buildSplitQuery(base: ExportFeatureSet, label: LabelSpec, scope: ExportScope, shares: SplitShares): ExportQuery {
  const h = label.horizon;
  const { train, validation } = shares;
  const sql = `
    WITH last_labeled AS MATERIALIZED (
      SELECT s.symbol, (
        SELECT f.ts FROM feature_data f
        WHERE f.feature_set_version = $5 AND f.symbol = s.symbol AND f.interval = $2 AND f.ts >= $3 AND f.ts <= $4
        ORDER BY f.ts DESC OFFSET ${h} LIMIT 1
      ) AS ts
      FROM unnest($1::text[]) AS s(symbol)
    ),
    dates AS (
      SELECT ts, row_number() OVER (ORDER BY ts) AS i, count(*) OVER () AS n
      FROM (
        SELECT DISTINCT f0.ts FROM feature_data f0 JOIN last_labeled c ON c.symbol = f0.symbol AND f0.ts <= c.ts
        WHERE ${SCOPE_FILTER}
      ) d
    ),
    assigned AS (
      SELECT ts, CASE
        WHEN i <= floor(n * ${train}) THEN 'train'
        WHEN i > floor(n * ${train}) + ${h} AND i <= floor(n * ${train + validation}) THEN 'validation'
        WHEN i > floor(n * ${train + validation}) + ${h} THEN 'test'
      END AS split
      FROM dates
    )
    SELECT split, min(ts) AS first, max(ts) AS last FROM assigned WHERE split IS NOT NULL GROUP BY split`;
  return { sql, params: scopeParams(base, scope), columns: ['split', 'first', 'last'] };
}

/**
 * `ts` is text (ISO 8601, UTC) for the text formats and a timestamptz for the binary (Parquet) path.
 * Rows without a label (the last `horizon` bars of each symbol) and rows inside an embargo gap are left out.
 */
export function buildExportQuery(
  sets: ExportFeatureSet[], label: LabelSpec, scope: ExportScope, ranges: SplitRanges, tsAs: 'text' | 'timestamptz',
): ExportQuery {
  const [base, ...joined] = sets;
  const params = scopeParams(base, scope);
  const joins = joined.map((s, j) => {
    params.push(s.version);
    return `LEFT JOIN feature_data f${j + 1} ON f${j + 1}.feature_set_version = $${params.length} AND f${j + 1}.symbol = f0.symbol
              AND f${j + 1}.interval = f0.interval AND f${j + 1}.ts = f0.ts`;
  });
  const when = (Object.entries(ranges) as [string, { from: Date; to: Date } | null][])
    .filter(([, r]) => r !== null)
    .map(([name, r]) => {
      params.push(r!.from.toISOString(), r!.to.toISOString());
      return `WHEN ts BETWEEN $${params.length - 1}::timestamptz AND $${params.length}::timestamptz THEN '${name}'`;
    });
  const vectors = sets.map((_, j) => `f${j}.values AS v${j}`).join(', ');
  const aheads = label.offsets.filter((k) => k > 0).map((k) => `lead(close_ahead_0, ${k}) OVER w AS close_ahead_${k}`);
  // NaN is written as missing: JSON cannot hold it, and a model should see one kind of "no value".
  const featureColumns = sets.flatMap((s, j) => s.names.map((n, i) => `nullif(v${j}[${i + 1}], 'NaN') AS ${quoteIdent(n)}`));
  const tsColumn = tsAs === 'text' ? `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS ts` : 'ts';
  const sql = `
    WITH bars AS (
      SELECT f0.symbol, f0.ts, ${vectors}, coalesce(p.adj_close, p.close) AS close_ahead_0
      FROM feature_data f0 ${BAR_JOIN}
      ${joins.join('\n      ')}
      WHERE ${SCOPE_FILTER}
    ),
    labeled AS (
      SELECT symbol, ts, ${sets.map((_, j) => `v${j}`).join(', ')}, ${label.sql} AS label,
             ${when.length ? `CASE ${when.join(' ')} END` : 'NULL::text'} AS split
      FROM (SELECT *${aheads.length ? `, ${aheads.join(', ')}` : ''} FROM bars WINDOW w AS (PARTITION BY symbol ORDER BY ts)) ahead
    )
    SELECT symbol, ${tsColumn}, split, ${featureColumns.join(', ')}, label AS ${quoteIdent(label.column)}
    FROM labeled WHERE split IS NOT NULL AND label IS NOT NULL ORDER BY labeled.ts, symbol`;
  const columns = ['symbol', 'ts', 'split', ...sets.flatMap((s) => s.names), label.column];
  return { sql, params, columns };
}

/** COPY cannot take bind parameters: literals are inlined with the driver's own escaping. */
export function inlineParams(query: ExportQuery, escapeLiteral: (s: string) => string): string {
  return query.sql.replace(/\$(\d+)/g, (_, i: string) => {
    const v = query.params[Number(i) - 1];
    return Array.isArray(v) ? `ARRAY[${v.map((x) => escapeLiteral(String(x))).join(',')}]::text[]` : escapeLiteral(String(v));
  });
}
