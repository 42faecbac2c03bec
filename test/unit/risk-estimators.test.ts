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

  // Boudoukh, Richardson & Whitelaw (1998), "The Best of Both Worlds" (Risk): an observation i days old gets
  // w(i) = λ^(i−1)(1 − λ)/(1 − λ^n) (restated in FRM study notes:
  // https://kenpyfin.com/blog/2018/11/08/fwd-lo-2-3-com-pare-and-contrast-the-age-weighted-the-volatility-weighted-the/).
  // Published worked value (FRM question bank Q.3035, https://www.leetquiz.com/quiz/cmr7g98r0007l01jyagny4wbx/see):
  // n = 100, λ = 0.96, the return 45 days old has weight 0.006751. A lone loss of 1 on that day, all other days 0:
  // the 95 % ES is w(45)·1/0.05, so ES × 0.05 recovers the weight (tolerance 5e-7, the published rounding).
  it('age weights reproduce the published BRW weight 0.006751 (n = 100, λ = 0.96, 45 days old)', () => {
    const r = new Float64Array(100);
    r[100 - 45] = -1; // oldest first: index n − 1 is 1 day old, so n − 45 is 45 days old
    const [e] = estimate({ symbols: ['A'], returns: [r], exposures: f64([1]) }, { method: 'age_weighted_historical', levels: [0.95], horizon: 1, options: { ageDecay: 0.96 } });
    expect(Math.abs(e.es * 0.05 - 0.006751)).toBeLessThan(5e-7);
    expect(e.var).toBeCloseTo(0, 12); // the 5 % tail reaches past the lone loss into the zero days
    expect(e.parameters.ageDecay).toBe(0.96);
  });

  // BRW (1998) weights evaluated by hand for n = 3, λ = 0.5: w(1) = 0.5/(1 − 0.125) = 4/7, w(2) = 2/7, w(3) = 1/7.
  // P&L oldest first −10 (1/7), −5 (2/7), 0 (4/7). Tail 3/7: the two losses exactly fill it, VaR = 5 and
  // ES = (10·1/7 + 5·2/7)/(3/7) = 20/3. Tail 1/7: only the oldest loss, VaR = ES = 10. (Equal weights would give VaR
  // 10 − (3/7·2)·5 interpolated instead.) Tolerance 1e-12.
  it('age weights evaluated by hand from the BRW formula (n = 3, λ = 0.5: weights 4/7, 2/7, 1/7)', () => {
    const w: ReturnsWindow = { symbols: ['A'], returns: [f64([-0.1, -0.05, 0])], exposures: f64([100]) };
    const [wide, narrow] = estimate(w, { method: 'age_weighted_historical', levels: [4 / 7, 6 / 7], horizon: 1, options: { ageDecay: 0.5 } });
    expect(wide.var).toBeCloseTo(5, 12);
    expect(wide.es).toBeCloseTo(20 / 3, 12);
    expect(narrow.var).toBeCloseTo(10, 12);
    expect(narrow.es).toBeCloseTo(10, 12);
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

  // Published Student t critical values, upper-tail probability p and ν degrees of freedom, to 3 decimals:
  // NIST/SEMATECH e-Handbook of Statistical Methods, §1.3.6.7.2 "Critical Values of the Student's t Distribution"
  // (reproduced at https://pdfcoffee.com/student-t-distribution-table-pdf-free.html), and independently T. T. Soong,
  // "Fundamentals of Probability and Statistics for Engineers", Appendix Table A.4 (page 370 of the book, online at
  // https://digilib.universitaspertamina.ac.id/ebook/Fundamentals%20of%20Probability%20and%20Statistics%20For%20Engineers/files/basic-html/page387.html). Both tables agree on
  // every value used. Our VaR multiplier is q·√((ν−2)/ν) (unit variance), so dividing that out must give the table's
  // q to its rounding (tolerance 5e-4).
  it.each([
    [5, 0.01, 3.365], [10, 0.025, 2.228], [5, 0.05, 2.015], [10, 0.01, 2.764], [3, 0.005, 5.841], [20, 0.01, 2.528],
  ])('Student t VaR multiplier: t quantile for ν = %d, upper tail %d is the published %d (NIST and Soong tables)', (nu, p, table) => {
    const k = studentTMultipliers(nu, 1 - p);
    expect(Math.abs(k.var / Math.sqrt((nu - 2) / nu) - table)).toBeLessThan(5e-4);
  });

  // McNeil, Frey & Embrechts, "Quantitative Risk Management" (2005), Example 2.19: for a standard t,
  // ES_α = g_ν(q)/(1 − α) · (ν + q²)/(ν − 1), g_ν the t density. Evaluated by hand for ν = 5, α = 0.99 with the
  // NIST table quantile q = 3.365: g_5(x) = Γ(3)/(√(5π) Γ(5/2)) (1 + x²/5)^(−3) and Γ(5/2) = 3√π/4, so the constant
  // is 8/(3π√5) = 0.379606; 1 + 3.365²/5 = 3.264645, cubed 34.794; g_5(q) = 0.010910. ES = 0.010910/0.01 ×
  // (5 + 11.3232)/4 = 4.4522 for the standard t, × √(3/5) = 3.4486 at unit variance. Tolerance 0.005 (q rounded).
  it('Student t ES multiplier matches MFE Example 2.19 evaluated by hand (ν = 5, 99 %: 4.452 standard, 3.449 unit variance)', () => {
    const k = studentTMultipliers(5, 0.99);
    expect(k.es).toBeCloseTo(3.4486, 2);
    expect(k.es / Math.sqrt(3 / 5)).toBeCloseTo(4.4522, 2);
    expect(k.var).toBeCloseTo(3.365 * Math.sqrt(3 / 5), 3);
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

  // Published worked example (AcadiFi, "How does the Cornish-Fisher expansion adjust VaR for non-normality",
  // https://www.acadifi.com/community/cornish-fisher-expansion-var-adjustment-skewness-kurtosis): μ = 0.03 %,
  // σ = 1.2 % a day, S = −0.7, K = 4.5, 99 %: z_CF = −2.326 − 0.5145 − 1.051 + 0.184 = −3.708 and VaR_CF = 4.48 %.
  // The page rounds z to −2.326 and each term to 3–4 decimals; with the exact z our quantile is −3.7093 (dz_CF/dz ≈
  // 3.65 there), so the tolerance is 0.005 on z_CF and 0.005 % on the σ·z_CF term (the page's 4.45 %). The page then
  // ADDS the mean (μ − z_CF σ = 4.48 %); with a loss reported as positive the mean offsets it, as in our
  // cornishFisherVarEs and in Hull's normal VaR, so the same inputs give −(μ + σ z_CF) = 4.42 % here.
  // The point is inside Maillard's domain.
  it('reproduces a published Cornish-Fisher worked example (S = −0.7, K = 4.5: z = −3.708, σ·z = 4.45 %)', () => {
    const z = cornishFisherQuantile(0.01, -0.7, 4.5);
    expect(z).toBeCloseTo(-3.708, 2);
    expect(-0.012 * z).toBeCloseTo(0.0445, 4);
    expect(-(0.0003 + 0.012 * z)).toBeCloseTo(0.0442, 4);
    expect(cornishFisherValid(-0.7, 4.5)).toBe(true);
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
  // Dowd, "Measuring Market Risk", volatility-weighted (Hull & White 1998) historical simulation, as quoted (text
  // and worked number) in the FRM question at https://www.gaodun.com/frm/945843.html: each return is
  // replaced by r_t·σ_now/σ_t, e.g. r_t = −2 %, σ_t = 10 %, σ_now = 20 % → −4 %. We build, by hand from the
  // RiskMetrics recursion, a window where that holds: 60 zero days, then a, −2 %, c, with λ = 0.94. We need
  // σ² = 0.01 just before the −2 % day and σ² = 0.04 after c:
  //   v₂ = λ·0.01 + (1−λ)·0.02²,  c² = (0.04 − λv₂)/(1−λ);
  //   v₀ = (a² + 0.02² + c²)/63 (the start is the mean square), 0.01 = λ⁶¹v₀ + (1−λ)a², solved for a².
  // The −2 % day must then become exactly −4 % (1e-12), and, being the one loss, it is the 99 % ES of the filtered
  // scenarios (0.04) where the raw ones give 0.02.
  it('reproduces Dowd’s volatility-weighting example: −2 % at σ 10 % becomes −4 % at σ now 20 %', () => {
    const lambda = 0.94, k = 60;
    const v2 = lambda * 0.01 + (1 - lambda) * 0.02 ** 2;
    const c2 = (0.04 - lambda * v2) / (1 - lambda);
    const d = lambda ** (k + 1) / (k + 3);
    const a2 = (0.01 - d * (0.02 ** 2 + c2)) / (1 - lambda + d);
    expect(a2).toBeGreaterThan(0);
    const r = f64([...new Array(k).fill(0), Math.sqrt(a2), -0.02, Math.sqrt(c2)]);
    const out = ewmaRescale(r, lambda);
    expect(out[k + 1]).toBeCloseTo(-0.04, 12);
    const w: ReturnsWindow = { symbols: ['A'], returns: [r], exposures: f64([1]) };
    const [filtered] = estimate(w, { method: 'filtered_historical', levels: [0.99], horizon: 1, options: { ewmaLambda: lambda } });
    const [raw] = estimate(w, { method: 'historical', levels: [0.99], horizon: 1 });
    expect(filtered.es).toBeCloseTo(0.04, 12);
    expect(raw.es).toBeCloseTo(0.02, 12);
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
