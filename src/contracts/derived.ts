// Derived data follows its inputs: which derived kinds are computed from which input datasets, and the shape of a
// stale mark. The one registry the staleness mechanism reads (DerivedStalenessRepository marks, clears and queries);
// a new derived table plugs in with an entry here and its key query there.

/** Datasets derived data is computed from. */
export type InputDataset = 'price_data' | 'company_fundamental' | 'trade' | 'document';

/** Tables computed from inputs, stored per key (a version) and scope (a symbol): what can go stale. */
export type DerivedKind = 'feature_data' | 'portfolio_position' | 'var_calculation' | 'model_prediction' | 'portfolio_optimization';

export interface DerivedKindSpec {
  /** The inputs a change of which makes stored rows stale from the changed instant on. */
  inputs: readonly InputDataset[];
  /** Each key (version) reads a subset of `inputs`, stored with it (feature_set.inputs). */
  perKeyInputs?: boolean;
  /** What `derived_key` holds. */
  key: string;
  /** What `scope_key` holds. */
  scope: string;
}

/** Planned kinds, as they get tables and writers: document_embedding (document; model version, scope document). */
export const DERIVED_KINDS: Readonly<Record<DerivedKind, DerivedKindSpec>> = {
  // Per key: each feature-set version reads only its own inputs (feature_set.inputs, from its indicators): bars for
  // the price sets, bars and company_fundamental for the ratios, documents only for the `documents` set. A change
  // marks only the versions that read it. company_fundamental's importer does not mark yet (restatements are new
  // versions published later, so they never change stored rows before their publication). A document mark has
  // every interval the version holds rows in (documents have no interval).
  feature_data: { inputs: ['price_data', 'company_fundamental', 'document'], perKeyInputs: true, key: 'feature-set version', scope: 'symbol' },
  // Positions and valuations of a portfolio: stale from a revised bar of a symbol it held, or from the first date a
  // booking touched (scope ALL_SCOPES: the whole portfolio).
  portfolio_position: { inputs: ['price_data', 'trade'], key: 'portfolio id', scope: "symbol, or '*' for the whole portfolio" },
  // VaR rows of a portfolio read its positions and the closes of its symbols: stale from a revised bar of a symbol it
  // held on a date with VaR rows, or from the first date a booking touched (scope ALL_SCOPES).
  var_calculation: { inputs: ['price_data', 'trade'], key: 'portfolio id', scope: "symbol, or '*' for the whole portfolio" },
  // Predictions of a model run read the features of their feature-set version: stale from a change of an input that
  // version reads (its feature_set.inputs), from the changed instant on. Predictions are written once, at training:
  // the mark stays open until a new model is trained, and an optimization refuses to read a stale prediction.
  model_prediction: { inputs: ['price_data', 'company_fundamental', 'document'], perKeyInputs: true, key: 'model training run id', scope: 'symbol' },
  // An optimization read the closes of its universe (and market) up to its as-of, the predictions derived from them and
  // a turnover portfolio's positions: stale from a revised bar of one of its symbols on or before its as-of (scope the
  // symbol), or a booking in that portfolio on or before it (scope '*'). Never recomputed in place: a new run is a new
  // row, so the mark stays, and allocating a stale optimization is refused.
  portfolio_optimization: { inputs: ['price_data', 'trade'], key: 'optimization id', scope: "symbol, or '*' for a booking in its turnover portfolio" },
};

/** The scope of a mark that covers every scope of its key (a booking changes the whole portfolio). */
export const ALL_SCOPES = '*';

/** The derived kinds computed from `input`. */
export function derivedFrom(input: InputDataset): DerivedKind[] {
  return (Object.keys(DERIVED_KINDS) as DerivedKind[]).filter((k) => DERIVED_KINDS[k].inputs.includes(input));
}

/** One stale derived scope: its rows from `staleFrom` on were computed from inputs that changed since. */
export interface StaleScope {
  kind: DerivedKind;
  key: string;
  scope: string;
  interval: string;
  /** ISO timestamp. */
  staleFrom: string;
  /** Why: the input dataset and the PipelineRun that changed it (null: outside a pipeline run). */
  cause: { input: InputDataset; pipelineRunId: string | null };
  /** ISO timestamp. */
  markedAt: string;
}
