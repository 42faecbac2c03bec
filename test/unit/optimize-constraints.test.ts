// Constraints, infeasibility diagnostics, holdings limits, turnover and risk parity on PyPortfolioOpt's test data
// (test/fixtures/pyportfolioopt). Expected values here are derived, not published: each test says from what.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { meanVariance, portfolioReturn, portfolioVariance } from '../../src/optimize/efficient-frontier';
import { minCvar } from '../../src/optimize/cvar';
import { riskContributions, riskParity } from '../../src/optimize/hierarchical';
import { completeRows } from '../../src/optimize/returns';
import { tradeFileCsv, tradesTowards } from '../../src/optimize/proposed-trades';
import { readTradeFile } from '../../src/portfolio/trade-file';
import { pyportfoliooptData } from '../helpers/pyportfolioopt';

const { prices, returns, mu, cov } = pyportfoliooptData();
const symbols = prices.symbols;
const tech = ['GOOG', 'AAPL', 'FB', 'AMZN', 'BABA', 'AMD'];
const input = (constraints = {}) => ({ symbols, mu, cov, constraints });

describe('infeasibility diagnostics name the conflicting constraints and by how much', () => {
  test('lower bounds that sum above the budget', async () => {
    const out = await meanVariance(input({ weightBounds: [0.06, 1] }), { kind: 'min_volatility' });
    expect(out.status).toBe('infeasible');
    expect(out.diagnostics[0].constraint).toBe('weight bounds vs budget');
    expect(out.diagnostics[0].amount).toBeCloseTo(20 * 0.06 - 1, 12);
    expect(out.diagnostics[0].message).toMatch(/lower bounds sum to 1\.2, above the budget 1 by 0\.2/);
  });

  test('a sector floor above its members’ upper bounds', async () => {
    const bounds = Object.fromEntries(tech.map((s) => [s, [0, 0.02] as [number, number]]));
    const out = await meanVariance(input({ bounds, sectors: { map: Object.fromEntries(tech.map((s) => [s, 'tech'])), lower: { tech: 0.5 } } }), { kind: 'max_sharpe' });
    expect(out.status).toBe('infeasible');
    const d = out.diagnostics.find((x) => x.constraint === 'sector tech')!;
    expect(d.amount).toBeCloseTo(0.5 - 6 * 0.02, 12);
  });

  test('a target return above the maximum and a target volatility below the minimum, by the exact gap', async () => {
    const high = await meanVariance(input(), { kind: 'efficient_return', targetReturn: 0.5 });
    expect(high.status).toBe('infeasible');
    // Long-only, the maximum return is the best single asset's (MA, mean_historical_return 0.388665).
    expect(high.diagnostics[0].amount).toBeCloseTo(0.5 - Math.max(...mu), 9);
    const low = await meanVariance(input(), { kind: 'efficient_risk', targetVolatility: 0.1 });
    expect(low.status).toBe('infeasible');
    // test_min_volatility's volatility, 0.15915084514118694, is the floor.
    expect(low.diagnostics[0].amount).toBeCloseTo(0.15915084514118694 - 0.1, 8);
    const rf = await meanVariance(input(), { kind: 'max_sharpe', riskFreeRate: 0.5 });
    expect(rf.diagnostics[0].message).toMatch(/no asset's expected return exceeds the risk-free rate 0\.5/);
  });

  test('two sector floors that fit alone but not together: the elastic LP finds the 0.1 they overlap by', async () => {
    const map = { ...Object.fromEntries(tech.map((s) => [s, 'tech'])), MA: 'fig', JPM: 'fig', BAC: 'fig' };
    const out = await meanVariance(input({ sectors: { map, lower: { tech: 0.6, fig: 0.5 } } }), { kind: 'min_volatility' });
    expect(out.status).toBe('infeasible');
    const stretch = out.diagnostics.reduce((s, d) => s + d.amount, 0);
    expect(stretch).toBeCloseTo(0.1, 7);
    expect(out.diagnostics.every((d) => /sector (tech|fig)|budget|w\[/.test(d.constraint))).toBe(true);
  });
});

describe('turnover and holdings limits', () => {
  test('turnover against current weights is respected and binds', async () => {
    const current = Object.fromEntries(symbols.map((s) => [s, 1 / symbols.length]));
    const free = await meanVariance(input(), { kind: 'max_sharpe', riskFreeRate: 0.02 });
    const limited = await meanVariance(input({ turnover: { max: 0.3, current } }), { kind: 'max_sharpe', riskFreeRate: 0.02 });
    expect(limited.status).toBe('optimal');
    const turnover = symbols.reduce((s, sym, j) => s + Math.abs(limited.weights[j] - current[sym]), 0);
    expect(turnover).toBeLessThanOrEqual(0.3 + 1e-7);
    expect(turnover).toBeGreaterThan(0.3 - 1e-6);
    const sharpe = (w: Float64Array) => (portfolioReturn(w, mu) - 0.02) / Math.sqrt(portfolioVariance(w, cov));
    expect(sharpe(limited.weights)).toBeLessThan(sharpe(free.weights));
    const none = await meanVariance(input({ turnover: { max: 0, current } }), { kind: 'min_volatility' });
    for (let j = 0; j < symbols.length; j++) expect(none.weights[j]).toBeCloseTo(1 / 20, 7);
  });

  test('min CVaR with at most 4 holdings is a MILP: 4 names, CVaR no better than unrestricted', async () => {
    // The first 10 assets over the last 250 complete return rows keep the branch and bound short (the
    // unrestricted optimum holds 5 of them).
    const all = completeRows(returns);
    const ten = symbols.slice(0, 10);
    const scenarios = { symbols: ten, dates: all.dates.slice(-250), columns: all.columns.slice(0, 10).map((c) => c.slice(-250)) };
    const free = await minCvar({ symbols: ten, scenarios });
    const held = await minCvar({ symbols: ten, scenarios, constraints: { maxHoldings: 4 } });
    expect(held.status).toBe('optimal');
    expect(Array.from(held.weights).filter((w) => w > 1e-7).length).toBeLessThanOrEqual(4);
    expect(Array.from(free.weights).filter((w) => w > 1e-7).length).toBeGreaterThan(4);
    expect(held.cvar).toBeGreaterThanOrEqual(free.cvar - 1e-12);
  });

  test('a QP with maxHoldings keeps the largest weights and says it is a heuristic', async () => {
    const out = await meanVariance(input({ maxHoldings: 3 }), { kind: 'max_sharpe', riskFreeRate: 0.02 });
    expect(out.status).toBe('optimal');
    expect(Array.from(out.weights).filter((w) => Math.abs(w) > 1e-8).length).toBeLessThanOrEqual(3);
    expect(out.warnings.join()).toMatch(/heuristic/);
  });
});

describe('risk parity (equal risk contribution)', () => {
  test('every asset contributes 1/n of the variance (1e-9)', () => {
    const { weights } = riskParity(cov);
    for (const rc of riskContributions(weights, cov)) expect(Math.abs(rc - 1 / 20)).toBeLessThan(1e-9);
  });
  test('uncorrelated assets: weights ∝ 1/σ (the closed form)', () => {
    const sd = [0.1, 0.2, 0.4];
    const c = sd.map((a, i) => sd.map((_, j) => (i === j ? a * a : 0)));
    const inv = sd.map((s) => 1 / s);
    const total = inv.reduce((a, b) => a + b, 0);
    riskParity(c).weights.forEach((w, i) => expect(w).toBeCloseTo(inv[i] / total, 12));
  });
});

describe('proposed trades', () => {
  const prices = Object.fromEntries(['A', 'B', 'C', 'D'].map((s, i) => [s, { close: 10 + i + 0.125, day: '2016-12-30' }]));
  test('from current to target shares: sells before shorts, covers before buys', () => {
    const trades = tradesTowards({ A: 10, B: -5, C: 3 }, { A: 4, B: 2, D: 1 }, prices);
    expect(trades.map((t) => `${t.kind} ${t.quantity} ${t.symbol}`)).toEqual(['sell 6 A', 'cover 5 B', 'buy 2 B', 'sell 3 C', 'buy 1 D']);
    expect(tradesTowards({ A: 2 }, { A: -3 }, prices).map((t) => `${t.kind} ${t.quantity}`)).toEqual(['sell 2', 'short 3']);
  });
  test('the trade file is one tickflow portfolio reads without a rejected row', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-trades-')), 'trades.csv');
    fs.writeFileSync(file, tradeFileCsv('opt-1234abcd', tradesTowards({}, { A: 4, B: 2 }, prices), { day: '2016-12-30', amount: 1000 }));
    const parsed = await readTradeFile(file);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.entries.map((e) => [e.tradeRef, e.kind, e.symbol, e.quantity, e.price ?? e.amount])).toEqual([
      ['opt-1234abcd-deposit', 'deposit', null, null, '1000.00'], ['opt-1234abcd-1', 'buy', 'A', '4', '10.125'], ['opt-1234abcd-2', 'buy', 'B', '2', '11.125'],
    ]);
  });
});
