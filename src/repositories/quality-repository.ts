// Owns all SQL on validation_result and quality_custom_rule, and composes the rule statements:
// every bar rule in one pass over the scope's bars, each query rule as one statement, custom rules read-only.
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { DEFAULT_RULES_ROLE } from '../config';
import { ConfigError, InputError } from '../contracts/errors';
import { ensureNyseCalendar } from './calendar-repository';
import { roleIdent } from './role-repository';
import type { BarRuleSpec, CustomRuleSpec, QueryRuleSpec, QualityScope, RuleSpec } from '../quality/rules';

/** Failing rows kept per symbol, and per result, for people and the report's chart marks. */
const SAMPLE_PER_SYMBOL = 10;
const SAMPLE_PER_RESULT = 50;
/** How users' SQL runs: as a role that may only read market data, each statement cancelled after timeoutMs. */
export interface CustomRuleLimits {
  role: string;
  timeoutMs: number;
}

/** A custom rule is a user's query on the pipeline's path: it may not run away (config: TICKFLOW_RULES_ROLE, TICKFLOW_RULE_TIMEOUT_MS). */
export const DEFAULT_CUSTOM_RULE_LIMITS: CustomRuleLimits = { role: DEFAULT_RULES_ROLE, timeoutMs: 30_000 };
/** A rule waits at most this long for a lock (a migration holding one), and its transaction may idle at most this long. */
const CUSTOM_RULE_LOCK_TIMEOUT_MS = 5_000;
const CUSTOM_RULE_IDLE_TIMEOUT_MS = 60_000;

export interface SymbolCount {
  checked: number;
  failing: number;
}

/** What a rule measured over the scope, before the tolerance is applied. */
export interface Measurement {
  checked: number;
  failing: number;
  sample: unknown[];
  bySymbol: Record<string, SymbolCount>;
  /** Set when the rule's SQL itself failed (custom rules only). */
  error?: string;
}

export interface StoredResult {
  rule: string;
  targetTable: string;
  severity: 'warn' | 'error';
  blocking: boolean;
  passed: boolean;
  observed: number;
  threshold: number;
  measurement: Measurement;
}

export interface ResultRow {
  id: string;
  pipelineRunId: string | null;
  workflowId: string | null;
  rule: string;
  targetTable: string;
  scope: QualityScope;
  severity: 'warn' | 'error';
  blocking: boolean;
  passed: boolean;
  observed: number | null;
  threshold: number | null;
  rowsChecked: number;
  failingRows: number;
  sample: Record<string, unknown>[];
  symbolCounts: Record<string, SymbolCount>;
  evaluatedAt: string;
}

export interface HistoryFilter {
  rule?: string;
  symbol?: string;
  since?: string;
  pipelineRunId?: string;
  limit?: number;
}

export interface CustomRuleRow {
  name: string;
  description: string;
  targetTable: string;
  severity: 'warn' | 'error';
  blocking: boolean;
  maxFailingRows: number;
  sql: string;
  createdAt: string;
}

export interface Bar {
  ts: string;
  open: number;
  high: number;
  low: number;
  close: number;
}

export interface MeasureOptions {
  /** Evaluate bar rules on every bar instead of the attention bars only (the reference for tests, never faster). */
  everyBar?: boolean;
  /** @default DEFAULT_CUSTOM_RULE_LIMITS */
  customRules?: CustomRuleLimits;
}

type Row = { symbol: string | null; checked: number; failing: number; sample: unknown[] | null };

function toParams(scope: QualityScope): unknown[] {
  return [scope.symbols, scope.interval, `${scope.from}T00:00:00Z`, `${scope.to}T23:59:59.999Z`, scope.featureSetVersion ?? null];
}

function collect(rows: Row[]): Measurement {
  const m: Measurement = { checked: 0, failing: 0, sample: [], bySymbol: {} };
  for (const r of rows) {
    m.checked += Number(r.checked);
    m.failing += Number(r.failing);
    if (r.symbol !== null) m.bySymbol[r.symbol] = { checked: Number(r.checked), failing: Number(r.failing) };
    m.sample.push(...(r.sample ?? []));
  }
  m.sample = m.sample.slice(0, SAMPLE_PER_RESULT);
  return m;
}

const splitsRelation = (present: boolean) => present
  ? `(SELECT symbol, ex_date, ratio FROM corporate_action WHERE kind = 'split')`
  : `(SELECT NULL::varchar AS symbol, NULL::date AS ex_date, NULL::float8 AS ratio WHERE false)`;

