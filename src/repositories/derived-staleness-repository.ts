// Owns all SQL on derived_staleness: marks derived scopes stale when an input changes (in the transaction of the
// change), clears them when they are recomputed, and answers which are stale. One mechanism for every derived kind
// (src/contracts/derived.ts); each kind adds only its key query below.
import type { DataSource, EntityManager } from 'typeorm';
import { ALL_SCOPES, derivedFrom, type DerivedKind, type InputDataset, type StaleScope } from '../contracts/derived';
import { StaleDataError } from '../contracts/errors';
import { featureOlderThanBars } from '../quality/rules';

/**
 * Per kind: the (key, scope, interval, from) among `$1` scopes / `$2` from-instants (parallel arrays) and `$3` interval
 * (NULL: every interval, for inputs without one) that hold rows at or after `from`, of keys that read input `$5`.
 * Probes the kind's primary key once per (key, scope, interval), never scans the table.
 */
const STORED_KEYS: Record<DerivedKind, string> = {
  feature_data: `SELECT s.version AS key, u.scope, i.interval, u.from_ts FROM unnest($1::text[], $2::timestamptz[]) AS u(scope, from_ts) CROSS JOIN feature_set s
    CROSS JOIN LATERAL (SELECT iv.interval FROM (
        SELECT $3::text AS interval WHERE $3::text IS NOT NULL
        UNION ALL SELECT DISTINCT f.interval FROM feature_data f WHERE $3::text IS NULL AND f.feature_set_version = s.version AND f.symbol = u.scope) iv
      WHERE EXISTS (SELECT 1 FROM feature_data f WHERE f.feature_set_version = s.version AND f.symbol = u.scope AND f.interval = iv.interval AND f.ts >= u.from_ts)) i
    WHERE $5::text = ANY(s.inputs)`,
  // Daily positions only ($3 is the interval of the changed bars: other intervals do not value portfolios).
  portfolio_position: `SELECT p.id AS key, u.scope, $3::text AS interval, u.from_ts FROM unnest($1::text[], $2::timestamptz[]) AS u(scope, from_ts) CROSS JOIN portfolio p
    WHERE $3 = '1d' AND EXISTS (SELECT 1 FROM portfolio_position pp WHERE pp.portfolio_id = p.id AND pp.as_of >= (u.from_ts AT TIME ZONE 'UTC')::date AND pp.symbol = u.scope)`,
  // A revised bar enters every later window: VaR rows from the bar on whose date held the symbol.
  var_calculation: `SELECT p.id AS key, u.scope, $3::text AS interval, u.from_ts FROM unnest($1::text[], $2::timestamptz[]) AS u(scope, from_ts) CROSS JOIN portfolio p
    WHERE $3 = '1d' AND EXISTS (SELECT 1 FROM var_calculation v JOIN portfolio_position pp ON pp.portfolio_id = v.portfolio_id AND pp.as_of = v.as_of AND pp.symbol = u.scope
      WHERE v.portfolio_id = p.id AND v.as_of >= (u.from_ts AT TIME ZONE 'UTC')::date)`,
  // Daily predictions only; the runs with a prediction of the symbol from the changed instant on, of a feature-set
  // version that reads the input (symbol, ts index).
  model_prediction: `SELECT DISTINCT p.model_training_run_id::text AS key, u.scope, coalesce($3::text, '1d') AS interval, u.from_ts
    FROM unnest($1::text[], $2::timestamptz[]) AS u(scope, from_ts)
    CROSS JOIN LATERAL (SELECT DISTINCT mp.model_training_run_id, mp.feature_set_version FROM model_prediction mp WHERE mp.symbol = u.scope AND mp.ts >= u.from_ts) p
    JOIN feature_set s ON s.version = p.feature_set_version AND $5::text = ANY(s.inputs)
    WHERE coalesce($3::text, '1d') = '1d'`,
  // Closes are read up to the as-of, and the predictions' features look back further: any revision on or before it.
  portfolio_optimization: `SELECT o.id::text AS key, u.scope, $3::text AS interval, u.from_ts FROM unnest($1::text[], $2::timestamptz[]) AS u(scope, from_ts)
    JOIN portfolio_optimization o ON (u.scope = ANY(o.symbols) OR u.scope = o.inputs->'returns'->>'market') AND o.as_of >= (u.from_ts AT TIME ZONE 'UTC')::date
    WHERE $3 = '1d'`,
};

/**
 * Per kind computed from trades: the keys a booking in portfolio `$2` from `$5` on makes stale, each marked whole
 * (scope '*'). Positions are always marked (a valuation reads its marks to know where to start); VaR rows and
 * optimizations only where there is something to go stale.
 */
