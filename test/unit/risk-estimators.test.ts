// The VaR/ES estimators against published values. Each block cites where its numbers come from and the tolerance.
import {
  choleskyWithRepair, cornishFisherQuantile, cornishFisherValid, cornishFisherVarEs, empiricalVarEs, estimate, ewmaRescale, fitStudentTDof,
  normalMultipliers, overlappingReturns, sampleCovariance, seededNormal, simulatePnl, studentTMultipliers, weightedVarEs, type ReturnsWindow,
} from '../../src/risk/estimators';
import tPdf from '@stdlib/stats-base-dists-t-pdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { Matrix } from 'ml-matrix';

const f64 = (xs: number[]) => Float64Array.from(xs);

/**
 * Two assets whose SAMPLE covariance is exactly Hull's: σ₁ = 2 %, σ₂ = 1 % a day, correlation 0.3. Built from two
 * orthogonal zero-mean sequences, so the window reproduces the textbook's inputs to rounding.
 */
function hullWindow(): ReturnsWindow {
  const e1 = [1, -1, 1, -1, 1, -1, 1, -1];
  const e2 = [1, 1, -1, -1, 1, 1, -1, -1];
  const unit = Math.sqrt(8 / 7); // sample sd (ddof 1) of ±1 over 8 points
  const rho = 0.3;
  const r1 = e1.map((v) => (0.02 * v) / unit);
  const r2 = e1.map((v, i) => (0.01 * (rho * v + Math.sqrt(1 - rho * rho) * e2[i])) / unit);
  return { symbols: ['MSFT', 'T'], returns: [f64(r1), f64(r2)], exposures: f64([10_000_000, 5_000_000]) };
}

describe('historical simulation', () => {
  // empyrical, tests/test_stats.py `test_value_at_risk` (quantopian/empyrical): value_at_risk(returns, cutoff) is the
  // cutoff percentile with numpy's linear interpolation; our VaR at level α is minus that percentile at 1 − α.
  it.each([
    [[1.0, 2.0], 0.0, 1.0], [[1.0, 2.0], 0.3, 1.3], [[1.0, 2.0], 1.0, 2.0],
    [[1, 81, 82, 83, 84, 85], 0.1, 41], [[1, 81, 82, 83, 84, 85], 0.2, 81], [[1, 81, 82, 83, 84, 85], 0.3, 81.5],
  ])('empyrical value_at_risk(%j, cutoff=%d) = %d (8 decimals)', (returns, cutoff, expected) => {
    expect(-empiricalVarEs(f64(returns), 1 - cutoff).var).toBeCloseTo(expected, 8);
  });

  // empyrical `test_conditional_value_at_risk`: CVaR = mean of the returns at or below value_at_risk(returns, cutoff).
  it('ES is the mean of the scenarios at or below the VaR quantile (empyrical conditional_value_at_risk)', () => {
    expect(-empiricalVarEs(f64([1, 81, 82, 83, 84, 85]), 0.7).es).toBeCloseTo((1 + 81) / 2, 10);
    expect(-empiricalVarEs(f64([0.013]), 0.99).es).toBeCloseTo(0.013, 12); // a single value is its own CVaR
  });

  // numpy.percentile documentation example: np.percentile([[10, 7, 4], [3, 2, 1]], 50) == 3.5.
  it('uses numpy percentile linear interpolation (numpy docs: percentile of [10,7,4,3,2,1] at 50 = 3.5)', () => {
    expect(-empiricalVarEs(f64([10, 7, 4, 3, 2, 1]), 0.5).var).toBeCloseTo(3.5, 12);
  });

  it('age weighting with weights equal to 1/n is the equally weighted tail (ES as the tail mean)', () => {
    const pnl = f64(Array.from({ length: 100 }, (_, i) => i - 50));
    const w = new Float64Array(100).fill(0.01);
    const e = weightedVarEs(pnl, w, 0.95);
    expect(e.var).toBeCloseTo(46, 10); // the 5th worst of −50…49
    expect(e.es).toBeCloseTo(48, 10); // mean of −50…−46
  });

  it('10-day figures come from overlapping compounded returns', () => {
    const daily = f64([0.01, -0.02, 0.03, 0.0, 0.01]);
    const two = overlappingReturns(daily, 2);
    expect(Array.from(two)).toHaveLength(4);
    expect(two[0]).toBeCloseTo(1.01 * 0.98 - 1, 14);
    expect(two[3]).toBeCloseTo(1.0 * 1.01 - 1, 14);
    const [e] = estimate({ symbols: ['A'], returns: [daily], exposures: f64([100]) }, { method: 'historical', levels: [0.99], horizon: 2 });
    expect(e.horizonScaling).toBe('overlapping');
  });
});

