// Performance statistics against published reference values.
// Reference: empyrical's own test suite, quantopian/empyrical empyrical/tests/test_stats.py at commit 40f61b4
// (the repository's HEAD): the same input series (simple_benchmark, positive_returns, negative_returns,
// mixed_returns, weekly_returns, monthly_returns, flat_line_1, one_return) and its expected values, which it asserts
// to 8 decimal places (assert_almost_equal(..., DECIMAL_PLACES=8)); we assert to the same 8 places.
// XIRR: Microsoft's documented XIRR example (Excel help, "XIRR function"): 0.373362535.
import { benchmarkDailyReturns } from '../../src/portfolio/performance-report';
import {
  alphaBeta, annualReturn, annualVolatility, calmarRatio, cumulativeReturn, downsideRisk, excessSharpe, hitRate, informationRatio,
  maxDrawdown, sharpeRatio, sortinoRatio, timeWeightedReturns, trackingError, turnover, xirr,
} from '../../src/portfolio/performance';

const pct = (xs: (number | null)[]) => xs.map((x) => (x === null ? null : x / 100));
const simpleBenchmark = pct([0, 1, 0, 1, 0, 1, 0, 1, 0]);
const positiveReturns = pct([1, 2, 1, 1, 1, 1, 1, 1, 1]);
const negativeReturns = pct([0, -6, -7, -1, -9, -2, -6, -8, -5]);
const mixedReturns = pct([null, 1, 10, -4, 2, 3, 2, 1, -10]);
const flatLine1 = pct([1, 1, 1, 1, 1, 1, 1, 1, 1]);
const weeklyReturns = pct([0, 1, 10, -4, 2, 3, 2, 1, -10]); // the same numbers, annualised with 52
const monthlyReturns = weeklyReturns; // … and with 12
const oneReturn = pct([1]);

const close = (actual: number, expected: number, places = 8) => expect(Math.abs(actual - expected)).toBeLessThan(1.5 * 10 ** -places);

describe('performance statistics (empyrical test_stats.py values)', () => {
  test('cumulative return and max drawdown', () => {
    close(cumulativeReturn(mixedReturns), 0.03893, 4); // test_cum_returns_final, 4 places there
    close(cumulativeReturn(negativeReturns), -0.3659, 4);
    expect(maxDrawdown([]).value).toBeNaN();
    expect(maxDrawdown(oneReturn).value).toBe(0);
    expect(maxDrawdown(simpleBenchmark).value).toBe(0);
    close(maxDrawdown(mixedReturns).value, -0.1);
    expect(maxDrawdown(positiveReturns).value).toBe(0);
    close(maxDrawdown(negativeReturns).value, cumulativeReturn(negativeReturns)); // "the drawdown is just the returns"
    close(maxDrawdown(pct([10, -10, 10])).value, -0.1);
  });

  test('drawdown dates: peak, trough and recovery', () => {
    const dd = maxDrawdown(mixedReturns);
    // wealth peaks after the 2% on index 7 and falls 10% on index 8; it never recovers
    expect(dd).toEqual({ value: expect.any(Number), peak: 7, trough: 8, recovery: null });
    const recovered = maxDrawdown(pct([10, -10, 5, 10]));
    expect([recovered.peak, recovered.trough, recovered.recovery]).toEqual([0, 1, 3]);
  });

  test('annual return (CAGR), volatility and Calmar', () => {
    close(annualReturn(mixedReturns, 252), 1.9135925373194231);
    close(annualReturn(weeklyReturns, 52), 0.24690830513998208);
    close(annualReturn(monthlyReturns, 12), 0.052242061386048144);
    close(annualReturn(oneReturn, 252), 11.274002099240244); // test_cagr
    close(annualVolatility(flatLine1, 252), 0);
    close(annualVolatility(mixedReturns, 252), 0.9136465399704637);
    close(annualVolatility(weeklyReturns, 52), 0.38851569394870583);
    close(annualVolatility(monthlyReturns, 12), 0.18663690238892558);
    expect(calmarRatio([], 252)).toBeNaN();
    expect(calmarRatio(oneReturn, 252)).toBeNaN();
    close(calmarRatio(mixedReturns, 252), 19.135925373194233);
    close(calmarRatio(weeklyReturns, 52), 2.4690830513998208);
    close(calmarRatio(monthlyReturns, 12), 0.52242061386048144);
  });

  test('Sharpe ratio', () => {
    expect(sharpeRatio([], 0)).toBeNaN();
    expect(sharpeRatio(oneReturn, 0)).toBeNaN();
    expect(sharpeRatio(mixedReturns, mixedReturns)).toBeNaN();
    close(sharpeRatio(mixedReturns, 0), 1.7238613961706866);
    close(sharpeRatio(mixedReturns, simpleBenchmark), 0.34111411441060574);
    close(sharpeRatio(positiveReturns, 0), 52.915026221291804);
    close(sharpeRatio(negativeReturns, 0), -24.406808633910085);
    expect(sharpeRatio(flatLine1, 0)).toBe(Infinity);
  });

  test('downside risk and Sortino ratio', () => {
    expect(downsideRisk([], 0)).toBeNaN();
    expect(downsideRisk(oneReturn, 0)).toBe(0);
    expect(downsideRisk(mixedReturns, mixedReturns)).toBe(0);
    close(downsideRisk(mixedReturns, 0, 252), 0.60448325038829653);
    close(downsideRisk(mixedReturns, 0.1, 252), 1.7161730681956295);
    close(downsideRisk(weeklyReturns, 0, 52), 0.25888650451930134);
    close(downsideRisk(weeklyReturns, 0.1, 52), 0.7733045971672482);
    close(downsideRisk(monthlyReturns, 0, 12), 0.1243650540411842);
    close(downsideRisk(monthlyReturns, 0.1, 12), 0.37148351242013422);

    expect(sortinoRatio([], 0)).toBeNaN();
    expect(sortinoRatio(oneReturn, 0)).toBeNaN();
    expect(sortinoRatio(mixedReturns, mixedReturns)).toBeNaN();
    close(sortinoRatio(mixedReturns, 0, 252), 2.605531251673693);
    close(sortinoRatio(mixedReturns, flatLine1, 252), -1.3934779588919977);
    expect(sortinoRatio(positiveReturns, 0)).toBe(Infinity);
    close(sortinoRatio(negativeReturns, 0, 252), -13.532743075043401);
    expect(sortinoRatio(simpleBenchmark, 0)).toBe(Infinity);
    close(sortinoRatio(weeklyReturns, 0, 52), 1.1158901056866439);
    close(sortinoRatio(monthlyReturns, 0, 12), 0.53605626741889756);
  });

  test('excess Sharpe, information ratio and tracking error', () => {
    expect(excessSharpe([], 0)).toBeNaN();
    expect(excessSharpe(oneReturn, 0)).toBeNaN();
    close(excessSharpe(mixedReturns, 0), 0.10859306069076737);
    close(excessSharpe(mixedReturns, flatLine1), -0.06515583641446039);
    // annualised forms: the same ratio × √252, and the active return's deviation × √252
    close(informationRatio(mixedReturns, flatLine1, 252), -0.06515583641446039 * Math.sqrt(252));
    const active = mixedReturns.slice(1).map((r, i) => r! - flatLine1[i + 1]!);
    const m = active.reduce((a, b) => a + b, 0) / active.length;
    const sd = Math.sqrt(active.reduce((a, b) => a + (b - m) ** 2, 0) / (active.length - 1));
    close(trackingError(mixedReturns, flatLine1, 252), sd * Math.sqrt(252));
  });

  test('alpha and beta', () => {
    expect(alphaBeta([], simpleBenchmark)).toEqual({ alpha: NaN, beta: NaN });
    expect(alphaBeta(oneReturn, oneReturn)).toEqual({ alpha: NaN, beta: NaN });
    // empyrical aligns mixed_returns with negative_returns[1:] on their dates: the last eight periods of each
    const ab = alphaBeta(mixedReturns.slice(1), negativeReturns.slice(1));
    close(ab.alpha, -0.9997853834885004);
    close(ab.beta, -0.71296296296296313);
    const same = alphaBeta(mixedReturns, mixedReturns);
    close(same.alpha, 0);
    close(same.beta, 1);
    const inverse = alphaBeta(mixedReturns, mixedReturns.map((r) => (r === null ? null : -r)));
    close(inverse.alpha, 0);
    close(inverse.beta, -1);
    expect(alphaBeta(mixedReturns, flatLine1).beta).toBeNaN(); // a constant benchmark has no variance
  });
});