const KEYS_OF_PORTFOLIO: Partial<Record<DerivedKind, string>> = {
  portfolio_position: 'SELECT $2::text AS key',
  var_calculation: `SELECT $2::text AS key WHERE EXISTS (SELECT 1 FROM var_calculation v WHERE v.portfolio_id = $2::text AND v.as_of >= ($5::timestamptz AT TIME ZONE 'UTC')::date)`,
  portfolio_optimization: `SELECT o.id::text AS key FROM portfolio_optimization o
    WHERE o.inputs->'constraints'->'turnover'->>'portfolioId' = $2::text AND o.as_of >= ($5::timestamptz AT TIME ZONE 'UTC')::date`,
};

/** Which derived rows are asked about: one kind, optionally some keys, scopes and an interval. */
export interface StaleFilter {
  kind: DerivedKind;
  keys?: string[];
  scopes?: string[];
  interval?: string;
}

interface MarkRow {
  derived_kind: DerivedKind;
  derived_key: string;
  scope_key: string;
  interval: string;
  stale_from: Date;
  input_dataset: InputDataset;
  pipeline_run_id: string | null;
  marked_at: Date;
}

const toScope = (r: MarkRow): StaleScope => ({
  kind: r.derived_kind, key: r.derived_key, scope: r.scope_key, interval: r.interval, staleFrom: r.stale_from.toISOString(),
  cause: { input: r.input_dataset, pipelineRunId: r.pipeline_run_id }, markedAt: r.marked_at.toISOString(),
});