/** A text[] literal: a constant array lets PostgreSQL hash `= ANY` instead of comparing each bar with every symbol. */
export function textArrayLiteral(values: string[]): string {
  return `ARRAY[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')}]::text[]`;
}

/**
 * The one pass all bar rules share. Stage 1 is a single parallel scan of the scope: per symbol it counts the bars
 * (and those with each `counts` column set) and collects the timestamps of bars any rule gives attention to, usually
 * a handful. Stage 2 evaluates every rule on those bars only, by primary key. For all other bars each rule checks what
 * its `counts` says and fails nothing (the BarRuleSpec contract), so per symbol:
 *   checked = count(counts) + Σ over attention bars (checked − counted),  failing = Σ over attention bars failing.
 * Parameters: $1 interval, $2 from, $3 to. `everyBar` gives every bar attention: the slow reference the contract is
 * tested against.
 */
export function barPassSql(rules: BarRuleSpec[], symbols: string[], splitsTablePresent: boolean, { everyBar = false } = {}): string {
  const countColumns = [...new Set(rules.map((r) => r.counts))];
  const countName = (c: string) => (c === '*' ? 'n_all' : `n_${c}`);
  const counts = countColumns.map((c) => `count(${c === '*' ? '*' : `p.${c}`}) AS ${countName(c)}`).join(', ');
  const attention = everyBar ? 'true' : [...new Set(rules.flatMap((r) => r.attention))].map((t) => `(${t})`).join('\n        OR ');
  const counted = (c: string) => (c === '*' ? '1' : `CASE WHEN ${c} IS NOT NULL THEN 1 ELSE 0 END`);
  const flags = rules.map((r, i) => `(${r.checked})::float8 - ${counted(r.counts)} AS d${i}, (${r.failing})::float8 AS f${i}`).join(',\n      ');
  const aggs = rules.map((r, i) => {
    const sample = Object.entries(r.sample).map(([k, v]) => `'${k}', ${v}`).join(', ');
    return `sum(d${i}) AS d${i}, sum(f${i}) AS f${i}, quality_sample(jsonb_build_object(${sample}), ${SAMPLE_PER_SYMBOL}) FILTER (WHERE f${i} > 0) AS s${i}`;
  }).join(',\n      ');
  const totals = rules.map((r, i) => `(pass.${countName(r.counts)} + coalesce(extra.d${i}, 0))::float8 AS c${i}, coalesce(extra.f${i}, 0)::float8 AS f${i}, extra.s${i}`)
    .join(',\n      ');
  return `WITH pass AS MATERIALIZED (
      SELECT p.symbol, ${counts},
        quality_ts_list(p.ts) FILTER (WHERE ${attention}) AS attention
      FROM price_data p
      WHERE p.symbol = ANY(${textArrayLiteral(symbols)}) AND p.interval = $1 AND p.ts >= $2 AND p.ts <= $3
      GROUP BY p.symbol
    ), bars AS (
      -- One primary-key probe per attention bar (OFFSET 0 keeps the planner from turning it into a scan of every bar
      -- of the symbol joined with the list).
      SELECT p.symbol, p.ts, (p.ts AT TIME ZONE 'UTC')::date AS day, (p.prev_ts AT TIME ZONE 'UTC')::date AS prev_day,
        ($2::timestamptz AT TIME ZONE 'UTC')::date AS scope_first_day,
        p.open, p.high, p.low, p.close, p.adj_close, p.volume, p.prev_ts, p.prev_close, p.close_run, p.volume_z, p.missing_sessions, p.trading_day
      FROM pass CROSS JOIN LATERAL unnest(pass.attention) AS a(ts)
      CROSS JOIN LATERAL (SELECT * FROM price_data q WHERE q.symbol = pass.symbol AND q.interval = $1 AND q.ts = a.ts OFFSET 0) p
    ), flags AS (
      -- Ordered so samples come oldest first; OFFSET 0 keeps each flag computed once per bar, not once per aggregate.
      SELECT b.*,
      ${flags}
      FROM bars b ORDER BY b.symbol, b.ts OFFSET 0
    ), extra AS (
      SELECT symbol,
      ${aggs}
      FROM flags b GROUP BY symbol
    )
    SELECT pass.symbol,
      ${totals}
    FROM pass LEFT JOIN extra ON extra.symbol = pass.symbol`.replaceAll('{{splits}}', splitsRelation(splitsTablePresent));
}

