// A portfolio's VaR and ES for every session of a range, by each method, level and horizon, and the backtest of the
// stored series against realised P&L.
//
// Point in time: the row of date d reads only the positions at the close of d and closes of sessions ≤ d. price_data
// keeps one (the latest) version of each bar: a revision later than d is not "as stored by d", so revisions mark the
// rows from the revised bar on stale (derived kind var_calculation) and a rerun recomputes them.
//
// Memory stays flat in the number of dates: dates are processed in chunks of RISK_CHUNK sessions, each reading only
// its own window of closes, and each chunk is written in its own transaction (an upsert per row: idempotent), so a
// resumed run continues after the last chunk it committed.
import type { DataSource, EntityManager } from 'typeorm';
import { InputError, StaleDataError } from '../contracts/errors';
import type { BacktestRiskResult, BacktestSummaryRow, ComputeRiskArgs, ComputeRiskResult, RiskOptions } from '../contracts/risk';
import type { DerivedStalenessRepository } from '../repositories/derived-staleness-repository';
import type { BacktestRow, PnlRow, RiskRepository, VarRow } from '../repositories/risk-repository';
import { backtest, type BacktestObservation } from './backtest';
import { estimate, type RiskMethod, type ReturnsWindow } from './estimators';

/** Sessions computed and written per transaction. */
export const RISK_CHUNK = 21;
/** The longest run of missing sessions bridged by carrying the last close (listed on the row); longer gaps are an error. */
export const MAX_FILLED_SESSIONS = 5;

export interface RiskConfig {
  methods: RiskMethod[];
  levels: number[];
  horizons: number[];
  options: RiskOptions;
}

/** One as-of date's closes: per held symbol, the closes of the window's sessions (NaN where no bar), oldest first. */
export interface WindowCloses {
  asOf: string;
  /** `lead` sessions that only carry a close into a gap at the window's start, then the window's N + 1, the last being asOf. */
  sessions: string[];
  lead: number;
  symbols: string[];
  closes: Float64Array[];
  exposures: Float64Array;
}

export type WindowOutcome =
  | { kind: 'ok'; window: ReturnsWindow; filled: Record<string, string[]> }
  | { kind: 'insufficient'; reason: string };

/**
 * Daily returns of a window, bridging gaps of up to MAX_FILLED_SESSIONS sessions with the last close (named in
 * `filled`, never silent). A symbol whose history starts inside the window is too little history; a longer gap
 * inside it is an InputError naming the symbol and the missing dates.
 */
export function windowReturns(w: WindowCloses, firstBar: Map<string, string>, portfolioId: string): WindowOutcome {
  const n = w.sessions.length - 1 - w.lead;
  const windowStart = w.sessions[w.lead];
  const returns: Float64Array[] = [];
  const filled: Record<string, string[]> = {};
  for (let i = 0; i < w.symbols.length; i++) {
    const symbol = w.symbols[i];
    const c = w.closes[i];
    const first = firstBar.get(symbol);
    if (!first || first > windowStart) {
      return { kind: 'insufficient', reason: `${symbol}: ${first ? `daily closes start ${first}` : 'no stored daily closes'}; a ${n}-return window on ${w.asOf} needs them from ${windowStart}` };
    }
    const r = new Float64Array(n);
    const missing: string[] = [];
    let last = Number.NaN;
    let run = 0;
    const longGaps: string[] = [];
    for (let t = 0; t < w.sessions.length; t++) {
      let v = c[t];
      if (Number.isNaN(v)) {
        run++;
        if (t >= w.lead) {
          missing.push(w.sessions[t]);
          if (run > MAX_FILLED_SESSIONS || Number.isNaN(last)) longGaps.push(w.sessions[t]);
        }
        v = last;
      } else run = 0;
      if (t > w.lead) r[t - w.lead - 1] = v / last - 1;
      last = v;
    }
    if (longGaps.length > 0) {
      const gap = missing;
      throw new InputError(
        `${symbol}, held by portfolio ${portfolioId} on ${w.asOf}, has no stored daily close on ${gap.slice(0, 10).join(', ')}${gap.length > 10 ? ` and ${gap.length - 10} more sessions` : ''} `
        + `(window ${windowStart}…${w.asOf}; gaps of up to ${MAX_FILLED_SESSIONS} sessions are bridged with the last close): import its prices first`, 'risk',
      );
    }
    if (missing.length) filled[symbol] = missing;
    returns.push(r);
  }
  return { kind: 'ok', window: { symbols: w.symbols, returns, exposures: w.exposures }, filled };
}