/** Stateless: one instance serves every concurrent caller; writes take the caller's transaction. */
export class DerivedStalenessRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * `input` changed for these scopes from these instants on (in `em`'s transaction): every stored key of every kind
   * derived from it (and, per key, reading it) that holds rows from there on gets an open mark, or its open mark moves
   * earlier; `interval` null for an input without one (documents): each interval the key holds rows in. Returns the marks
   * written.
   */
  async markInputChanged(em: EntityManager, input: InputDataset, interval: string | null, changedFrom: Map<string, Date>, pipelineRunId: string | null): Promise<number> {
    if (changedFrom.size === 0) return 0;
    let marked = 0;
    for (const kind of derivedFrom(input)) {
      const [r] = await em.query(
        `WITH k AS (${STORED_KEYS[kind]}), up AS (
           INSERT INTO derived_staleness (derived_kind, derived_key, scope_key, interval, stale_from, input_dataset, pipeline_run_id)
           SELECT $4, k.key, k.scope, k.interval, k.from_ts, $5, $6 FROM k
           ON CONFLICT (derived_kind, derived_key, scope_key, interval) WHERE cleared_at IS NULL
           DO UPDATE SET stale_from = EXCLUDED.stale_from WHERE EXCLUDED.stale_from < derived_staleness.stale_from
           RETURNING 1
         ) SELECT count(*)::int AS n FROM up`,
        [[...changedFrom.keys()], [...changedFrom.values()], interval, kind, input, pipelineRunId],
      );
      marked += r.n;
    }
    return marked;
  }

  /**
   * A booking changed portfolio `portfolioId` from `from` on (in `em`'s transaction): every key of every kind computed
   * from trades that read it is marked whole (ALL_SCOPES). Returns the marks written.
   */
  async markPortfolioChanged(em: EntityManager, portfolioId: string, interval: string, from: Date, pipelineRunId: string | null): Promise<number> {
    let marked = 0;
    for (const kind of derivedFrom('trade')) {
      const keys = KEYS_OF_PORTFOLIO[kind];
      if (!keys) throw new Error(`derived kind ${kind} reads trades but has no KEYS_OF_PORTFOLIO query`);
      const [r] = await em.query(
        `WITH up AS (
           INSERT INTO derived_staleness (derived_kind, derived_key, scope_key, interval, stale_from, input_dataset, pipeline_run_id)
           SELECT $1::text, k.key, $3::text, $4::text, $5::timestamptz, 'trade', $6::uuid FROM (${keys}) k
           ON CONFLICT (derived_kind, derived_key, scope_key, interval) WHERE cleared_at IS NULL
           DO UPDATE SET stale_from = EXCLUDED.stale_from WHERE EXCLUDED.stale_from < derived_staleness.stale_from
           RETURNING 1
         ) SELECT count(*)::int AS n FROM up`,
        [kind, portfolioId, ALL_SCOPES, interval, from, pipelineRunId],
      );
      marked += r.n;
    }
    return marked;
  }

  /**
   * Every open mark of one key (all scopes) recomputed from `from` on, as of a read that began at `readAt`: marks
   * made after the recompute began reading stay open (their change may not have been seen). Returns how many.
   */
  async clearKey(em: EntityManager, kind: DerivedKind, key: string, interval: string, from: Date, readAt: Date, pipelineRunId: string | null): Promise<number> {
    const [r] = await em.query(
      `WITH up AS (
         UPDATE derived_staleness SET cleared_at = now(), cleared_by_run_id = $6
         WHERE cleared_at IS NULL AND derived_kind = $1 AND derived_key = $2 AND interval = $3 AND stale_from >= $4 AND marked_at < $5
         RETURNING 1
       ) SELECT count(*)::int AS n FROM up`,
      [kind, key, interval, from, readAt, pipelineRunId],
    );
    return r.n;
  }

  /** Open marks, oldest stale_from first. */
  async open(filter: StaleFilter, em: EntityManager = this.ds.manager): Promise<StaleScope[]> {
    const rows: MarkRow[] = await em.query(
      `SELECT derived_kind, derived_key, scope_key, interval, stale_from, input_dataset, pipeline_run_id, marked_at FROM derived_staleness
       WHERE cleared_at IS NULL AND derived_kind = $1 AND ($2::text[] IS NULL OR derived_key = ANY($2)) AND ($3::text[] IS NULL OR scope_key = ANY($3))
         AND ($4::text IS NULL OR interval = $4)
       ORDER BY stale_from, derived_key, scope_key`,
      [filter.kind, filter.keys ?? null, filter.scopes ?? null, filter.interval ?? null],
    );
    return rows.map(toScope);
  }

  /**
   * The scopes of one key recomputed from these instants on (in `em`'s transaction): their open marks that start no
   * earlier are cleared. Returns how many.
   */
  async clear(em: EntityManager, kind: DerivedKind, key: string, interval: string, recomputedFrom: Map<string, Date>, pipelineRunId: string | null): Promise<number> {
    if (recomputedFrom.size === 0) return 0;
    const [r] = await em.query(
      `WITH up AS (
         UPDATE derived_staleness d SET cleared_at = now(), cleared_by_run_id = $5
         FROM unnest($3::text[], $4::timestamptz[]) AS u(scope, from_ts)
         WHERE d.cleared_at IS NULL AND d.derived_kind = $1 AND d.derived_key = $2 AND d.interval = $6 AND d.scope_key = u.scope AND d.stale_from >= u.from_ts
         RETURNING 1
       ) SELECT count(*)::int AS n FROM up`,
      [kind, key, [...recomputedFrom.keys()], [...recomputedFrom.values()], pipelineRunId, interval],
    );
    return r.n;
  }

  /**
   * Refuses (StaleDataError, non-retryable) when any feature row of these versions in the scope is stale: marked, or
   * computed before a bar at or before it was last written (the quality rule's own test, so plain SQL updates count).
   */
  async assertFeaturesFresh(
    em: EntityManager, versions: string[], scope: { symbols: string[]; interval: string; from: Date; to: Date },
  ): Promise<void> {
    const marked = (await this.open({ kind: 'feature_data', keys: versions, scopes: scope.symbols, interval: scope.interval }, em))
      .filter((m) => new Date(m.staleFrom) <= scope.to);
    const found: { key: string; scope: string; staleFrom: string }[] = marked.map((m) => ({ key: m.key, scope: m.scope, staleFrom: m.staleFrom }));
    for (const version of versions) {
      for (const r of await this.featuresOlderThanBars(version, scope, em)) {
        if (!found.some((f) => f.key === version && f.scope === r.symbol)) found.push({ key: version, scope: r.symbol, staleFrom: r.staleFrom.toISOString() });
      }
    }
    if (found.length > 0) throw new StaleDataError(`feature_data in ${scope.symbols.join(',')} ${scope.interval}`, found);
  }

  /**
   * Per symbol of the scope, the first feature row of `version` computed before a bar at or before it was last
   * written (the quality rule feature.older_than_bars: it sees plain SQL updates, which leave no mark), and how many.
   */
  async featuresOlderThanBars(version: string, scope: { symbols: string[]; interval: string; from: Date; to: Date }, em: EntityManager = this.ds.manager):
  Promise<{ symbol: string; staleFrom: Date; rows: number }[]> {
    const rows: { symbol: string; stale_from: Date; n: number }[] = await em.query(
      `SELECT symbol, min(ts) AS stale_from, count(*)::int AS n FROM (${featureOlderThanBars().flaggedSql}) r WHERE fail GROUP BY symbol ORDER BY symbol`,
      [scope.symbols, scope.interval, scope.from, scope.to, version],
    );
    return rows.map((r) => ({ symbol: r.symbol, staleFrom: r.stale_from, rows: r.n }));
  }
}