describe('parametric (variance-covariance)', () => {
  // Hull, "Risk Management and Financial Institutions" 3e, ch. 15 (and "Options, Futures, and Other Derivatives"):
  // $10M in Microsoft (σ 2 %/day) and $5M in AT&T (σ 1 %/day), ρ = 0.3: the 1-day σ of the portfolio is $220,227 and
  // the 10-day 99 % VaR is 220,227 × √10 × 2.33 = $1,622,657 (Hull rounds z to 2.33; we use z = 2.3263).
  it('reproduces Hull’s Microsoft and AT&T example (σ to $1, VaR to 0.01 % after the z rounding)', () => {
    const [e] = estimate(hullWindow(), { method: 'parametric_normal', levels: [0.99], horizon: 10 });
    expect(e.parameters.sigma1d as number).toBeCloseTo(220_227, -1);
    expect((e.var / (e.parameters.z as number)) * 2.33).toBeCloseTo(1_622_657, -2);
    expect(e.horizonScaling).toBe('sqrt_time');
    // Euler allocation: the components add up to the VaR.
    const sum = e.contributions!.reduce((s, c) => s + c.component, 0);
    expect(sum).toBeCloseTo(e.var, 4);
    // Hull's incremental view: MSFT alone is 1,473,621 with z = 2.33; its component is below its standalone VaR.
    expect(e.contributions![0].component).toBeLessThan(1_473_621 * (e.parameters.z as number) / 2.33);
  });

  // Hull RMFI 3e, Example 12.x ("VaR and ES" chapter): 10-day change normal with mean 0 and σ = $20M: 99 % VaR
  // $46.53M, ES = 20 × e^(−2.326²/2) / (√(2π) × 0.01) = $53.30M.
  it('normal ES multiplier reproduces Hull’s $46.53M VaR and $53.30M ES (to $0.01M)', () => {
    const k = normalMultipliers(0.99);
    expect(20 * k.var).toBeCloseTo(46.53, 2);
    expect(20 * k.es).toBeCloseTo(53.3, 1);
  });

  it('Student t multipliers: ES equals the tail integral of the (library) density, and tends to the normal as ν grows', () => {
    // McNeil, Frey & Embrechts (2005), Example 2.19: ES of a standard t = g(q)/(1−α) · (ν + q²)/(ν − 1); checked here
    // against the defining integral ES = (1/(1−α)) ∫_q^∞ x f(x) dx of stdlib's t density (trapezoid in log x, 1e-3 relative).
    for (const nu of [3, 5, 10]) {
      const k = studentTMultipliers(nu, 0.975);
      const q = tQuantile(0.975, nu);
      const n = 20_000, top = Math.log(1e5 / q);
      let integral = 0;
      for (let j = 0; j <= n; j++) {
        const x = q * Math.exp((j / n) * top);
        integral += (j === 0 || j === n ? 0.5 : 1) * x * tPdf(x, nu) * x * (top / n); // dx = x d(log x)
      }
      expect(k.es / ((integral / 0.025) * Math.sqrt((nu - 2) / nu))).toBeCloseTo(1, 3);
    }
    const big = studentTMultipliers(1e6, 0.99);
    expect(big.var).toBeCloseTo(normalMultipliers(0.99).var, 4);
  });

  it('fits Student t degrees of freedom by maximum likelihood (seeded t(5) sample of 4,000 → ν within 25 %)', () => {
    const normal = seededNormal(7);
    const n = 4_000;
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let chi = 0;
      for (let k = 0; k < 5; k++) chi += normal() ** 2;
      x[i] = normal() / Math.sqrt(chi / 5);
    }
    const nu = fitStudentTDof(x);
    expect(nu).toBeGreaterThan(3.75);
    expect(nu).toBeLessThan(6.25);
  });
});