/** Monte Carlo's seed for one date: the run's seed and the date, so each row is reproducible on its own (and after a resume). */
export function dateSeed(seed: number, asOf: string): number {
  const dayNumber = Math.floor(Date.parse(`${asOf}T00:00:00Z`) / 86_400_000);
  return ((seed * 100_003 + dayNumber) % 2_147_483_647) + 1;
}

/** Every method × horizon × level row of one as-of date. */
export function estimateDate(w: WindowCloses, firstBar: Map<string, string>, portfolioId: string, cfg: RiskConfig): VarRow[] {
  const portfolioValue = w.exposures.reduce((s, v) => s + v, 0);
  const base = { asOf: w.asOf, portfolioValue };
  const window = cfg.options.window;
  const outcome = w.symbols.length === 0 ? null : windowReturns(w, firstBar, portfolioId);
  const rows: VarRow[] = [];
  let mcOneDay: ReturnType<typeof estimate> | undefined;
  for (const method of cfg.methods) {
    for (const horizon of cfg.horizons) {
      if (outcome === null) {
        // Cash only: nothing is at risk.
        for (const level of cfg.levels) {
          rows.push({ ...base, method, level, horizon, status: 'ok', reason: 'no risky positions', var: 0, es: 0, horizonScaling: 'none', parameters: { window }, contributions: null });
        }
        continue;
      }
      if (outcome.kind === 'insufficient') {
        for (const level of cfg.levels) {
          rows.push({ ...base, method, level, horizon, status: 'insufficient_history', reason: outcome.reason, var: null, es: null, horizonScaling: 'none', parameters: { window }, contributions: null });
        }
        continue;
      }
      const seed = dateSeed(cfg.options.seed, w.asOf);
      // Normal Monte Carlo simulates one day whatever the horizon and scales by √h: simulate once per date.
      const reuse = method === 'monte_carlo' && cfg.options.shocks === 'normal';
      const oneDay = reuse ? (mcOneDay ??= estimate(outcome.window, { method, levels: cfg.levels, horizon: 1, options: { ...cfg.options, seed } })) : null;
      const estimates = oneDay
        ? oneDay.map((e) => ({ ...e, var: e.var * Math.sqrt(horizon), es: e.es * Math.sqrt(horizon), horizonScaling: horizon === 1 ? 'none' as const : 'sqrt_time' as const }))
        : estimate(outcome.window, { method, levels: cfg.levels, horizon, options: { ...cfg.options, seed } });
      estimates.forEach((e, k) => {
        rows.push({
          ...base, method, level: cfg.levels[k], horizon, status: e.status, reason: e.reason, var: e.var, es: e.es, horizonScaling: e.horizonScaling,
          parameters: {
            window, windowStart: w.sessions[w.lead], ...e.parameters, ...(method === 'monte_carlo' ? { runSeed: cfg.options.seed } : {}),
            ...(Object.keys(outcome.filled).length ? { filledCloses: outcome.filled } : {}), ...(e.warnings.length ? { warnings: e.warnings } : {}),
          },
          contributions: e.contributions ?? null,
        });
      });
    }
  }
  return rows;
}

