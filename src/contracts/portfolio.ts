// What crosses the workflow/activity boundary for portfolios: ids, paths, dates and counts, never ledger rows.
import { z } from 'zod';

/** Portfolio ids: what the portfolio table's CHECK allows, so a bad id fails at the edge with this message. */
export const portfolioIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'portfolio ids are letters, digits and _.- (at most 64)');

export type LotMethod = 'fifo' | 'average' | 'specific';

export interface BookTradesArgs {
  pipelineRunId: string;
  portfolioId: string;
  /** A CSV or JSON-lines trade file readable by the worker. */
  path: string;
  /** Refuse (instead of warn about) prices outside the day's stored [low, high]. */
  strict: boolean;
}

export interface BookTradesResult {
  received: number;
  booked: number;
  alreadyBooked: number;
  quarantined: number;
  warnings: string[];
  /** Valuations from this date on are stale; null when nothing was booked. */
  earliestDate: string | null;
  symbols: string[];
}

export interface PlanValuationArgs {
  portfolioId: string;
  from?: string;
  to?: string;
}

/** The range to value: from the later of `from` and the first ledger date, to `to` or the last stored bar. */
export interface ValuationPlan {
  portfolioId: string;
  from: string;
  to: string;
  /** False when the ledger is empty or the range holds no session. */
  anything: boolean;
}

export interface ValuePortfolioArgs {
  pipelineRunId: string;
  portfolioId: string;
  from: string;
  to: string;
}

export interface ValuePortfolioResult {
  sessions: number;
  positionRows: number;
  nav: string | null;
  /** Since inception, at the close of lastDay (decimal strings). */
  realisedPnl: string | null;
  unrealisedPnl: string | null;
  lastDay: string | null;
}

export interface PerformanceArgs {
  pipelineRunId: string;
  portfolioId: string;
  /** Annual risk-free rate (default 0). */
  riskFreeAnnual?: number;
}

export interface PerformanceResult {
  metrics: number;
  periods: string[];
  /** Since-inception headline figures (null where undefined). */
  inception: Record<string, number | null>;
}