describe('Cornish-Fisher', () => {
  it('is the normal quantile without skew or kurtosis', () => {
    expect(cornishFisherQuantile(0.01, 0, 0)).toBeCloseTo(-2.3263478740, 9);
  });

  // Maillard (2012), "A User's Guide to the Cornish Fisher Expansion" (SSRN 1997178): the expansion is a valid
  // quantile function only where it is monotone; with zero skewness that is 0 ≤ K ≤ 8, and skewness narrows it.
  it('domain of validity: zero skew valid for 0 ≤ K ≤ 8, narrower with skew (Maillard 2012)', () => {
    expect(cornishFisherValid(0, 0)).toBe(true);
    expect(cornishFisherValid(0, 8)).toBe(true);
    expect(cornishFisherValid(0, 8.01)).toBe(false);
    expect(cornishFisherValid(0, -0.01)).toBe(false);
    expect(cornishFisherValid(1, 4)).toBe(true);
    expect(cornishFisherValid(2, 4)).toBe(false);
  });

  it('the domain check agrees with monotonicity of the expansion on a fine grid', () => {
    const grid = Array.from({ length: 1999 }, (_, i) => (i + 1) / 2000);
    for (const skew of [-2, -1, -0.5, 0, 0.5, 1.5]) {
      for (const k of [-1, 0, 1, 3, 5, 7, 9]) {
        const q = grid.map((p) => cornishFisherQuantile(p, skew, k));
        const monotone = q.every((v, i) => i === 0 || v >= q[i - 1] - 1e-12);
        // The grid reaches |z| ≈ 3.5, so only a check that says "valid" must be monotone there.
        if (cornishFisherValid(skew, k)) expect(monotone).toBe(true);
        if (!monotone) expect(cornishFisherValid(skew, k)).toBe(false);
      }
    }
  });

  it('flags and falls back to historical outside the domain, never a silently wrong number', () => {
    // One huge loss among small moves: excess kurtosis far beyond 6.
    const pnl = f64([...Array.from({ length: 199 }, (_, i) => (i % 2 ? 1 : -1)), -100]);
    const e = cornishFisherVarEs(pnl, 0.99);
    expect(e.status).toBe('fallback');
    expect(e.reason).toMatch(/domain of validity/);
    expect(e.var).toBeCloseTo(empiricalVarEs(pnl, 0.99).var, 12);
  });
});

describe('Monte Carlo', () => {
  it('is reproducible from its seed and converges to Hull’s analytic figure (50k paths, 3 %)', () => {
    const w = hullWindow();
    const a = estimate(w, { method: 'monte_carlo', levels: [0.99], horizon: 10, options: { paths: 50_000, seed: 11 } })[0];
    const b = estimate(w, { method: 'monte_carlo', levels: [0.99], horizon: 10, options: { paths: 50_000, seed: 11 } })[0];
    expect(a.var).toBe(b.var);
    expect(a.parameters.seed).toBe(11);
    // Hull's 10-day 99 % VaR with the exact z: 220,227 × √10 × 2.3263.
        expect(Math.abs(a.var / (220_227 * Math.sqrt(10) * 2.3263478740) - 1)).toBeLessThan(0.03);
    const c = estimate(w, { method: 'monte_carlo', levels: [0.99], horizon: 10, options: { paths: 50_000, seed: 12 } })[0];
    expect(c.var).not.toBe(a.var);
  });

  it('repairs a covariance that is not positive definite, with a warning', () => {
    const cov = new Matrix([[1, 1, 0], [1, 1, 0], [0, 0, 1]]); // singular: two perfectly correlated assets
    const { lower, warning } = choleskyWithRepair(cov);
    expect(warning).toMatch(/not positive definite: 1 of 3 eigenvalues clipped/);
    const back = lower.mmul(lower.transpose());
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(back.get(i, j)).toBeCloseTo(cov.get(i, j), 6);
    // Fewer days than assets: the sample covariance is singular and Monte Carlo says so instead of failing.
    const normal = seededNormal(3);
    const returns = Array.from({ length: 5 }, () => f64(Array.from({ length: 4 }, () => normal() * 0.01)));
    expect(choleskyWithRepair(sampleCovariance(returns)).warning).toMatch(/eigenvalues clipped/);
    const [e] = estimate({ symbols: ['a', 'b', 'c', 'd', 'e'], returns, exposures: f64([1, 1, 1, 1, 1]) }, { method: 'monte_carlo', levels: [0.99], horizon: 1, options: { paths: 1000 } });
    expect(e.warnings[0]).toMatch(/not positive definite/);
  });

  it('t shocks keep the covariance (sample variance of simulated P&L ≈ the analytic one)', () => {
    const pnl = simulatePnl([[1, 0], [0.5, Math.sqrt(0.75)]], f64([1, 1]), 40_000, 5, 6);
    let s2 = 0;
    for (const x of pnl) s2 += x * x;
    expect(s2 / pnl.length / 3).toBeCloseTo(1, 1); // var of x1 + x2 = 1 + 1 + 2 × 0.5 = 3
  });
});