/** Refuses (StaleDataError) when the portfolio's positions are marked stale at or before `to`. */
export async function assertPositionsFresh(staleness: DerivedStalenessRepository, portfolioId: string, to: string, em?: EntityManager): Promise<void> {
  const marks = (await staleness.open({ kind: 'portfolio_position', keys: [portfolioId], interval: '1d' }, em)).filter((m) => m.staleFrom.slice(0, 10) <= to);
  if (marks.length) {
    throw new StaleDataError(`positions of portfolio ${portfolioId}`, marks.map((m) => ({ key: m.key, scope: m.scope, staleFrom: m.staleFrom.slice(0, 10) })),
      `\`tickflow portfolio value ${portfolioId}\` (or riskRun with revalue: true)`);
  }
}

export interface RiskHooks {
  /** After each committed chunk, with its last date and the totals up to it (heartbeat them: a resume starts from both). */
  onChunk?: (lastDay: string, totals: ComputeRiskResult) => void;
  /** After each computed date, with the last committed date and its totals (a heartbeat that says the worker is alive). */
  onDate?: (lastCommitted: string | null, totals: ComputeRiskResult | null) => void;
  /** Runs in the last chunk's transaction (the lineage row), so the final write and its record commit together. */
  inLastTransaction?: (em: EntityManager, result: ComputeRiskResult) => Promise<void>;
}

/**
 * Computes and upserts the VaR rows of every session in [from, to]; resumes after `resumeAfter` when given, counting
 * the skipped chunks' rows from `resumedTotals` (the totals heartbeated with that cursor).
 */
export async function computeRisk(
  ds: DataSource, repo: RiskRepository, args: ComputeRiskArgs & { resumeAfter?: string | null; resumedTotals?: ComputeRiskResult | null }, hooks: RiskHooks = {},
): Promise<ComputeRiskResult> {
  const cfg: RiskConfig = { methods: args.methods, levels: args.levels, horizons: args.horizons, options: args.options };
  const n = cfg.options.window;
  const sessions = await repo.sessions(undefined, args.from, args.to);
  const valued = new Set(await repo.valuedDates(undefined, args.portfolioId, args.from, args.to));
  const notValued = sessions.filter((d) => !valued.has(d));
  if (notValued.length) {
    throw new InputError(`portfolio ${args.portfolioId} has no valued positions on ${notValued.slice(0, 5).join(', ')}${notValued.length > 5 ? ` and ${notValued.length - 5} more sessions` : ''}: `
      + `run tickflow portfolio value ${args.portfolioId}`, 'risk');
  }
  const before = sessions.length ? await repo.sessionsBefore(undefined, sessions[0], n + MAX_FILLED_SESSIONS) : [];
  const timeline = [...before, ...sessions];
  const resumed = args.resumeAfter ? args.resumedTotals ?? null : null;
  const result: ComputeRiskResult = {
    dates: sessions.length, rows: resumed?.rows ?? 0, insufficient: resumed?.insufficient ?? 0, fallbacks: resumed?.fallbacks ?? 0,
    firstReason: resumed?.firstReason ?? null, lastDay: resumed?.lastDay ?? null,
  };
  let committed: string | null = args.resumeAfter ?? null;
  let committedTotals: ComputeRiskResult | null = resumed ? { ...result } : null;
  for (let c = 0; c < sessions.length; c += RISK_CHUNK) {
    const chunk = sessions.slice(c, c + RISK_CHUNK);
    const lastDay = chunk[chunk.length - 1];
    const isLast = c + RISK_CHUNK >= sessions.length;
    if (args.resumeAfter && lastDay <= args.resumeAfter && !isLast) continue; // written by an earlier attempt
    const end = before.length + c + chunk.length - 1;
    const start = Math.max(0, before.length + c - n - MAX_FILLED_SESSIONS);
    const slice = timeline.slice(start, end + 1);
    const exposures = await repo.exposures(undefined, args.portfolioId, chunk[0], lastDay);
    const symbols = [...new Set(exposures.map((e) => e.symbol))].sort();
    const index = new Map(slice.map((d, i) => [d, i]));
    const closes = new Map(symbols.map((s) => [s, new Float64Array(slice.length).fill(Number.NaN)]));
    for (const p of await repo.adjustedCloses(undefined, symbols, slice[0], lastDay)) {
      const i = index.get(p.day);
      if (i !== undefined) closes.get(p.symbol)![i] = p.close;
    }
    const firstBar = await repo.firstBarDates(undefined, symbols);
    const rows: VarRow[] = [];
    for (const asOf of chunk) {
      const held = exposures.filter((e) => e.asOf === asOf);
      const j = index.get(asOf)!;
      if (j < n) {
        for (const method of cfg.methods) for (const horizon of cfg.horizons) for (const level of cfg.levels) {
          rows.push({
            asOf, method, level, horizon, status: 'insufficient_history', reason: `the exchange calendar holds ${j} sessions before ${asOf}; a ${n}-return window needs ${n}`,
            var: null, es: null, horizonScaling: 'none', parameters: { window: n }, contributions: null, portfolioValue: held.reduce((s, e) => s + e.marketValue, 0),
          });
        }
        continue;
      }
      const lead = Math.min(MAX_FILLED_SESSIONS, j - n);
      rows.push(...estimateDate({
        asOf, sessions: slice.slice(j - n - lead, j + 1), lead, symbols: held.map((e) => e.symbol),
        closes: held.map((e) => closes.get(e.symbol)!.subarray(j - n - lead, j + 1)), exposures: Float64Array.from(held.map((e) => e.marketValue)),
      }, firstBar, args.portfolioId, cfg));
      // Let the heartbeat out between dates: the estimates are synchronous.
      hooks.onDate?.(committed, committedTotals);
      await new Promise((resolve) => setImmediate(resolve));
    }
    result.rows += rows.length;
    committed = lastDay;
    for (const r of rows) {
      if (r.status === 'insufficient_history') {
        result.insufficient++;
        result.firstReason ??= `${r.asOf}: ${r.reason}`;
      }
      if (r.status === 'fallback') result.fallbacks++;
    }
    result.lastDay = lastDay;
    await ds.transaction(async (em) => {
      await repo.upsertVar(em, args.portfolioId, rows, args.pipelineRunId);
      if (isLast && hooks.inLastTransaction) await hooks.inLastTransaction(em, { ...result });
    });
    committedTotals = { ...result };
    hooks.onChunk?.(lastDay, committedTotals);
  }
  if (sessions.length === 0 && hooks.inLastTransaction) await ds.transaction((em) => hooks.inLastTransaction!(em, result));
  return result;
}

