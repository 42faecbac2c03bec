// Portfolio optimisation against PyPortfolioOpt's own published test values, on its own test data.
// Reference: robertmartin8/PyPortfolioOpt at 65cabcee11d9 (v1.5.6), tests/test_expected_returns.py,
// tests/test_risk_models.py, tests/test_efficient_frontier.py, tests/test_efficient_cvar.py, tests/test_hrp.py and
// tests/test_discrete_allocation.py; data tests/resources/stock_prices.csv and spy_prices.csv (copied byte for byte
// into test/fixtures/pyportfolioopt). Settings as there: 252 periods a year, geometric mean returns, pairwise-complete
// sample covariance of pct_change().dropna(how='all'), and portfolio_performance(risk_free_rate=0.02) (this version's
// tests pass 0.02 explicitly; its default is 0). Each test names the PyPortfolioOpt test it reproduces and the
// tolerance: PyPortfolioOpt asserts with cvxpy's solvers at rtol 1e-7 (assert_allclose) or 6 decimals
// (assert_array_almost_equal); our QPs run in HiGHS, so objective values are compared at a relative 1e-6 unless noted.
import { capmReturn, alignTo, completeRows, meanHistoricalReturn, returnsFromPrices, emaHistoricalReturn, type Panel } from '../../src/optimize/returns';
import { covToCorr, fixNonPositiveSemidefinite, isPositiveSemidefinite, pairwiseCov, riskMatrix } from '../../src/optimize/risk-models';
import { meanVariance, type MeanVarianceObjective } from '../../src/optimize/efficient-frontier';
import type { Constraints } from '../../src/optimize/constraints';
import { hrp, hrpClusterVariance, quasiDiagonal, singleLinkage } from '../../src/optimize/hierarchical';
import { minCvar } from '../../src/optimize/cvar';
import { exactAllocation, greedyAllocation } from '../../src/optimize/discrete-allocation';
import { fixture, performance, pyportfoliooptData, readWideCsv } from '../helpers/pyportfolioopt';

const RF = 0.02;
const { prices, returns, mu, cov } = pyportfoliooptData();
const symbols = prices.symbols;

/** |actual − expected| ≤ atol + rtol·|expected| (numpy assert_allclose). */
function allClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol = 0): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = atol + rtol * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) throw new Error(`element ${i}: ${actual[i]} vs ${expected[i]} (tolerance ${tol})`);
  }
}
/** numpy assert_array_almost_equal(decimal): |actual − expected| < 1.5·10^−decimal. */
const almostEqual = (actual: ArrayLike<number>, expected: ArrayLike<number>, decimal: number) => allClose(actual, expected, 0, 1.5 * 10 ** -decimal);

async function optimise(objective: MeanVarianceObjective, constraints: Constraints = {}, c = cov, m: ArrayLike<number> = mu) {
  const out = await meanVariance({ symbols, mu: m, cov: c, constraints }, objective);
  expect(out.status).toBe('optimal');
  return out.weights;
}
const unbounded: Constraints = { weightBounds: [null, null] };
const plusMinusOne: Constraints = { weightBounds: [-1, 1] };
const sum = (w: ArrayLike<number>) => Array.from(w).reduce((a, b) => a + b, 0);
const riskCache = new Map<string, ReturnType<typeof riskMatrix>>();
/** riskMatrix(returns, model, opts), computed once per test file. */
function riskEstimate(model: Parameters<typeof riskMatrix>[1], opts: Parameters<typeof riskMatrix>[2] = {}) {
  const key = `${model}:${JSON.stringify(opts)}`;
  if (!riskCache.has(key)) riskCache.set(key, riskMatrix(returns, model, opts));
  return riskCache.get(key)!;
}
const risk = (model: Parameters<typeof riskMatrix>[1], opts: Parameters<typeof riskMatrix>[2] = {}) => riskEstimate(model, opts).cov;