describe('money- and time-weighted returns', () => {
  test('XIRR matches Excel’s documented example', () => {
    const r = xirr([
      { date: '2008-01-01', amount: -10000 }, { date: '2008-03-01', amount: 2750 }, { date: '2008-10-30', amount: 4250 },
      { date: '2009-02-15', amount: 3250 }, { date: '2009-04-01', amount: 2750 },
    ]);
    close(r, 0.373362535, 8);
  });

  test('XIRR: one year at 10%, a loss, and no sign change', () => {
    close(xirr([{ date: '2021-01-01', amount: -100 }, { date: '2022-01-01', amount: 110 }]), 0.1, 10);
    close(xirr([{ date: '2021-01-01', amount: -100 }, { date: '2022-01-01', amount: 50 }]), -0.5, 10);
    expect(xirr([{ date: '2021-01-01', amount: 100 }, { date: '2022-01-01', amount: 50 }])).toBeNaN();
  });

  test('time-weighted returns remove external flows', () => {
    // 100 → 110 (+10%), then 50 deposited at the start of day 2 and the 160 grows to 176 (+10%)
    const r = timeWeightedReturns([{ value: 100, flow: 100 }, { value: 110, flow: 0 }, { value: 176, flow: 50 }]);
    expect(r[0]).toBeNull();
    close(r[1]!, 0.1, 12);
    close(r[2]!, 0.1, 12);
    close(cumulativeReturn(r), 0.21, 12);
    // everything withdrawn: no return on the day after
    expect(timeWeightedReturns([{ value: 100, flow: 100 }, { value: 0, flow: -100 }, { value: 0, flow: 0 }])[2]).toBeNull();
  });

  test('hit rate and turnover', () => {
    close(hitRate(mixedReturns), 6 / 8, 12);
    close(turnover(1000, 400, 2000), 0.2, 12);
    expect(turnover(1000, 400, 0)).toBeNaN();
  });
});

describe('benchmark returns over a missing close', () => {
  it('bridges the gap from the last close, so compounding gives the close-to-close change', () => {
    const days = ['2015-01-02', '2015-01-05', '2015-01-06', '2015-01-07', '2015-01-08'].map((asOf) => ({ asOf }));
    // 2015-01-06's bar was quarantined: no close that day.
    const closes = new Map([['2015-01-02', 100], ['2015-01-05', 102], ['2015-01-07', 99], ['2015-01-08', 104]]);
    const r = benchmarkDailyReturns(days, closes);
    expect(r[0]).toBeNull();
    expect(r[1]).toBeCloseTo(0.02, 12);
    expect(r[2]).toBeNull();
    expect(r[3]).toBeCloseTo(99 / 102 - 1, 12);
    const compounded = r.reduce((acc: number, x) => acc * (1 + (x ?? 0)), 1) - 1;
    expect(compounded).toBeCloseTo(104 / 100 - 1, 12);
  });
});