/**
 * The hypothetical P&L of each valued date's positions over each horizon (Basel's "hypothetical" outcome: the
 * positions at the close of d revalued at the close h sessions later, adjusted closes, nothing traded). A date whose
 * horizon ends after the last stored bar has no P&L yet and is left out of the backtest (counted as pending).
 */
export async function realisedPnl(repo: RiskRepository, portfolioId: string, from: string, to: string, horizons: number[], em?: EntityManager): Promise<{ rows: PnlRow[]; pending: number }> {
  const maxH = Math.max(...horizons);
  const sessions = await repo.sessions(em, from, to);
  const after = sessions.length ? await repo.sessionsAfter(em, sessions[sessions.length - 1], maxH) : [];
  const timeline = [...sessions, ...after];
  const exposures = await repo.exposures(em, portfolioId, from, to);
  const symbols = [...new Set(exposures.map((e) => e.symbol))];
  const closes = new Map<string, Map<string, number>>(symbols.map((s) => [s, new Map()]));
  const prior = await repo.sessionsBefore(em, from, MAX_FILLED_SESSIONS);
  for (const p of await repo.adjustedCloses(em, symbols, prior[0] ?? from, timeline[timeline.length - 1] ?? to)) closes.get(p.symbol)!.set(p.day, p.close);
  const lastBar = new Map([...closes].map(([s, m]) => [s, [...m.keys()].sort().pop() ?? '']));
  const allDays = [...prior, ...timeline];
  const dayIndex = new Map(allDays.map((d, i) => [d, i]));
  // The close of `symbol` on `day`, or the last one within MAX_FILLED_SESSIONS sessions before it; none after its last
  // stored bar (a day not stored yet is not a flat day).
  const closeOn = (symbol: string, dayOf: string) => {
    if (dayOf > lastBar.get(symbol)!) return undefined;
    const i = dayIndex.get(dayOf)!;
    for (let k = i; k >= Math.max(0, i - MAX_FILLED_SESSIONS); k--) {
      const v = closes.get(symbol)!.get(allDays[k]);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const byDate = new Map<string, { symbol: string; marketValue: number }[]>();
  for (const e of exposures) (byDate.get(e.asOf) ?? byDate.set(e.asOf, []).get(e.asOf)!).push(e);
  const rows: PnlRow[] = [];
  let pending = 0;
  sessions.forEach((asOf, i) => {
    for (const h of horizons) {
      const endDate = timeline[i + h];
      const held = byDate.get(asOf) ?? [];
      if (!endDate) {
        pending++;
        continue;
      }
      let pnl = 0;
      let known = true;
      for (const p of held) {
        const c0 = closeOn(p.symbol, asOf), c1 = closeOn(p.symbol, endDate);
        if (c0 === undefined || c1 === undefined) known = false;
        else pnl += p.marketValue * (c1 / c0 - 1);
      }
      if (known) rows.push({ asOf, horizon: h, endDate, pnl });
      else pending++;
    }
  });
  return { rows, pending };
}

/** Backtests every stored (method, level, horizon) series in [from, to] against the realised P&L. */
export function backtestSeries(portfolioId: string, from: string, to: string, vars: VarRow[], pnl: PnlRow[], pipelineRunId: string | null): BacktestRow[] {
  const realised = new Map(pnl.map((p) => [`${p.asOf}|${p.horizon}`, p.pnl]));
  const series = new Map<string, { method: string; level: number; horizon: number; obs: BacktestObservation[]; skipped: number }>();
  for (const v of vars) {
    const key = `${v.method}|${v.level}|${v.horizon}`;
    const s = series.get(key) ?? series.set(key, { method: v.method, level: v.level, horizon: v.horizon, obs: [], skipped: 0 }).get(key)!;
    const p = realised.get(`${v.asOf}|${v.horizon}`);
    if (v.var === null || v.es === null || p === undefined) s.skipped++;
    else s.obs.push({ asOf: v.asOf, var: v.var, es: v.es, pnl: p });
  }
  return [...series.values()].filter((s) => s.obs.length > 0).map((s) => {
    const r = backtest(s.obs, s.level);
    return {
      pipelineRunId, portfolioId, method: s.method, level: s.level, horizon: s.horizon, from, to, observations: r.observations, exceptions: r.exceptions,
      exceptionDates: r.exceptionDates, kupiecLr: r.kupiec.lr, kupiecP: r.kupiec.pValue, independenceLr: r.independence.lr, independenceP: r.independence.pValue,
      conditionalCoverageLr: r.conditionalCoverage.lr, conditionalCoverageP: r.conditionalCoverage.pValue, trafficLight: r.trafficLight,
      trafficLightObservations: r.trafficLightObservations, trafficLightExceptions: r.trafficLightExceptions, esZ2: r.es.z2, esVerdict: r.es.verdict,
      details: {
        expectedExceptions: r.expectedExceptions, withoutObservation: s.skipped, z2Critical: { '5%': r.es.critical5pct, '0.01%': r.es.critical001pct },
        outcome: 'hypothetical P&L of the positions at the close of as_of over the horizon', ...(s.horizon > 1 ? { note: 'overlapping horizons: observations are not independent, the tests are indicative' } : {}),
      },
    };
  });
}

export const summarise = (rows: BacktestRow[]): BacktestSummaryRow[] => rows.map((r) => ({
  method: r.method, level: r.level, horizon: r.horizon, observations: r.observations, exceptions: r.exceptions, trafficLight: r.trafficLight, kupiecP: r.kupiecP, esVerdict: r.esVerdict,
}));

export type { BacktestRiskResult };