export function querySummarySql(rule: QueryRuleSpec): string {
  // The unused params CTE gives every parameter its type, so a rule may use any subset of them.
  return `WITH params AS (SELECT $1::text[], $2::text, $3::timestamptz, $4::timestamptz, $5::text),
    flagged AS MATERIALIZED (${rule.flaggedSql})
    SELECT ${rule.bySymbol ? 'f.symbol::text' : 'NULL::text'} AS symbol, count(*)::float8 AS checked,
      count(*) FILTER (WHERE f.fail)::float8 AS failing, quality_sample(to_jsonb(f) - 'fail', ${SAMPLE_PER_SYMBOL}) FILTER (WHERE f.fail) AS sample
    FROM flagged f GROUP BY 1`;
}

/** A custom rule's query returns failing rows; wrapping it as a CTE also refuses anything but one plain query. */
export function customSummarySql(sql: string): string {
  return `WITH scope AS (SELECT $1::text[] AS symbols, $2::text AS interval, $3::timestamptz AS from_ts, $4::timestamptz AS to_ts),
    failing AS MATERIALIZED (${sql}
    )
    SELECT to_jsonb(f)->>'symbol' AS symbol, count(*)::float8 AS checked, count(*)::float8 AS failing,
      quality_sample(to_jsonb(f), ${SAMPLE_PER_SYMBOL}) AS sample
    FROM failing f GROUP BY 1`;
}

export class QualityRepository {
  constructor(private readonly ds: DataSource) {}

  /** Measures every rule over the scope. Bar rules share one statement; custom rules run in their own read-only transaction. */
  async measure(em: EntityManager, rules: RuleSpec[], scope: QualityScope, options: MeasureOptions = {}): Promise<Map<string, Measurement>> {
    const params = toParams(scope);
    const out = new Map<string, Measurement>();
    await ensureNyseCalendar(em);
    // JIT compiling the wide rule pass costs ~0.5 s and saves less than that on a scan this simple (SET LOCAL: this transaction only).
    await em.query('SET LOCAL jit = off');
    // Bad data gives many bars attention; their per-rule evaluation sorts them, and should not spill to disk.
    await em.query(`SET LOCAL work_mem = '64MB'`);
    const bars = rules.filter((r): r is BarRuleSpec => r.kind === 'bars');
    if (bars.length > 0) {
      const [{ present }] = await em.query(`SELECT to_regclass('corporate_action') IS NOT NULL AS present`);
      const rows: Record<string, unknown>[] = await em.query(barPassSql(bars, scope.symbols, present, { everyBar: options.everyBar }), params.slice(1, 4));
      bars.forEach((r, i) => out.set(r.name, collect(rows.map((row) => ({
        symbol: row.symbol as string, checked: row[`c${i}`] as number, failing: row[`f${i}`] as number, sample: row[`s${i}`] as unknown[] | null,
      })))));
    }
    for (const r of rules) {
      if (r.kind !== 'query') continue;
      out.set(r.name, collect(await em.query(querySummarySql(r), params)));
    }
    const custom = rules.filter((r): r is CustomRuleSpec => r.kind === 'custom');
    if (custom.length > 0) {
      for (const [name, m] of await this.measureCustom(custom, params, options.customRules ?? DEFAULT_CUSTOM_RULE_LIMITS)) out.set(name, m);
    }
    return out;
  }

  /**
   * Opens the transaction users' SQL runs in: READ ONLY, time-limited, built-ins first on the search path, and as the
   * rules role, which may read market data and nothing else (no signals, files, settings of others). A session that
   * cannot take that role, or a role that turns out to hold more, runs no custom rule at all.
   */
  private async beginRuleTransaction(qr: QueryRunner, limits: CustomRuleLimits, isolation: string): Promise<void> {
    await qr.query(`BEGIN TRANSACTION ISOLATION LEVEL ${isolation} READ ONLY`);
    await qr.query(
      `SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true), set_config('idle_in_transaction_session_timeout', $3, true),
         set_config('search_path', 'pg_catalog, ' || coalesce(quote_ident(current_schema()), 'public') || ', pg_temp', true)`,
      [String(limits.timeoutMs), String(Math.min(CUSTOM_RULE_LOCK_TIMEOUT_MS, limits.timeoutMs)), String(CUSTOM_RULE_IDLE_TIMEOUT_MS)],
    );
    try {
      await qr.query(`SET LOCAL ROLE ${roleIdent(limits.role)}`);
    } catch (e) {
      throw new ConfigError(`cannot run as the rules role "${limits.role}": ${(e as Error).message} (run \`tickflow db migrate\` as the migration role)`, [limits.role]);
    }
    const [r] = await qr.query(`SELECT r.rolsuper OR r.rolbypassrls OR r.rolcreaterole OR r.rolcreatedb
        OR EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = r.oid) AS overprivileged
      FROM pg_roles r WHERE r.rolname = current_user`);
    if (r.overprivileged) {
      throw new ConfigError(`the rules role "${limits.role}" holds more than read access (an attribute, or membership of another role): `
        + 'run `tickflow db migrate` as the migration role to strip it', [limits.role]);
    }
  }

