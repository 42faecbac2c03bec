// The optimizePortfolio workflow's input: universe and as-of date, return and risk models, objective, constraints,
// and optionally a discrete allocation to book. Pure (zod only): workflows, activities and the CLI share it.
import { z } from 'zod';
import { isoDateSchema } from './schemas';
import { portfolioIdSchema } from './portfolio';

const symbol = z.string().regex(/^[A-Z0-9][A-Z0-9.^=-]{0,31}$/, 'symbols are upper-case tickers like AAPL or BRK-B');
const weightBound = z.number().min(-10).max(10).nullable();

export const returnModels = ['mean_historical', 'ema', 'capm', 'model_predictions'] as const;
export const riskModelNames = [
  'sample_cov', 'semicovariance', 'exp_cov', 'ledoit_wolf_constant_variance', 'ledoit_wolf_single_factor',
  'ledoit_wolf_constant_correlation', 'oracle_approximating',
] as const;
export const objectives = ['min_volatility', 'max_sharpe', 'efficient_return', 'efficient_risk', 'max_quadratic_utility', 'risk_parity', 'hrp', 'min_cvar'] as const;

export const optimizeInputSchema = z.object({
  symbols: z.array(symbol).min(2, 'an optimisation needs at least 2 symbols').max(2000),
  /** Point in time: prices dated ≤ asOf, predictions of bars ≤ asOf. Default: the last stored bar of the universe. */
  asOf: isoDateSchema.optional(),
  /** Calendar days of history before asOf the estimators read. @default 1095 (3 years) */
  lookbackDays: z.number().int().min(30).max(36500).default(1095),
  interval: z.literal('1d').default('1d'),
  returns: z.object({
    model: z.enum(returnModels).default('mean_historical'),
    /** ema: span in periods. @default 500 */
    span: z.number().positive().optional(),
    /** Geometric (true) or arithmetic annualisation. @default true */
    compounding: z.boolean().default(true),
    /** capm: the market symbol (its closes must be stored); default the equally weighted universe. */
    market: symbol.optional(),
    /** model_predictions: the ModelTrainingRun whose ModelPrediction rows are the expected returns. */
    modelTrainingRunId: z.string().uuid().optional(),
  }).strict().default({ model: 'mean_historical', compounding: true }),
  risk: z.object({
    model: z.enum(riskModelNames).default('sample_cov'),
    span: z.number().positive().optional(),
    /** semicovariance: the per-period return below which a return counts as downside. */
    benchmark: z.number().optional(),
  }).strict().default({ model: 'sample_cov' }),
  objective: z.object({
    kind: z.enum(objectives).default('max_sharpe'),
    targetReturn: z.number().optional(),
    targetVolatility: z.number().positive().optional(),
    riskAversion: z.number().positive().optional(),
    /** min_cvar: confidence level. @default 0.95 */
    beta: z.number().gt(0).lt(1).optional(),
  }).strict().default({ kind: 'max_sharpe' }),
  constraints: z.object({
    weightBounds: z.tuple([weightBound, weightBound]).optional(),
    bounds: z.record(symbol, z.tuple([weightBound, weightBound])).optional(),
    marketNeutral: z.boolean().optional(),
    sectors: z.object({
      map: z.record(symbol, z.string().min(1)),
      lower: z.record(z.string(), z.number()).optional(),
      upper: z.record(z.string(), z.number()).optional(),
    }).strict().optional(),
    /** Σ|w − current| ≤ max, current = the weights of `portfolioId`'s positions on asOf (cash left out). */
    turnover: z.object({ max: z.number().min(0), portfolioId: portfolioIdSchema }).strict().optional(),
    maxHoldings: z.number().int().min(1).optional(),
    l2Gamma: z.number().min(0).optional(),
  }).strict().default({}),
  /** Annual risk-free rate for Sharpe (and max_sharpe's tangency). @default 0 */
  riskFreeRate: z.number().min(-0.5).max(1).default(0),
  /** Points of the efficient frontier stored with the run (0 = none). @default 20 */
  frontierPoints: z.number().int().min(0).max(200).default(20),
  /** Whole shares for a budget at the latest stored prices; with portfolioId, booked into it (bookTrades). */
  allocation: z.object({
    budget: z.number().positive(),
    method: z.enum(['greedy', 'exact']).default('greedy'),
    shortRatio: z.number().min(0).optional(),
    portfolioId: portfolioIdSchema.optional(),
  }).strict().optional(),
}).strict().superRefine((v, ctx) => {
  const o = v.objective;
  if (o.kind === 'efficient_return' && o.targetReturn === undefined) ctx.addIssue({ code: 'custom', path: ['objective', 'targetReturn'], message: 'efficient_return needs targetReturn' });
  if (o.kind === 'efficient_risk' && o.targetVolatility === undefined) ctx.addIssue({ code: 'custom', path: ['objective', 'targetVolatility'], message: 'efficient_risk needs targetVolatility' });
  if (v.returns.model === 'model_predictions' && !v.returns.modelTrainingRunId) ctx.addIssue({ code: 'custom', path: ['returns', 'modelTrainingRunId'], message: 'model_predictions needs modelTrainingRunId' });
  const known = new Set(v.symbols);
  for (const s of Object.keys(v.constraints.bounds ?? {})) if (!known.has(s)) ctx.addIssue({ code: 'custom', path: ['constraints', 'bounds', s], message: `${s} is not in symbols` });
  if (new Set(v.symbols).size !== v.symbols.length) ctx.addIssue({ code: 'custom', path: ['symbols'], message: 'a symbol is listed twice' });
  if (['hrp', 'risk_parity'].includes(o.kind)) {
    const c = v.constraints;
    if (c.sectors || c.turnover || c.maxHoldings || c.marketNeutral || c.bounds || c.weightBounds) {
      ctx.addIssue({ code: 'custom', path: ['constraints'], message: `${o.kind} is long-only and fully invested by construction: it takes no constraints` });
    }
  }
});

export type OptimizeInput = z.infer<typeof optimizeInputSchema>;
export type OptimizeInputArgs = z.input<typeof optimizeInputSchema>;

export interface ProposedTrade {
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  price: number;
}

export interface OptimizeResult {
  optimizationId: string;
  objective: string;
  status: 'optimal' | 'infeasible' | 'error';
  asOf: string;
  weights: Record<string, number>;
  expectedReturn: number | null;
  volatility: number | null;
  sharpe: number | null;
  diagnostics: { constraint: string; message: string; amount: number }[];
  warnings: string[];
  allocation?: { shares: Record<string, number>; leftover: number; rmse: number; trades: ProposedTrade[]; tradeFile: string | null };
}