describe('expected returns (test_expected_returns.py)', () => {
  test('test_returns_dataframe: 7125 return rows of 20 assets; test_log_returns_from_prices (7 decimals)', () => {
    expect(returns.dates.length).toBe(7125);
    expect(returns.columns.length).toBe(20);
    const log = returnsFromPrices(prices, true);
    almostEqual([log.columns[19][log.dates.length - 1]], [0.0001682740081102576], 7);
  });

  test('test_mean_historical_returns_dummy (rtol 1e-3 as there)', () => {
    const dummy: Panel = {
      symbols: ['a', 'b', 'c', 'd'], dates: ['1', '2', '3', '4', '5'],
      columns: [[4.0, 4.2, 3.9, 4.3, 4.1], [2.0, 2.1, 2.0, 2.1, 2.2], [0.6, 0.59, 0.58, 0.62, 0.63], [-12, -13.2, -11.3, -11.7, -10.1]].map((c) => Float64Array.from(c)),
    };
    const r = returnsFromPrices(dummy);
    allClose(meanHistoricalReturn(r, { frequency: 1 }), [0.0061922, 0.0241137, 0.0122722, -0.0421775], 1e-3);
    allClose(meanHistoricalReturn(r, { frequency: 1, compounding: false }), [0.0086560, 0.0250000, 0.0128697, -0.03632333], 1e-3);
  });

  test('test_mean_historical_returns (6 decimals)', () => {
    almostEqual(mu, [0.247967, 0.294304, 0.284037, 0.1923164, 0.371327, 0.1360093, 0.0328503, 0.1200115, 0.105540, 0.0423457, 0.1002559,
      0.1442237, -0.0792602, 0.1430506, 0.0736356, 0.238835, 0.388665, 0.226717, 0.1561701, 0.2318153], 6);
  });

  test('test_ema_historical_return_limit: span 1e10 → the arithmetic mean (6 decimals)', () => {
    almostEqual(emaHistoricalReturn(returns, { compounding: false, span: 1e10 }), meanHistoricalReturn(returns, { compounding: false }), 6);
  });

  test('test_capm_no_benchmark, risk_free_rate=0.02 (6 decimals)', () => {
    almostEqual(capmReturn(returns, { riskFreeRate: 0.02 }), [0.22148462799238577, 0.2835429647498704, 0.14693081977908462, 0.1488989354304723,
      0.4162399750335195, 0.22716772604184535, 0.3970337136813829, 0.16733214988182069, 0.31791477659742146, 0.17279931642386534,
      0.15271750464365566, 0.351778014382922, 0.32859883451716376, 0.1501938182844417, 0.268295486802897, 0.31632339201710874,
      0.27753479916328516, 0.16959588523287855, 0.3089119447773357, 0.2558719211959501], 6);
  });

  test('test_capm_with_benchmark (SPY, compounding, risk_free_rate=0.02; 6 decimals)', () => {
    const spy = returnsFromPrices(readWideCsv(fixture('spy_prices.csv')));
    const market = alignTo(returns.dates, { dates: spy.dates, values: spy.columns[0] });
    almostEqual(capmReturn(returns, { market, riskFreeRate: 0.02 }), [0.09115799375654746, 0.09905386632033128, 0.05676282405265752,
      0.06291827346436336, 0.13147799781014877, 0.10239088012000815, 0.1311567086884512, 0.07339649698626659, 0.1301248935078549,
      0.07620949056643983, 0.07629095442513395, 0.12163575425541985, 0.10400070536161658, 0.0781736030988492, 0.09185177050469516,
      0.10245700691271296, 0.11268307946677197, 0.07870087187919145, 0.1275598841214107, 0.09536788741392595], 6);
  });
});