  /** Runs users' SQL on its own connection as the rules role, one savepoint each, so a broken rule fails alone. */
  private async measureCustom(rules: CustomRuleSpec[], params: unknown[], limits: CustomRuleLimits): Promise<Map<string, Measurement>> {
    const out = new Map<string, Measurement>();
    const qr = this.ds.createQueryRunner();
    try {
      await this.beginRuleTransaction(qr, limits, 'REPEATABLE READ');
      for (const r of rules) {
        await qr.query('SAVEPOINT custom_rule');
        try {
          out.set(r.name, collect(await qr.query(customSummarySql(r.sql), params.slice(0, 4))));
          await qr.query('RELEASE SAVEPOINT custom_rule');
        } catch (e) {
          await qr.query('ROLLBACK TO SAVEPOINT custom_rule');
          out.set(r.name, { checked: 0, failing: 0, sample: [], bySymbol: {}, error: (e as Error).message });
        }
      }
    } catch (e) {
      // The transaction could not be set up (or the connection broke): every rule not measured fails with that reason.
      for (const r of rules) if (!out.has(r.name)) out.set(r.name, { checked: 0, failing: 0, sample: [], bySymbol: {}, error: (e as Error).message });
    } finally {
      // Read-only: nothing to keep. ROLLBACK also ends a transaction a failed step left aborted.
      await qr.query('ROLLBACK').catch(() => {});
      await qr.release();
    }
    return out;
  }

  /** Stores one validation_result row per result; returns the ids in the order given. */
  async saveResults(em: EntityManager, results: StoredResult[], scope: QualityScope, ids: { pipelineRunId: string | null; workflowId: string | null }): Promise<string[]> {
    if (results.length === 0) return [];
    const rows: { id: string; ord: number }[] = await em.query(
      `INSERT INTO validation_result (pipeline_run_id, workflow_id, rule, target_table, scope, severity, blocking, passed, observed, threshold,
         rows_checked, failing_rows, sample, symbol_counts)
       SELECT $1, $2, r.rule, r.target_table, $3::jsonb, r.severity, r.blocking, r.passed, r.observed, r.threshold, r.rows_checked,
         r.failing_rows, r.sample, r.symbol_counts
       FROM jsonb_to_recordset($4::jsonb) AS r(rule text, target_table text, severity text, blocking boolean, passed boolean,
         observed float8, threshold float8, rows_checked bigint, failing_rows bigint, sample jsonb, symbol_counts jsonb)
       RETURNING id::text, rule`,
      [ids.pipelineRunId, ids.workflowId, JSON.stringify(scope), JSON.stringify(results.map((r) => ({
        rule: r.rule, target_table: r.targetTable, severity: r.severity, blocking: r.blocking, passed: r.passed, observed: r.observed,
        threshold: r.threshold, rows_checked: r.measurement.checked, failing_rows: r.measurement.failing,
        sample: r.measurement.error ? [{ error: r.measurement.error }] : r.measurement.sample, symbol_counts: r.measurement.bySymbol,
      })))],
    ).then((saved: { id: string; rule: string }[]) => saved.map((s) => ({ id: s.id, ord: results.findIndex((r) => r.rule === s.rule) })));
    return rows.sort((a, b) => a.ord - b.ord).map((r) => r.id);
  }

