// What crosses the workflow/activity boundary for risk: ids, dates, method names and counts, never return matrices.
// Pure (zod only), so workflows import the schema and the CLI checks flags against the same one.
import { z } from 'zod';
import { portfolioIdSchema } from './portfolio';
import { isoDateSchema, withDateRange } from './schemas';

export const RISK_METHOD_NAMES = [
  'historical', 'age_weighted_historical', 'filtered_historical', 'parametric_normal', 'parametric_t', 'cornish_fisher', 'monte_carlo',
] as const;
export type RiskMethodName = (typeof RISK_METHOD_NAMES)[number];
export const DEFAULT_LEVELS = [0.95, 0.975, 0.99];
export const DEFAULT_HORIZONS = [1, 10];

export const riskOptionsSchema = z.object({
  /** Daily returns in each window. @default 500 */
  window: z.number().int().min(30).max(5000).default(500),
  /** Age weights' decay (age_weighted_historical). @default 0.98 */
  ageDecay: z.number().gt(0).lt(1).default(0.98),
  /** EWMA decay (filtered_historical, and covariance 'ewma'). @default 0.94 */
  ewmaLambda: z.number().gt(0).lt(1).default(0.94),
  /** Covariance of the parametric methods. @default 'sample' */
  covariance: z.enum(['sample', 'ewma']).default('sample'),
  /** Monte Carlo paths. @default 10000 */
  paths: z.number().int().min(100).max(1_000_000).default(10_000),
  /** Monte Carlo seed: each date's stream is seeded from it and the date (both stored on the row). @default 1 */
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  /** Monte Carlo shocks. @default 'normal' */
  shocks: z.enum(['normal', 't']).default('normal'),
}).strict();
export type RiskOptions = z.output<typeof riskOptionsSchema>;

export const riskRunInputSchema = withDateRange(z.object({
  portfolioId: portfolioIdSchema,
  /** First as-of date. Default: 250 sessions before `to` (one Basel backtest year), or the first valued date. */
  from: isoDateSchema.optional(),
  /** Last as-of date. Default: the last valued date of the portfolio. */
  to: isoDateSchema.optional(),
  methods: z.array(z.enum(RISK_METHOD_NAMES)).min(1).default([...RISK_METHOD_NAMES]),
  levels: z.array(z.number().gt(0.5).lt(1)).min(1).default(DEFAULT_LEVELS),
  horizons: z.array(z.number().int().min(1).max(60)).min(1).default(DEFAULT_HORIZONS),
  options: riskOptionsSchema.default(riskOptionsSchema.parse({})),
  /** Value the portfolio first (portfolioValuation's activities) so stale positions are brought up to date. @default false */
  revalue: z.boolean().default(false),
  /** Backtest the stored VaR series over the range after computing it. @default true */
  backtest: z.boolean().default(true),
}).strict());
export type RiskRunInput = z.input<typeof riskRunInputSchema>;
export type RiskRunConfig = z.output<typeof riskRunInputSchema>;

export interface PlanRiskArgs {
  portfolioId: string;
  from?: string;
  to?: string;
}

export interface RiskPlan {
  portfolioId: string;
  from: string;
  to: string;
  sessions: number;
}

export interface ComputeRiskArgs {
  pipelineRunId: string;
  portfolioId: string;
  from: string;
  to: string;
  methods: RiskMethodName[];
  levels: number[];
  horizons: number[];
  options: RiskOptions;
}

export interface ComputeRiskResult {
  dates: number;
  rows: number;
  /** Rows without a number (too little history), with their reason. */
  insufficient: number;
  fallbacks: number;
  firstReason: string | null;
  lastDay: string | null;
}

export interface BacktestRiskArgs {
  pipelineRunId: string;
  portfolioId: string;
  from: string;
  to: string;
}

export interface BacktestSummaryRow {
  method: string;
  level: number;
  horizon: number;
  observations: number;
  exceptions: number;
  trafficLight: 'green' | 'yellow' | 'red';
  kupiecP: number;
  esVerdict: string;
}

export interface BacktestRiskResult {
  backtests: BacktestSummaryRow[];
  pnlRows: number;
  /** Quality rules that failed (warn by default): the red-zone rule names the methods. */
  qualityWarnings: string[];
  redZone: string[];
}
