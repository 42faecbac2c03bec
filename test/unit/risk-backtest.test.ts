// Backtest statistics against their closed forms and published tables.
import { acerbiSzekelyZ2, backtest, binomialCdf, christoffersenIndependence, kupiecPof, trafficLight } from '../../src/risk/backtest';

describe('Kupiec proportion of failures', () => {
  // Closed form LR = −2[(T−x)ln(1−p) + x ln p] + 2[(T−x)ln(1−x/T) + x ln(x/T)], T = 250, p = 0.01, evaluated by hand:
  // x = 0: −500 ln 0.99 = 5.025168; x = 5: 50.976366 − 49.019557 = 1.956810; x = 10: 96.927565 − 83.972074 = 12.955491.
  it.each([[0, 5.025168], [5, 1.95681], [10, 12.955491]])('LR on 250 days at 99%% with %d exceptions = %d (1e-5)', (x, lr) => {
    expect(kupiecPof(x, 250, 0.01).lr).toBeCloseTo(lr, 5);
  });
});

describe('Basel traffic light', () => {
  // Basel Committee on Banking Supervision (1996), "Supervisory framework for the use of backtesting…", Table 2:
  // cumulative probability of x or fewer exceptions in 250 days at 99 %, and the zones (green 0–4, yellow 5–9, red ≥ 10).
  const table = [8.11, 28.58, 54.32, 75.81, 89.22, 95.88, 98.63, 99.6, 99.89, 99.97, 99.99];
  it('binomial cumulative probabilities equal the Basel table (to 0.01 %)', () => {
    table.forEach((pct, x) => expect(binomialCdf(x, 250, 0.01) * 100).toBeCloseTo(pct, 1));
  });
  it('zones: 0–4 green, 5–9 yellow, ≥ 10 red', () => {
    expect(Array.from({ length: 13 }, (_, x) => trafficLight(x, 250, 0.01))).toEqual([
      'green', 'green', 'green', 'green', 'green', 'yellow', 'yellow', 'yellow', 'yellow', 'yellow', 'red', 'red', 'red',
    ]);
  });
});

describe('Christoffersen', () => {
  it('independence LR from the transition counts (closed form)', () => {
    // hits: 0 0 1 1 0 0 0 1 0 0 → n00 = 4, n01 = 2, n10 = 2, n11 = 1
    const hits = [0, 0, 1, 1, 0, 0, 0, 1, 0, 0].map(Boolean);
    const pi01 = 2 / 6, pi11 = 1 / 3, pi = 3 / 9;
    const lr = -2 * (6 * Math.log(1 - pi) + 3 * Math.log(pi)) + 2 * (4 * Math.log(1 - pi01) + 2 * Math.log(pi01) + 2 * Math.log(1 - pi11) + Math.log(pi11));
    expect(christoffersenIndependence(hits).lr).toBeCloseTo(lr, 12);
    // Clustered exceptions are rejected, spread ones are not.
    const clustered = Array.from({ length: 250 }, (_, t) => t >= 100 && t < 105);
    const spread = Array.from({ length: 250 }, (_, t) => t % 50 === 0);
    expect(christoffersenIndependence(clustered).pValue).toBeLessThan(0.01);
    expect(christoffersenIndependence(spread).pValue).toBeGreaterThan(0.1);
  });

  it('conditional coverage = LR_uc + LR_ind, χ²(2)', () => {
    const obs = Array.from({ length: 250 }, (_, t) => ({ asOf: `d${t}`, var: 1, es: 1.2, pnl: t >= 100 && t < 105 ? -2 : 0.5 }));
    const r = backtest(obs, 0.99);
    expect(r.exceptions).toBe(5);
    expect(r.exceptionDates).toEqual(['d100', 'd101', 'd102', 'd103', 'd104']);
    expect(r.conditionalCoverage.lr).toBeCloseTo(r.kupiec.lr + r.independence.lr, 12);
    expect(r.conditionalCoverage.pValue).toBeCloseTo(Math.exp(-r.conditionalCoverage.lr / 2), 10); // χ²(2) survival
    expect(r.trafficLight).toBe('yellow');
  });
});

describe('Acerbi–Székely Z2', () => {
  it('is 1 + Σ XₜIₜ / (T α ESₜ): 0 when exceptions lose exactly the ES at the expected rate, negative when ES is understated', () => {
    const obs = (loss: number) => Array.from({ length: 1000 }, (_, t) => ({ asOf: `${t}`, var: 2, es: 2.5, pnl: t % 40 === 0 ? -loss : 0 }));
    expect(acerbiSzekelyZ2(obs(2.5), 0.025)).toBeCloseTo(0, 12); // 25 exceptions of −ES in 1000 at α = 2.5 %
    expect(acerbiSzekelyZ2(obs(5), 0.025)).toBeCloseTo(-1, 12);
    expect(backtest(obs(5), 0.975).es.verdict).toBe('reject_5pct');
    expect(backtest(obs(8), 0.975).es.verdict).toBe('reject_0.01pct');
  });
});
