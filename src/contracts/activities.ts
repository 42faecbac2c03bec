// Shapes that cross the workflow/activity boundary: references and counts, never bulk data.

export interface ScopeArgs {
  pipelineRunId: string;
  symbols: string[];
  interval: string;
  from: string;
  to: string;
}

export type PriceSource = 'bundled' | 'csv' | 'jsonl' | 'synthetic' | 'yahoo' | 'alphavantage' | 'polygon' | 'tiingo';
export type FundamentalsSource = 'alphavantage' | 'tiingo' | 'sec-edgar';

export interface FundamentalsArgs {
  pipelineRunId: string;
  symbols: string[];
  source: FundamentalsSource;
}

export interface FundamentalsResult {
  received: number;
  stored: number;
  unchanged: number;
  quarantined: number;
  exactDuplicates: number;
}

export interface ImportArgs extends ScopeArgs {
  source: PriceSource;
  sourcePath?: string;
  seed: number;
  /** Resume each symbol from its last stored bar. */
  sinceLast?: boolean;
}

/** An import's counts (the one declaration: the importer's summary extends it). received = stored + quarantined + exactDuplicates. */
export interface ImportResult {
  /** Rows inside the requested range (or whose date could not be read). */
  received: number;
  /** Bars accepted: inserted + revised + unchanged. */
  stored: number;
  inserted: number;
  revised: number;
  unchanged: number;
  quarantined: number;
  exactDuplicates: number;
  corporateActions: number;
  adjustedBars: number;
  /**
   * Per symbol, the earliest bar inserted or changed (values or adjusted close) at or before its last bar stored before
   * this import (ISO timestamp): derived data from there on was computed from prices that are gone, and the pipeline's
   * feature step recomputes from it. Appends after the last stored bar are not here.
   */
  changedFrom: Record<string, string>;
  /** Derived scopes (e.g. other feature-set versions of these symbols) marked stale by this import. */
  staleMarked: number;
}

export interface FeaturesArgs extends ScopeArgs {
  featureSet: string;
  /** ImportResult.changedFrom: per symbol, recompute the version's rows from this instant on (with warm-up), in this step. */
  changedFrom?: Record<string, string>;
}

export interface FeaturesResult {
  featureSetVersion: string;
  rows: number;
  written: number;
  features: number;
  cached: number;
  /** Symbols whose rows were recomputed from a changed bar (or an open stale mark of this version) on. */
  recomputedSymbols?: string[];
}

export interface QualityArgs extends ScopeArgs {
  featureSetVersion: string;
}

export interface QualityResult {
  rulesEvaluated: number;
  passed: number;
  blockingFailures: string[];
  warnings: string[];
  resultIds: string[];
}

export interface ExportArgs extends ScopeArgs {
  featureSetVersion: string;
  horizon: number;
  /** Inside the export folder; an existing file is refused unless `overwrite`. */
  path?: string;
  overwrite?: boolean;
  qualityResultIds: string[];
  /** csv (default), jsonl or parquet. */
  format?: 'csv' | 'jsonl' | 'parquet';
  /** Label spec (fwd_return:N, direction:N, expr:…); default fwd_return:<horizon>. */
  label?: string;
  /** More feature-set versions (or set names) joined on the same bars. */
  extraFeatureSets?: string[];
}

export interface ExportStepResult {
  path: string;
  manifestPath: string;
  rows: number;
  sha256: string;
}

export interface FinishArgs {
  pipelineRunId: string;
  status: 'completed' | 'failed' | 'cancelled';
  counts: Record<string, number>;
  error?: string;
}

export interface TrainModelArgs {
  pipelineRunId: string | null;
  /** An export file with its manifest next to it. */
  datasetPath: string;
  /** ridge (regression labels) or logistic (direction labels); default: chosen from the label. */
  model?: 'ridge' | 'logistic';
  /** L2 penalty on standardized weights. */
  l2?: number;
}

export interface TrainModelResult {
  modelTrainingRunId: string;
  model: 'ridge' | 'logistic';
  artifactPath: string;
  metrics: Record<string, number>;
}

export interface PredictArgs {
  pipelineRunId: string | null;
  modelTrainingRunId: string;
  symbols: string[];
  interval: string;
  /** Predict the latest bar per symbol at or before the end of this day (default: the latest stored). */
  asOf?: string;
}

export interface PredictResult {
  predictions: number;
  skipped: string[];
}