describe('filtered historical simulation', () => {
  // RiskMetrics Technical Document (J.P. Morgan/Reuters 1996), §5.2: σ²ₜ₊₁ = λσ²ₜ + (1 − λ)r²ₜ with λ = 0.94.
  it('rescales each return by the EWMA volatility now over the volatility then (RiskMetrics recursion)', () => {
    const r = f64([0.01, -0.02, 0.015]);
    const v0 = (0.01 ** 2 + 0.02 ** 2 + 0.015 ** 2) / 3;
    const v1 = 0.94 * v0 + 0.06 * 0.01 ** 2;
    const v2 = 0.94 * v1 + 0.06 * 0.02 ** 2;
    const v3 = 0.94 * v2 + 0.06 * 0.015 ** 2;
    const out = ewmaRescale(r, 0.94);
    expect(out[0]).toBeCloseTo((0.01 * Math.sqrt(v3)) / Math.sqrt(v0), 14);
    expect(out[1]).toBeCloseTo((-0.02 * Math.sqrt(v3)) / Math.sqrt(v1), 14);
    expect(out[2]).toBeCloseTo((0.015 * Math.sqrt(v3)) / Math.sqrt(v2), 14);
  });
});

describe('one date, every horizon', () => {
  it('normal Monte Carlo simulates once per date: the 10-day row is √10 × the 1-day row, as a separate 10-day estimate', async () => {
    const { estimateDate } = await import('../../src/risk/risk-run');
    const { riskOptionsSchema } = await import('../../src/contracts/risk');
    const n = 40;
    const normal = seededNormal(9);
    const closes = [0, 1].map(() => {
      const c = new Float64Array(n + 1);
      c[0] = 100;
      for (let t = 1; t <= n; t++) c[t] = c[t - 1] * (1 + 0.01 * normal());
      return c;
    });
    const sessions = Array.from({ length: n + 1 }, (_, t) => `2020-01-${String(t + 1).padStart(2, '0')}`);
    const cfg = { methods: ['monte_carlo' as const], levels: [0.99], horizons: [1, 10], options: riskOptionsSchema.parse({ window: 40, paths: 2000, seed: 5 }) };
    const rows = estimateDate({ asOf: sessions[n], sessions, lead: 0, symbols: ['A', 'B'], closes, exposures: f64([1000, 2000]) }, new Map([['A', '2000-01-01'], ['B', '2000-01-01']]), 'p', cfg);
    expect(rows.map((r) => r.horizonScaling)).toEqual(['none', 'sqrt_time']);
    expect(rows[1].var!).toBeCloseTo(rows[0].var! * Math.sqrt(10), 9);
    const returns = closes.map((c) => c.slice(1).map((v, t) => v / c[t] - 1));
    const [direct] = estimate({ symbols: ['A', 'B'], returns, exposures: f64([1000, 2000]) }, { method: 'monte_carlo', levels: [0.99], horizon: 10, options: { paths: 2000, seed: rows[0].parameters.seed as number } });
    expect(rows[1].var!).toBeCloseTo(direct.var, 9);
  });
});
