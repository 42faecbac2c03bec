// Risk stage (numbers only; the riskRun e2e test covers the database path):
//   historical  VaR/ES at 95/97.5/99 % of 500 positions for every session of 10 years (2,500 dates, 500-return window)
//   parametric  the same with the variance-covariance method (Euler contributions included)
//               limit for both: per date, one pass over its window of the returns matrix (the P&L vector R·V alone)
//   monte carlo 10,000 correlated paths × 500 assets (covariance, Cholesky with repair, simulation, quantiles)
//               limit   drawing the same 10,000 × 500 seeded normals and nothing else
//   memory      peak live memory of the historical pass over a quarter of the dates and over all of them (flat: ≈ 1)
// Dates run in chunks of RISK_CHUNK sessions as riskRun does; each chunk's closes are generated for its own window only.
import { estimateDate, MAX_FILLED_SESSIONS, RISK_CHUNK, type RiskConfig } from '../../src/risk/risk-run';
import { estimate, seededNormal, type RiskMethod } from '../../src/risk/estimators';
import { riskOptionsSchema } from '../../src/contracts/risk';
import { measure, peakLiveMemoryMb, rate, type BenchContext, type BenchResult, type BenchStage } from './harness';

const WINDOW = 500;
const LEVELS = [0.95, 0.975, 0.99];

/** A deterministic pseudo-random number in [-0.5, 0.5) from (i, t): prices without storing a history. */
function noise(i: number, t: number): number {
  let h = Math.imul(i + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(t + 0x27d4eb2f, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 2 ** 32 - 0.5;
}
const price = (i: number, t: number) => 100 * Math.exp(0.0002 * t + 0.2 * Math.sin(t / 60 + i) + 0.03 * noise(i, t) + 0.01 * noise(7, t));

/**
 * Runs `methods` for dates [0, dates), chunk by chunk (yielding between chunks, as the activity does between
 * transactions, so the memory sampler runs); `perDate` replaces the estimate (for the lower bound).
 */
async function rolling(assets: number, dates: number, methods: RiskMethod[], perDate?: (closes: Float64Array[], j: number, v: Float64Array) => void): Promise<number> {
  const cfg: RiskConfig = { methods, levels: LEVELS, horizons: [1], options: riskOptionsSchema.parse({ window: WINDOW }) };
  const symbols = Array.from({ length: assets }, (_, i) => `S${i}`);
  const firstBar = new Map(symbols.map((s) => [s, '1900-01-01']));
  let rows = 0;
  for (let c = 0; c < dates; c += RISK_CHUNK) {
    const chunk = Math.min(RISK_CHUNK, dates - c);
    const lead = WINDOW + MAX_FILLED_SESSIONS;
    const span = lead + chunk;
    const t0 = c; // timeline index of the slice's first session
    const closes = symbols.map((_, i) => Float64Array.from({ length: span }, (__, k) => price(i, t0 + k)));
    const sessions = Array.from({ length: span }, (_, k) => `t${t0 + k}`);
    for (let d = 0; d < chunk; d++) {
      const j = lead + d;
      const exposures = Float64Array.from(symbols, (_, i) => 10_000 * (1 + (i % 7)) * (price(i, t0 + j) / 100));
      if (perDate) {
        perDate(closes, j, exposures);
        rows++;
        continue;
      }
      const from = j - WINDOW - MAX_FILLED_SESSIONS;
      rows += estimateDate({ asOf: sessions[j], sessions: sessions.slice(from, j + 1), lead: MAX_FILLED_SESSIONS, symbols, closes: closes.map((col) => col.subarray(from, j + 1)), exposures },
        firstBar, 'bench', cfg).length;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return rows;
}

/** The irreducible work of a full revaluation: each date's scenario P&L sₜ = Σᵢ Vᵢ rᵢₜ, read once from the closes. */
function pnlPass(closes: Float64Array[], j: number, v: Float64Array): number {
  const s = new Float64Array(WINDOW);
  for (let i = 0; i < closes.length; i++) {
    const col = closes[i], vi = v[i];
    for (let t = 0; t < WINDOW; t++) s[t] += vi * (col[j - WINDOW + t + 1] / col[j - WINDOW + t] - 1);
  }
  return s[0];
}

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const assets = Math.max(20, Math.round(500 * ctx.scale));
  const dates = Math.max(42, Math.round(2500 * ctx.scale));
  const paths = Math.max(1000, Math.round(10_000 * ctx.scale));
  const results: BenchResult[] = [];

  ctx.log(`lower bound: one pass over each date's ${WINDOW} × ${assets} returns window, ${dates} dates`);
  let sink = 0;
  const bound = await measure(() => rolling(assets, dates, [], (closes, j, v) => {
    sink += pnlPass(closes, j, v);
  }));
  for (const method of ['historical', 'parametric_normal'] as const) {
    ctx.log(`${method}: ${assets} positions × ${dates} dates`);
    const m = await measure(() => rolling(assets, dates, [method]));
    results.push({
      name: method === 'historical' ? 'risk.historical_10y' : 'risk.parametric_10y', value: rate(dates, m.seconds), unit: 'dates/s',
      limit: 'one pass over each date\'s window computing its P&L vector (R·V)', ratio: bound.seconds / m.seconds,
      note: `${assets} positions, ${dates} dates × 3 levels in ${m.seconds.toFixed(1)} s; bound ${bound.seconds.toFixed(1)} s`,
    });
  }

  ctx.log(`monte carlo: ${paths} paths × ${assets} assets`);
  const normal = seededNormal(1);
  const window = { symbols: Array.from({ length: assets }, (_, i) => `S${i}`), returns: Array.from({ length: assets }, (_, i) => Float64Array.from({ length: WINDOW }, (__, t) => price(i, t + 1) / price(i, t) - 1)), exposures: new Float64Array(assets).fill(10_000) };
  const draws = await measure(async () => {
    for (let k = 0; k < paths * assets; k++) sink += normal();
  });
  const mc = await measure(async () => estimate(window, { method: 'monte_carlo', levels: LEVELS, horizon: 1, options: { paths, seed: 3 } }));
  results.push({
    name: 'risk.monte_carlo_paths', value: rate(paths, mc.seconds), unit: 'paths/s', limit: `drawing the same ${paths} × ${assets} seeded normals`, ratio: draws.seconds / mc.seconds,
    note: `${assets} assets in ${mc.seconds.toFixed(2)} s (${mc.result[0].warnings.length ? 'covariance repaired' : 'positive definite'}); draws ${draws.seconds.toFixed(2)} s`,
  });

  const quarter = Math.max(RISK_CHUNK, Math.round(dates / 4));
  const memQuarter = await peakLiveMemoryMb(() => rolling(assets, quarter, ['historical']));
  const memAll = await peakLiveMemoryMb(() => rolling(assets, dates, ['historical']));
  results.push({
    name: 'risk.peak_memory', value: memAll, unit: 'MiB', limit: `peak live memory over a quarter of the dates (${memQuarter.toFixed(1)} MiB)`,
    ratio: (1 + memQuarter) / (1 + memAll), note: `flat: ratio ≈ 1 (sink ${Number.isFinite(sink) ? 'ok' : 'nan'})`,
  });
  return results;
}

export const bench: BenchStage = { stage: 'risk', run };