  /** Results, newest first, filtered by rule, symbol in scope, time and run. */
  async history(filter: HistoryFilter): Promise<ResultRow[]> {
    const rows = await this.ds.query(
      `SELECT id::text, pipeline_run_id, workflow_id, rule, target_table, scope, severity, blocking, passed, observed, threshold,
         rows_checked::float8, failing_rows::float8, sample, symbol_counts, evaluated_at
       FROM validation_result
       WHERE ($1::text IS NULL OR rule = $1) AND ($2::text IS NULL OR scope->'symbols' ? $2)
         AND ($3::timestamptz IS NULL OR evaluated_at >= $3) AND ($4::uuid IS NULL OR pipeline_run_id = $4)
       ORDER BY evaluated_at DESC, id DESC LIMIT $5`,
      [filter.rule ?? null, filter.symbol ?? null, filter.since ?? null, filter.pipelineRunId ?? null, filter.limit ?? 1000],
    );
    return rows.map((r: Record<string, unknown>): ResultRow => ({
      id: r.id as string, pipelineRunId: r.pipeline_run_id as string | null, workflowId: r.workflow_id as string | null, rule: r.rule as string,
      targetTable: r.target_table as string, scope: r.scope as QualityScope, severity: r.severity as 'warn' | 'error',
      blocking: r.blocking as boolean, passed: r.passed as boolean, observed: r.observed as number | null, threshold: r.threshold as number | null,
      rowsChecked: r.rows_checked as number, failingRows: r.failing_rows as number, sample: r.sample as Record<string, unknown>[],
      symbolCounts: r.symbol_counts as Record<string, SymbolCount>, evaluatedAt: new Date(r.evaluated_at as string).toISOString(),
    }));
  }

  /** Daily bars of one symbol in [from, to], oldest first, for the report's price chart. */
  async bars(symbol: string, interval: string, from: string, to: string): Promise<Bar[]> {
    const rows = await this.ds.query(
      `SELECT ts, open, high, low, close FROM price_data WHERE symbol = $1 AND interval = $2 AND ts >= $3 AND ts <= $4 ORDER BY ts`,
      [symbol, interval, `${from}T00:00:00Z`, `${to}T23:59:59.999Z`],
    );
    return rows.map((r: Bar & { ts: Date }) => ({ ...r, ts: r.ts.toISOString() }));
  }

  async listCustomRules(): Promise<CustomRuleRow[]> {
    const rows = await this.ds.query(`SELECT name, description, target_table, severity, blocking, max_failing_rows, sql, created_at
      FROM quality_custom_rule ORDER BY name`);
    return rows.map((r: Record<string, unknown>): CustomRuleRow => ({
      name: r.name as string, description: r.description as string, targetTable: r.target_table as string,
      severity: r.severity as 'warn' | 'error', blocking: r.blocking as boolean, maxFailingRows: r.max_failing_rows as number,
      sql: r.sql as string, createdAt: new Date(r.created_at as string).toISOString(),
    }));
  }

  /**
   * Plans the query (EXPLAIN, never runs it) inside the same wrapper, read-only transaction and rules role it will run
   * in, so unknown tables, tables the role may not read, or a data-modifying CTE are refused when the rule is added,
   * not mid-pipeline. Throws ConfigError when the rules role cannot be taken.
   */
  async checkCustomSql(sql: string, limits: CustomRuleLimits = DEFAULT_CUSTOM_RULE_LIMITS): Promise<void> {
    const qr = this.ds.createQueryRunner();
    try {
      await this.beginRuleTransaction(qr, limits, 'READ COMMITTED');
      await qr.query(`EXPLAIN ${customSummarySql(sql)}`, [['AAPL'], '1d', '2020-01-01T00:00:00Z', '2020-12-31T23:59:59Z'])
        .catch((e: Error) => {
          throw new InputError(`PostgreSQL refused the query: ${e.message}`, 'custom rule --sql');
        });
    } finally {
      await qr.query('ROLLBACK').catch(() => {});
      await qr.release();
    }
  }

  async addCustomRule(rule: Omit<CustomRuleRow, 'createdAt'>): Promise<void> {
    const [taken] = await this.ds.query(`SELECT 1 FROM quality_custom_rule WHERE name = $1`, [rule.name]);
    if (taken) throw new InputError(`a custom rule named "${rule.name}" exists already (remove it first)`, 'custom rule --name');
    await this.ds.query(
      `INSERT INTO quality_custom_rule (name, description, target_table, severity, blocking, max_failing_rows, sql) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [rule.name, rule.description, rule.targetTable, rule.severity, rule.blocking, rule.maxFailingRows, rule.sql],
    );
  }

  /** Returns whether a rule of that name existed. */
  async removeCustomRule(name: string): Promise<boolean> {
    const [r] = await this.ds.query(`WITH d AS (DELETE FROM quality_custom_rule WHERE name = $1 RETURNING 1) SELECT count(*)::int AS n FROM d`, [name]);
    return r.n > 0;
  }
}