describe('risk models (test_risk_models.py)', () => {
  const dummy: Panel = {
    symbols: ['a', 'b', 'c'], dates: ['1', '2', '3', '4', '5'],
    columns: [[4.0, 4.2, 3.9, 4.3, 4.1], [2.0, 2.1, 2.0, 2.1, 2.2], [0.6, 0.59, 0.58, 0.62, 0.63]].map((c) => Float64Array.from(c)),
  };
  test('test_sample_cov_dummy (rtol 1e-5, pandas assert_frame_equal) and test_sample_cov_log_dummy (atol 1e-5)', () => {
    const s = riskMatrix(returnsFromPrices(dummy), 'sample_cov').cov.flat().map((v) => v / 252);
    allClose(s, [0.006661687937656102, 0.00264970955585574, 0.0020849735375206195, 0.00264970955585574, 0.0023450491307634215,
      0.00096770864287974, 0.0020849735375206195, 0.00096770864287974, 0.0016396416271856837], 1e-5);
    const l = riskMatrix(returnsFromPrices(dummy, true), 'sample_cov').cov.flat().map((v) => v / 252);
    allClose(l, [0.006507, 0.002652, 0.001965, 0.002652, 0.002345, 0.000950, 0.001965, 0.000950, 0.001561], 0, 1e-5);
  });

  test('test_sample_cov_npd: the spectral repair makes the matrix PSD and says by how much', () => {
    const s = [[0.03818144, 0.04182824], [0.04182824, 0.04149209]];
    expect(isPositiveSemidefinite(s)).toBe(false);
    const { cov: fixed, repair } = fixNonPositiveSemidefinite(s);
    expect(isPositiveSemidefinite(fixed)).toBe(true);
    // The negative eigenvalue of [[a, b], [b, c]]: (a + c)/2 − √(((a − c)/2)² + b²); clipping it changes the matrix by |λ|.
    const lambda = (0.03818144 + 0.04149209) / 2 - Math.sqrt(((0.03818144 - 0.04149209) / 2) ** 2 + 0.04182824 ** 2);
    expect(repair!.negativeEigenvalues).toBe(1);
    allClose([repair!.mostNegativeEigenvalue, repair!.frobeniusChange], [lambda, -lambda], 1e-9);
    expect(repair!.message).toMatch(/not positive semidefinite \(1 negative eigenvalue/);
  });

  test('every risk model on the real data is 20×20, finite and PSD (test_risk_matrix_and_returns_data); shrinkage in (0, 1)', () => {
    for (const model of ['sample_cov', 'semicovariance', 'exp_cov', 'ledoit_wolf_constant_variance', 'ledoit_wolf_single_factor',
      'ledoit_wolf_constant_correlation', 'oracle_approximating'] as const) {
      const r = riskEstimate(model);
      expect(r.cov.length).toBe(20);
      expect(r.cov.flat().every(Number.isFinite)).toBe(true);
      expect(isPositiveSemidefinite(r.cov)).toBe(true);
      if (model.startsWith('ledoit') || model.startsWith('oracle')) expect(r.shrinkage! > 0 && r.shrinkage! < 1).toBe(true);
    }
  });

  test('test_exp_cov_limits: span 1e20 → the sample covariance (max difference < 1e-3; on the last 1,500 return rows, for time)', () => {
    const recent: Panel = { symbols, dates: returns.dates.slice(-1500), columns: returns.columns.map((c) => c.slice(-1500)) };
    const s = riskMatrix(recent, 'exp_cov', { span: 1e20 }).cov.flat();
    const c = riskMatrix(recent, 'sample_cov').cov.flat();
    expect(Math.max(...s.map((v, i) => Math.abs(v - c[i])))).toBeLessThan(1e-3);
  });

  test('test_semicovariance_benchmark: a benchmark of -0.5 gives zeros (atol 1e-4)', () => {
    allClose(riskMatrix(returns, 'semicovariance', { benchmark: -0.5 }).cov.flat(), new Array(400).fill(0), 0, 1e-4);
  });
});

describe('efficient frontier (test_efficient_frontier.py, portfolio_performance(risk_free_rate=0.02), rtol 1e-6)', () => {
  const cases: { name: string; objective: MeanVarianceObjective; constraints: Constraints; expected: number[]; cov?: () => number[][] }[] = [
    { name: 'test_min_volatility', objective: { kind: 'min_volatility' } as MeanVarianceObjective, constraints: {} as Constraints, expected: [0.15056821399482578, 0.15915084514118694, 0.8204054077060996] },
    { name: 'test_min_volatility_short', objective: { kind: 'min_volatility' } as MeanVarianceObjective, constraints: unbounded as Constraints, expected: [0.1516319319875544, 0.1555915367269669, 0.8460095886741129] },
    { name: 'test_min_volatility_L2_reg', objective: { kind: 'min_volatility' } as MeanVarianceObjective, constraints: { l2Gamma: 1 } as Constraints, expected: [0.17356099329164965, 0.1955254118258614, 0.785376140408869] },
    { name: 'test_max_sharpe_long_only', objective: { kind: 'max_sharpe', riskFreeRate: RF } as MeanVarianceObjective, constraints: {} as Constraints, expected: [0.3047768672819914, 0.22165566922402932, 1.2847714127003216] },
    { name: 'test_max_sharpe_short', objective: { kind: 'max_sharpe', riskFreeRate: RF } as MeanVarianceObjective, constraints: unbounded as Constraints, expected: [0.4937195216716211, 0.29516576454651955, 1.6049270564945908] },
    { name: 'test_max_sharpe_L2_reg', objective: { kind: 'max_sharpe', riskFreeRate: RF } as MeanVarianceObjective, constraints: { l2Gamma: 5 } as Constraints, expected: [0.2516854357026833, 0.22043282695478603, 1.051047790401043] },
    { name: 'test_max_sharpe_L2_reg_with_shorts', objective: { kind: 'max_sharpe', riskFreeRate: RF } as MeanVarianceObjective, constraints: { ...unbounded, l2Gamma: 1 } as Constraints, expected: [0.2995338981166366, 0.2234696161770517, 1.2508810052063901] },
    { name: 'test_max_quadratic_utility', objective: { kind: 'max_quadratic_utility', riskAversion: 2 } as MeanVarianceObjective, constraints: {} as Constraints, expected: [0.3677732711751504, 0.2921342197778279, 1.1904571516463793] },
    { name: 'test_max_quadratic_utility_with_shorts', objective: { kind: 'max_quadratic_utility' } as MeanVarianceObjective, constraints: plusMinusOne as Constraints, expected: [1.4170505733098597, 1.0438577623242156, 1.3383533884915872] },
    { name: 'test_max_quadratic_utility_market_neutral', objective: { kind: 'max_quadratic_utility' } as MeanVarianceObjective, constraints: { ...plusMinusOne, marketNeutral: true } as Constraints, expected: [1.248936321062371, 1.0219175004907117, 1.2025787996313317] },
    { name: 'test_max_quadratic_utility_L2_reg', objective: { kind: 'max_quadratic_utility' } as MeanVarianceObjective, constraints: { l2Gamma: 5 } as Constraints, expected: [0.19774277217586125, 0.2104822672707046, 0.8444548535162986] },
    { name: 'test_efficient_risk', objective: { kind: 'efficient_risk', targetVolatility: 0.19 } as MeanVarianceObjective, constraints: {} as Constraints, expected: [0.2552422849133517, 0.19, 1.2381172871434818] },
    { name: 'test_efficient_risk_short', objective: { kind: 'efficient_risk', targetVolatility: 0.19 } as MeanVarianceObjective, constraints: plusMinusOne as Constraints, expected: [0.30035471606347336, 0.19, 1.4755511348079207] },
    { name: 'test_efficient_risk_L2_reg', objective: { kind: 'efficient_risk', targetVolatility: 0.19 } as MeanVarianceObjective, constraints: { l2Gamma: 5 } as Constraints, expected: [0.1931352562313653, 0.18999999989010993, 0.9112381912184281] },
    { name: 'test_efficient_risk_market_neutral', objective: { kind: 'efficient_risk', targetVolatility: 0.21 } as MeanVarianceObjective, constraints: { ...plusMinusOne, marketNeutral: true } as Constraints, expected: [0.28640632960825885, 0.21, 1.2686015698590967] },
    { name: 'test_efficient_return', objective: { kind: 'efficient_return', targetReturn: 0.25 } as MeanVarianceObjective, constraints: {} as Constraints, expected: [0.25, 0.18723269942026335, 1.2284179030274036] },
    { name: 'test_efficient_return_L2_reg', objective: { kind: 'efficient_return', targetReturn: 0.25 } as MeanVarianceObjective, constraints: { l2Gamma: 1 } as Constraints, expected: [0.25, 0.20961660883459776, 1.0972412981906703] },
    { name: 'test_efficient_return_market_neutral', objective: { kind: 'efficient_return', targetReturn: 0.25 } as MeanVarianceObjective, constraints: { ...plusMinusOne, marketNeutral: true } as Constraints, expected: [0.25, 0.1833060046337015, 1.2547324920403273] },
    { name: 'test_max_sharpe_semicovariance', objective: { kind: 'max_sharpe', riskFreeRate: RF } as MeanVarianceObjective, constraints: {} as Constraints, expected: [0.2762965426962885, 0.07372667096108301, 3.476307004714425], cov: () => risk('semicovariance', { benchmark: 0 }) },
    { name: 'test_max_sharpe_short_semicovariance', objective: { kind: 'max_sharpe', riskFreeRate: RF } as MeanVarianceObjective, constraints: plusMinusOne as Constraints, expected: [0.42444834528495234, 0.0898263632679403, 4.50255727350929], cov: () => risk('semicovariance', { benchmark: 0 }) },
    { name: 'test_min_volatility_shrunk_L2_reg (Ledoit-Wolf constant correlation)', objective: { kind: 'min_volatility' } as MeanVarianceObjective, constraints: { l2Gamma: 1 } as Constraints, expected: [0.17358178582309983, 0.19563960638632416, 0.7850239972361532], cov: () => risk('ledoit_wolf_constant_correlation') },
    { name: 'test_efficient_return_shrunk (Ledoit-Wolf single factor)', objective: { kind: 'efficient_return', targetReturn: 0.22 } as MeanVarianceObjective, constraints: {} as Constraints, expected: [0.22, 0.08892163937693882, 2.2491713085967766], cov: () => risk('ledoit_wolf_single_factor') },
    { name: 'test_max_sharpe_exp_cov', objective: { kind: 'max_sharpe', riskFreeRate: RF } as MeanVarianceObjective, constraints: {} as Constraints, expected: [0.33700887443850647, 0.1807332515488447, 1.7540152225548384], cov: () => risk('exp_cov') },
    { name: 'test_min_volatility_exp_cov_L2_reg', objective: { kind: 'min_volatility' } as MeanVarianceObjective, constraints: { l2Gamma: 1 } as Constraints, expected: [0.1829496087575576, 0.17835412793427002, 0.9136295898775636], cov: () => risk('exp_cov') },
    { name: 'test_efficient_risk_exp_cov_market_neutral', objective: { kind: 'efficient_risk', targetVolatility: 0.19 } as MeanVarianceObjective, constraints: { ...plusMinusOne, marketNeutral: true } as Constraints, expected: [0.3934093962620499, 0.18999999989011893, 1.9653126130421081], cov: () => risk('exp_cov') },
  ];
  test.each(cases)('$name', async ({ objective, constraints, expected, cov: covOf }) => {
    const c = covOf ? covOf() : cov;
    const w = await optimise(objective, constraints, c);
    expect(Math.abs(sum(w) - (constraints.marketNeutral ? 0 : 1))).toBeLessThan(1e-7);
    allClose(performance(w, mu, c, RF), expected, 1e-6);
  });

  test('test_efficient_return_longshort_target (atol 1e-6 as there)', async () => {
    const m = [-0.15, -0.12, -0.1, -0.05, -0.01, 0.02, 0.03, 0.04, 0.05];
    const d = [0.2, 0.2, 0.4, 0.3, 0.1, 0.5, 0.2, 0.3, 0.1];
    const c = d.map((v, i) => d.map((_, j) => (i === j ? v : 0)));
    const out = await meanVariance({ symbols: m.map((_, i) => `A${i}`), mu: m, cov: c, constraints: { weightBounds: [-1, 1], marketNeutral: true } }, { kind: 'efficient_return', targetReturn: 0.08 });
    allClose(performance(out.weights, m, c, RF), [0.08, 0.16649041068958137, 0.3603811159542937], 0, 1e-6);
  });

  test.each([[1, 'test_efficient_return_short'], [0, 'test_efficient_return_market_neutral_unbounded']])('budget %d: %s matches the Lagrangian closed form (7 decimals)', async (budget, _name) => {
    const w = await optimise({ kind: 'efficient_return', targetReturn: 0.25 }, { ...unbounded, marketNeutral: budget === 0 });
    // simple_ef_weights: solve [[Σ, μ, 1], [μᵀ, 0, 0], [1ᵀ, 0, 0]] x = [0, target, budget].
    const n = symbols.length;
    const a = Array.from({ length: n + 2 }, (_, i) => Array.from({ length: n + 2 }, (_, j) => {
      if (i < n && j < n) return cov[i][j];
      if (i < n) return j === n ? mu[i] : 1;
      if (j < n) return i === n ? mu[j] : 1;
      return 0;
    }));
    const b = [...new Array(n).fill(0), 0.25, budget];
    const x = gauss(a, b).slice(0, n);
    almostEqual(w, x, 7);
  });

  const sectorMapper: Record<string, string> = {
    T: 'auto', UAA: 'airline', SHLD: 'retail', XOM: 'energy', RRC: 'energy', BBY: 'retail', MA: 'fig', PFE: 'pharma', JPM: 'fig', SBUX: 'retail',
    GOOG: 'tech', AAPL: 'tech', FB: 'tech', AMZN: 'tech', BABA: 'tech', GE: 'utility', AMD: 'tech', WMT: 'retail', BAC: 'fig', GM: 'auto',
  };
  const sectors = { map: sectorMapper, upper: { tech: 0.2, utility: 0.1, retail: 0.2, fig: 0.4, airline: 0.05, energy: 0.2 }, lower: { utility: 0.01, fig: 0.02, airline: 0.01 } };
  test.each([
    ['test_min_volatility_sector_constraints', { kind: 'min_volatility' }, unbounded],
    ['test_max_sharpe_sector_constraints_auto', { kind: 'max_sharpe', riskFreeRate: RF }, {}],
    ['test_efficient_risk_sector_constraints_auto', { kind: 'efficient_risk', targetVolatility: 0.19 }, {}],
  ] as [string, MeanVarianceObjective, Constraints][])('%s: every sector within its caps (1e-5 as there)', async (_name, objective, constraints) => {
    const w = await optimise(objective, { ...constraints, sectors });
    for (const s of new Set([...Object.keys(sectors.upper), ...Object.keys(sectors.lower)])) {
      const total = symbols.reduce((a, sym, j) => a + (sectorMapper[sym] === s ? w[j] : 0), 0);
      expect(total).toBeLessThanOrEqual(((sectors.upper as Record<string, number>)[s] ?? 1) + 1e-5);
      expect(total).toBeGreaterThanOrEqual(((sectors.lower as Record<string, number>)[s] ?? 0) - 1e-5);
    }
  });
});

/** Dense Gaussian elimination with partial pivoting (the test's own closed-form solve). */
function gauss(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

describe('hierarchical risk parity (test_hrp.py)', () => {
  // HRPOpt(returns): corr and cov are pandas .corr() / .cov() of pct_change().dropna(how='all'): pairwise complete.
  const pairCorr = returns.columns.map((x) => returns.columns.map((y) => {
    const both = Array.from(x.keys()).filter((t) => !Number.isNaN(x[t]) && !Number.isNaN(y[t]));
    const xs = Float64Array.from(both, (t) => x[t]);
    const ys = Float64Array.from(both, (t) => y[t]);
    return pairwiseCov([xs, ys])[0][1] / Math.sqrt(pairwiseCov([xs])[0][0] * pairwiseCov([ys])[0][0]);
  }));
  const dailyCov = pairwiseCov(returns.columns);
  const result = hrp(dailyCov, pairCorr);

  test('test_quasi_dag: the first five leaves are [12, 6, 15, 14, 2]', () => {
    expect(result.order.slice(0, 5)).toEqual([12, 6, 15, 14, 2]);
    expect(quasiDiagonal(singleLinkage([[0, 1], [1, 0]]))).toEqual([0, 1]);
  });

  test('test_cluster_var (7 decimals)', () => {
    const items = ['SHLD', 'AMD', 'BBY', 'RRC', 'FB', 'WMT', 'T', 'BABA', 'PFE', 'UAA'].map((s) => symbols.indexOf(s));
    almostEqual([hrpClusterVariance(dailyCov, items)], [0.00012842967106653283], 7);
  });

  test('test_hrp_portfolio: weights_hrp.csv (rtol 1e-2 as there) and test_portfolio_performance (rtol 1e-6)', () => {
    const expected: Record<string, number> = {
      AAPL: 0.022258941278778387, AMD: 0.022294021796692116, AMZN: 0.016086842079874982, BABA: 0.07963382071794088, BAC: 0.014409222455552267,
      BBY: 0.03406419438245041, FB: 0.06272994714663536, GE: 0.05519063444162851, GM: 0.055576660241857236, GOOG: 0.04956008428992926,
      JPM: 0.017675709092515715, MA: 0.038127373497320226, PFE: 0.07786528342813452, RRC: 0.03161528695094598, SBUX: 0.039844436656239136,
      SHLD: 0.027113184241298872, T: 0.11138956508836473, UAA: 0.027115909570750083, WMT: 0.10569551148587902, XOM: 0.11175337115721229,
    };
    allClose(symbols.map((s, j) => result.weights[j]), symbols.map((s) => expected[s]), 1e-2);
    expect(Math.abs(sum(result.weights) - 1)).toBeLessThan(1e-12);
    // HRPOpt.portfolio_performance: mu = returns.mean() × 252 (arithmetic), cov × 252.
    const arithmetic = meanHistoricalReturn(returns, { compounding: false });
    allClose(performance(result.weights, arithmetic, dailyCov.map((r) => r.map((v) => v * 252)), RF), [0.21353402380950973, 0.17844159743748936, 1.084579081272277], 1e-6);
  });

  test('test_pass_cov_matrix: HRP on Ledoit-Wolf (constant variance), corr = cov_to_corr(S).round(6); volatility (7 decimals)', () => {
    const s = riskMatrix(returns, 'ledoit_wolf_constant_variance').cov;
    const w = hrp(s, covToCorr(s).map((r) => r.map((v) => Math.round(v * 1e6) / 1e6))).weights;
    almostEqual([performance(w, mu, s, 0)[1]], [0.10002783894982334], 7);
  });
});

describe('minimum CVaR (test_efficient_cvar.py; rtol 1e-4, atol 1e-4 as there)', () => {
  const scenarios = completeRows(returns);
  test('test_cvar_example: min_cvar, beta 0.95', async () => {
    const out = await minCvar({ symbols, scenarios, mu });
    expect(out.status).toBe('optimal');
    expect(Math.abs(sum(out.weights) - 1)).toBeLessThan(1e-9);
    allClose([portfolio(out.weights, mu), out.cvar], [0.17745746040573562, 0.017049502122532853], 1e-4, 1e-4);
  });
  test('test_es_return_sample: efficient_return(0.2)', async () => {
    const out = await minCvar({ symbols, scenarios, mu, targetReturn: 0.2 });
    allClose([portfolio(out.weights, mu), out.cvar], [0.2, 0.017222], 1e-4, 1e-4);
  });
});
const portfolio = (w: ArrayLike<number>, m: ArrayLike<number>) => Array.from(w).reduce((a, v, i) => a + v * m[i], 0);

describe('discrete allocation (test_discrete_allocation.py)', () => {
  // get_latest_prices: df.ffill().iloc[-1]
  const latest = Object.fromEntries(symbols.map((s, j) => {
    const c = prices.columns[j];
    let t = c.length - 1;
    while (Number.isNaN(c[t])) t--;
    return [s, c[t]];
  }));
  const weightsOf = (w: Float64Array) => Object.fromEntries(symbols.map((s, j) => [s, w[j]]));

  test('test_greedy_portfolio_allocation and test_greedy_allocation_rmse_error (7 decimals)', async () => {
    const w = weightsOf(await optimise({ kind: 'max_sharpe', riskFreeRate: RF }));
    const a = await greedyAllocation({ weights: w, prices: latest, shortRatio: 0.3 });
    expect(a.shares).toEqual({ MA: 20, FB: 12, PFE: 54, BABA: 4, AAPL: 4, BBY: 2, SBUX: 1, GOOG: 1 });
    const spent = Object.entries(a.shares).reduce((s, [k, q]) => s + q * latest[k], 0);
    expect(Math.abs(spent + a.leftover - 10000)).toBeLessThan(1e-4);
    almostEqual([a.rmse], [0.017086185150415774], 7);
  });

  test('test_greedy_portfolio_allocation_short, …_short_different_params(_reinvest) and test_greedy_allocation_rmse_error_short', async () => {
    const w = weightsOf(await optimise({ kind: 'max_sharpe', riskFreeRate: RF }, plusMinusOne));
    const a = await greedyAllocation({ weights: w, prices: latest, shortRatio: 0.3 });
    expect(a.shares).toEqual({ MA: 19, PFE: 42, FB: 7, GOOG: 1, BABA: 5, AAPL: 4, SBUX: 8, BBY: 6, XOM: 4, WMT: 3, BAC: -32, AMD: -48, SHLD: -132, GM: -9, RRC: -19, GE: -14, T: -5, UAA: -8 });
    almostEqual([a.rmse], [0.06063511265243106], 7);
    const b = await greedyAllocation({ weights: w, prices: latest, totalValue: 50000, shortRatio: 0.5 });
    expect(b.shares).toEqual({ MA: 96, PFE: 211, FB: 34, GOOG: 4, BABA: 22, AAPL: 17, SBUX: 38, AMZN: 2, BBY: 27, XOM: 19, WMT: 10, BAC: -269, AMD: -399, SHLD: -1099, GM: -78, RRC: -154, GE: -119, T: -41, UAA: -64 });
    const c = await greedyAllocation({ weights: w, prices: latest, totalValue: 50000, shortRatio: 0.5, reinvest: true });
    expect(c.shares).toEqual({ MA: 145, PFE: 317, FB: 53, GOOG: 6, BABA: 34, AAPL: 27, SBUX: 58, AMZN: 2, BBY: 41, XOM: 30, WMT: 17, JPM: 1, BAC: -269, AMD: -399, SHLD: -1099, GM: -78, RRC: -154, GE: -119, T: -41, UAA: -64 });
  });

  test('test_lp_allocation_rmse_error (< 0.02), test_lp_portfolio_allocation_short(_reinvest) totals (4 decimals) and rmse < 0.1', async () => {
    const w = weightsOf(await optimise({ kind: 'max_sharpe', riskFreeRate: RF }));
    const a = await exactAllocation({ weights: w, prices: latest, shortRatio: 0.3 });
    expect(a.rmse).toBeLessThan(0.02);
    const total = (x: { shares: Record<string, number>; leftover: number }) => Object.entries(x.shares).reduce((s, [k, q]) => s + Math.abs(q) * latest[k], 0) + x.leftover;
    expect(Math.abs(total(a) - 10000)).toBeLessThan(1e-4);
    // The exact allocation is at least as close to the weights as the greedy one (it minimises the same error).
    expect(a.rmse).toBeLessThanOrEqual((await greedyAllocation({ weights: w, prices: latest })).rmse + 1e-12);
    const ws = weightsOf(await optimise({ kind: 'max_sharpe', riskFreeRate: RF }, plusMinusOne));
    const s = await exactAllocation({ weights: ws, prices: latest, shortRatio: 0.3 });
    expect(Math.abs(total(s) - 13000)).toBeLessThan(1e-4);
    expect(s.rmse).toBeLessThan(0.1);
    const r = await exactAllocation({ weights: ws, prices: latest, shortRatio: 0.3, reinvest: true });
    expect(Math.abs(total(r) - 16000)).toBeLessThan(1e-5);
  });
});
