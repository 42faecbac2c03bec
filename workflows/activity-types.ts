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

export interface ImportResult {
  received: number;
  stored: number;
  inserted: number;
  revised: number;
  unchanged: number;
  quarantined: number;
  exactDuplicates: number;
  corporateActions: number;
  adjustedBars: number;
}

export interface FeaturesArgs extends ScopeArgs {
  featureSet: string;
}

export interface FeaturesResult {
  featureSetVersion: string;
  rows: number;
  written: number;
  features: number;
  cached: number;
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
  path?: string;
  qualityResultIds: string[];
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
