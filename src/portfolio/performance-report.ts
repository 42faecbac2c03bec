// A portfolio's PerformanceMetric rows: each metric over each period (since inception, year to date, trailing 1, 3
// and 5 years where the history covers them, each calendar year), with the conventions it was computed under.
import type { MetricRow, ValuationRow } from '../repositories/portfolio-repository';
import {
  DEFAULT_CONVENTIONS, alphaBeta, annualReturn, annualVolatility, calmarRatio, cumulativeReturn, hitRate, informationRatio, maxDrawdown, sharpeRatio,
  sortinoRatio, trackingError, turnover, xirr, type DatedFlow,
} from './performance';

export interface PerformanceInputs {
  valuations: ValuationRow[];
  /** Benchmark closes (total return where stored) by day; null when the portfolio has no benchmark. */
  benchmark: { symbol: string; closes: Map<string, number> } | null;
  /** Annual risk-free rate, compounded to a per-day rate over `periodsPerYear`. */
  riskFreeAnnual: number;
  riskFreeSource: string;
}

interface Period {
  period: string;
  start: string;
  end: string;
  partial: boolean;
}

const minusYears = (day: string, years: number) => `${Number(day.slice(0, 4)) - years}${day.slice(4)}`;

export function periodsOf(first: string, last: string): Period[] {
  const periods: Period[] = [{ period: 'inception', start: first, end: last, partial: false }];
  const jan1 = `${last.slice(0, 4)}-01-01`;
  periods.push({ period: 'ytd', start: first > jan1 ? first : jan1, end: last, partial: first > jan1 });
  for (const years of [1, 3, 5]) {
    const after = minusYears(last, years);
    if (first <= after) periods.push({ period: `${years}y`, start: next(after), end: last, partial: false });
  }
  for (let y = Number(first.slice(0, 4)); y <= Number(last.slice(0, 4)); y++) {
    const start = `${y}-01-01` < first ? first : `${y}-01-01`;
    const end = `${y}-12-31` > last ? last : `${y}-12-31`;
    periods.push({ period: String(y), start, end, partial: start !== `${y}-01-01` || end !== `${y}-12-31` });
  }
  return periods;
}

function next(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * The benchmark's return on each valued day, aligned with the portfolio's returns: from the last close it has before
 * that day, so a day without a benchmark close (a quarantined bar) is null — flat in compounding — and the next day
 * carries the whole move since; null on the first day. Compounded, the returns equal the close-to-close change.
 */
export function benchmarkDailyReturns(valuations: readonly { asOf: string }[], closes: Map<string, number>): (number | null)[] {
  let last: number | undefined;
  return valuations.map((row) => {
    const before = last;
    const close = closes.get(row.asOf);
    if (close) last = close;
    return before && close ? close / before - 1 : null;
  });
}

export function performanceMetrics(inputs: PerformanceInputs): MetricRow[] {
  const v = inputs.valuations;
  if (v.length === 0) return [];
  const ppy = DEFAULT_CONVENTIONS.periodsPerYear;
  const rf = (1 + inputs.riskFreeAnnual) ** (1 / ppy) - 1;
  const benchReturns = inputs.benchmark ? benchmarkDailyReturns(v, inputs.benchmark.closes) : v.map(() => null);
  const rows: MetricRow[] = [];
  for (const p of periodsOf(v[0].asOf, v[v.length - 1].asOf)) {
    const idx = v.map((row, i) => (row.asOf >= p.start && row.asOf <= p.end ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) continue;
    const returns = idx.map((i) => v[i].dailyReturn);
    const bench = idx.map((i) => benchReturns[i]);
    const first = idx[0];
    const last = idx[idx.length - 1];
    const conventions = {
      periodsPerYear: ppy, ddof: DEFAULT_CONVENTIONS.ddof, riskFreeAnnual: inputs.riskFreeAnnual, riskFreePerPeriod: rf, riskFreeSource: inputs.riskFreeSource,
      missingPeriods: DEFAULT_CONVENTIONS.missingPeriods, returns: 'daily time-weighted, external flows at the start of their day, chain-linked',
      benchmark: inputs.benchmark?.symbol ?? null, partial: p.partial, observations: idx.length,
    };
    const add = (metric: string, value: number | null, extra: Record<string, unknown> = {}) =>
      rows.push({ period: p.period, periodStart: v[first].asOf, periodEnd: v[last].asOf, metric, value: value !== null && Number.isFinite(value) ? value : null, conventions: { ...conventions, ...extra } });

    add('time_weighted_return', cumulativeReturn(returns));
    const flows: DatedFlow[] = [];
    const startNav = first > 0 ? Number(v[first - 1].nav) : 0;
    if (startNav !== 0) flows.push({ date: v[first].asOf, amount: -startNav });
    for (const i of idx) if (Number(v[i].externalFlow) !== 0) flows.push({ date: v[i].asOf, amount: -Number(v[i].externalFlow) });
    flows.push({ date: v[last].asOf, amount: Number(v[last].nav) });
    add('money_weighted_return', xirr(flows), { method: 'XIRR, actual/365, the starting NAV and each external flow as cash flows' });
    add('annual_return', annualReturn(returns, ppy));
    add('annual_volatility', annualVolatility(returns, ppy));
    add('sharpe_ratio', sharpeRatio(returns, rf, ppy));
    add('sortino_ratio', sortinoRatio(returns, rf, ppy), { requiredReturn: 'the risk-free rate per period' });
    const dd = maxDrawdown(returns);
    add('max_drawdown', dd.value, {
      peakDate: dd.peak >= 0 ? v[idx[dd.peak]].asOf : dd.trough >= 0 ? v[first].asOf : null, troughDate: dd.trough >= 0 ? v[idx[dd.trough]].asOf : null,
      recoveryDate: dd.recovery !== null ? v[idx[dd.recovery]].asOf : null,
    });
    add('calmar_ratio', calmarRatio(returns, ppy));
    add('hit_rate', hitRate(returns));
    const purchases = idx.reduce((s, i) => s + Number(v[i].purchases), 0);
    const sales = idx.reduce((s, i) => s + Number(v[i].sales), 0);
    const avgNav = idx.reduce((s, i) => s + Number(v[i].nav), 0) / idx.length;
    add('turnover', turnover(purchases, sales, avgNav), { method: 'SEC Form N-1A: min(purchases, sales) / average NAV over the period, not annualised' });
    if (inputs.benchmark) {
      const ab = alphaBeta(returns, bench, rf, ppy);
      add('alpha', ab.alpha, { method: 'CAPM on excess returns, (1 + mean daily alpha)^252 − 1' });
      add('beta', ab.beta);
      add('tracking_error', trackingError(returns, bench, ppy));
      add('information_ratio', informationRatio(returns, bench, ppy));
      add('benchmark_return', cumulativeReturn(bench));
    }
  }
  return rows;
}
