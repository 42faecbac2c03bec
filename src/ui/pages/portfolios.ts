// The Portfolios & risk pages: the portfolios (and optimisation runs); one portfolio's latest positions, its
// time-weighted return against its benchmark and its drawdown, its VaR and ES against the realised P&L with the
// exceptions marked and the Basel traffic light of the latest backtest; one optimisation run's efficient frontier
// and weights. Stale marks of positions and VaR rows are shown where they apply.
import { z } from 'zod';
import type { StaleScope } from '../../contracts/derived';
import { portfolioIdSchema } from '../../contracts/portfolio';
import { RISK_METHOD_NAMES } from '../../contracts/risk';
import type { FrontierPoint } from '../../optimize/optimize';
import { cumulativeReturn, maxDrawdown } from '../../portfolio/performance';
import { benchmarkDailyReturns } from '../../portfolio/performance-report';
import { DerivedStalenessRepository } from '../../repositories/derived-staleness-repository';
import { OptimizationRepository, type OptimizationRecord } from '../../repositories/optimization-repository';
import { PortfolioRepository, type PortfolioRow } from '../../repositories/portfolio-repository';
import { RiskRepository, type BacktestRow } from '../../repositories/risk-repository';
import { barChart, lineChart, type ChartSeries } from '../charts';
import { scatterChart, type ScatterGroup } from '../charts-extra';
import type { UiApp, UiDeps } from '../deps';
import { href, html, type Html } from '../html';
import { fmtNumber, money, pct } from '../format';
import { staleBadge, staleMarksTable } from '../marks';
import { parseQuery, q, UiNotFoundError } from '../params';
import { sendPage } from '../respond';

const portfolioQuery = {
  from: q.optional(q.date),
  to: q.optional(q.date),
  method: q.optional(z.enum(RISK_METHOD_NAMES)),
  level: q.optional(z.coerce.number().gt(0.5).lt(1)),
  horizon: q.optional(q.int(1, 60)),
};


const DEFAULT_SERIES = { method: 'historical', level: 0.99, horizon: 1 } as const;

const lightBadge = (light: string) => html`<span class="badge traffic-${light}${light === 'green' ? html` good` : light === 'red' ? html` bad` : ''}" data-traffic-light="${light}">${light}</span>`;
const runLink = (id: string | null) => (id ? html`<a href="/runs/${id}">${id.slice(0, 8)}</a>` : html`–`);

/** Growth of 1 compounded day by day (a missing return is a flat day, as in the stored metrics), minus 1. */
function compounded(days: string[], returns: (number | null)[]): [string, number][] {
  let growth = 1;
  return days.map((d, i) => {
    const r = returns[i];
    if (r !== null && Number.isFinite(r)) growth *= 1 + r;
    return [d, growth - 1];
  });
}

/** Fall from the running peak of the growth index, ≤ 0. */
function drawdown(twr: [string, number][]): [string, number][] {
  let peak = 1;
  return twr.map(([d, r]) => {
    peak = Math.max(peak, 1 + r);
    return [d, (1 + r) / peak - 1];
  });
}

function portfolioList(rows: { p: PortfolioRow; span: { first: string; last: string } | null; nav: string | null; marks: StaleScope[] }[]): Html {
  if (rows.length === 0) return html`<p class="empty">No portfolios yet (tickflow portfolio create, or npm run demo).</p>`;
  return html`<table id="portfolios"><thead><tr><th>id</th><th>name</th><th>currency</th><th>benchmark</th><th>valued</th><th class="num">NAV</th><th>state</th></tr></thead>
<tbody>${rows.map(({ p, span, nav, marks }) => html`<tr data-portfolio="${p.id}"><td><a href="${href(`/portfolios/${encodeURIComponent(p.id)}`)}">${p.id}</a></td><td>${p.name}</td>
<td>${p.currency}</td><td>${p.benchmarkSymbol ?? '–'}</td><td>${span ? `${span.first} … ${span.last}` : 'not valued'}</td><td class="num">${money(nav)}</td>
<td>${staleBadge(marks)}</td></tr>`)}</tbody></table>`;
}

function optimizationList(rows: OptimizationRecord[], marks: StaleScope[]): Html {
  if (rows.length === 0) return html`<p class="empty">No optimisation runs yet (tickflow optimize run).</p>`;
  return html`<table id="optimizations"><thead><tr><th>run</th><th>as of</th><th>objective</th><th>status</th><th>symbols</th><th class="num">expected return</th>
<th class="num">volatility</th><th class="num">Sharpe</th><th>created</th><th>state</th></tr></thead>
<tbody>${rows.map((o) => html`<tr data-optimization="${o.id}"><td><a href="/optimizations/${o.id}">${o.id.slice(0, 8)}</a></td><td>${o.asOf}</td><td>${o.objective}</td>
<td class="status-${o.status === 'optimal' ? 'completed' : 'failed'}">${o.status}</td><td>${o.symbols.join(', ')}</td><td class="num">${pct(o.expectedReturn)}</td>
<td class="num">${pct(o.volatility)}</td><td class="num">${fmtNumber(o.sharpe)}</td><td>${o.createdAt}</td><td>${staleBadge(marks.filter((m) => m.key === o.id))}</td></tr>`)}</tbody></table>`;
}

function backtestTable(id: string, rows: BacktestRow[], current: { method: string; level: number; horizon: number }): Html {
  if (rows.length === 0) return html`<p class="empty">No backtest stored (tickflow risk backtest ${id}).</p>`;
  return html`<table id="backtests"><thead><tr><th>method</th><th class="num">level</th><th class="num">horizon</th><th>range</th><th class="num">observations</th>
<th class="num">exceptions</th><th class="num">Kupiec p</th><th class="num">Christoffersen p (cc)</th><th>traffic light</th><th>ES Z2</th></tr></thead>
<tbody>${rows.map((b) => html`<tr data-method="${b.method}" data-level="${b.level}" data-horizon="${b.horizon}"${b.method === current.method && b.level === current.level && b.horizon === current.horizon ? html` class="current"` : ''}>
<td><a href="${href(`/portfolios/${encodeURIComponent(id)}`, { method: b.method, level: b.level, horizon: b.horizon })}#var">${b.method}</a></td><td class="num">${b.level}</td><td class="num">${b.horizon}</td>
<td>${b.from} … ${b.to}</td><td class="num">${b.observations}</td><td class="num">${b.exceptions}</td><td class="num">${fmtNumber(b.kupiecP)}</td><td class="num">${fmtNumber(b.conditionalCoverageP)}</td>
<td>${lightBadge(b.trafficLight)} ${b.trafficLightExceptions}/${b.trafficLightObservations}</td><td>${fmtNumber(b.esZ2)} (${b.esVerdict})</td></tr>`)}</tbody></table>`;
}

export function register(app: UiApp, deps: UiDeps): void {
  const portfolios = new PortfolioRepository(deps.dataSource);
  const risk = new RiskRepository(deps.dataSource);
  const optimizations = new OptimizationRepository(deps.dataSource);
  const staleness = new DerivedStalenessRepository(deps.dataSource);
  const marksOf = async (ids: string[]) => [
    ...await staleness.open({ kind: 'portfolio_position', keys: ids }),
    ...await staleness.open({ kind: 'var_calculation', keys: ids }),
  ];

  app.get('/portfolios', async (c) => {
    parseQuery(c.req.url, {});
    const list = await portfolios.list();
    const marks = await marksOf(list.map((p) => p.id));
    const rows = await Promise.all(list.map(async (p) => {
      const span = await risk.valuedSpan(undefined, p.id);
      const [last] = span ? await portfolios.valuations(p.id, span.last, span.last) : [];
      return { p, span, nav: last?.nav ?? null, marks: marks.filter((m) => m.key === p.id) };
    }));
    const runs = await optimizations.list(50);
    return sendPage(c, 'Portfolios & risk', 'portfolios', html`<h2>Portfolios</h2>${portfolioList(rows)}
<h2>Optimisation runs</h2>${optimizationList(runs, await staleness.open({ kind: 'portfolio_optimization', keys: runs.map((r) => r.id) }))}`);
  });

  app.get('/portfolios/:id', async (c) => {
    const id = c.req.param('id');
    const p = parseQuery(c.req.url, portfolioQuery);
    const portfolio = portfolioIdSchema.safeParse(id).success ? await portfolios.find(id) : null;
    if (!portfolio) throw new UiNotFoundError(`no portfolio ${JSON.stringify(id)} (see /portfolios)`);
    const series = { method: p.method ?? DEFAULT_SERIES.method, level: p.level ?? DEFAULT_SERIES.level, horizon: p.horizon ?? DEFAULT_SERIES.horizon };
    const self = (extra: Record<string, string | number | undefined>) => href(`/portfolios/${encodeURIComponent(id)}`, { from: p.from, to: p.to, ...series, ...extra });

    const [positions, valuations, metrics, marks, backtests] = await Promise.all([
      portfolios.positions(id), portfolios.valuations(id, p.from, p.to), portfolios.metrics(id), marksOf([id]), risk.backtests(id),
    ]);
    const facts = html`<dl class="facts"><dt>id</dt><dd>${portfolio.id}</dd><dt>name</dt><dd id="portfolio-name">${portfolio.name}</dd><dt>currency</dt><dd>${portfolio.currency}</dd>
<dt>lot method</dt><dd>${portfolio.lotMethod}</dd><dt>benchmark</dt><dd>${portfolio.benchmarkSymbol ?? '–'}</dd>
<dt>valued</dt><dd>${valuations.length ? `${valuations[0].asOf} … ${valuations[valuations.length - 1].asOf} (${valuations.length} days)` : 'not valued (tickflow portfolio value)'}</dd></dl>`;

    const positionTable = positions.length === 0 ? html`<p class="empty">No positions stored.</p>` : html`<p>At the close of <b id="positions-as-of">${positions[0].asOf}</b>.</p>
<table id="positions"><thead><tr><th>symbol</th><th class="num">quantity</th><th class="num">cost basis</th><th class="num">close</th><th>price date</th><th class="num">market value</th>
<th class="num">unrealised P&amp;L</th><th class="num">realised P&amp;L</th><th class="num">dividends</th><th class="num">weight</th></tr></thead>
<tbody>${positions.map((r) => html`<tr data-symbol="${r.symbol}"><td>${r.symbol}</td><td class="num">${r.quantity}</td><td class="num">${money(r.costBasis)}</td><td class="num">${fmtNumber(r.close)}</td>
<td>${r.priceDate ?? '–'}</td><td class="num">${money(r.marketValue)}</td><td class="num">${money(r.unrealisedPnl)}</td><td class="num">${money(r.realisedPnl)}</td><td class="num">${money(r.dividends)}</td>
<td class="num">${pct(r.weight)}</td></tr>`)}</tbody></table>`;

    // Performance: TWR from the stored daily returns, the benchmark's total return over the same dates, drawdown.
    let performance: Html = html`<p class="empty">Not valued yet.</p>`;
    if (valuations.length > 0) {
      const days = valuations.map((v) => v.asOf);
      const twr = compounded(days, valuations.map((v) => v.dailyReturn));
      const lines: ChartSeries[] = [{ name: `${portfolio.id} TWR`, points: twr }];
      if (portfolio.benchmarkSymbol) {
        // Chained over the valued days exactly as the stored benchmark_return is, so the line ends where it says.
        const closes = await portfolios.benchmarkCloses(undefined, portfolio.benchmarkSymbol, days[0], days[days.length - 1]);
        if (closes.length > 0) {
          lines.push({ name: `${portfolio.benchmarkSymbol} total return`, points: compounded(days, benchmarkDailyReturns(valuations, new Map(closes.map((b) => [b.day, b.close])))) });
        }
      }
      const dd = drawdown(twr);
      const pnl: ChartSeries[] = [
        { name: 'NAV', points: valuations.map((v) => [v.asOf, Number(v.nav)]) },
      ];
      const last = valuations[valuations.length - 1];
      // The headline figures are the stored ones (performance_metric, since inception) unless a range narrows them;
      // then they come from the same functions over the range's stored daily returns.
      const stored = (metric: string) => (p.from || p.to ? undefined : metrics.find((m) => m.period === 'inception' && m.metric === metric));
      const returns = valuations.map((v) => v.dailyReturn);
      const headline = {
        twr: stored('time_weighted_return')?.value ?? cumulativeReturn(returns),
        maxDrawdown: stored('max_drawdown')?.value ?? maxDrawdown(returns).value,
        benchmark: stored('benchmark_return')?.value,
      };
      performance = html`<dl class="facts"><dt>NAV</dt><dd id="nav">${money(last.nav)}</dd><dt>time-weighted return</dt><dd id="twr">${pct(headline.twr)}</dd>
${headline.benchmark !== undefined ? html`<dt>benchmark return</dt><dd id="benchmark-return">${pct(headline.benchmark)}</dd>` : ''}
<dt>max drawdown</dt><dd id="max-drawdown">${pct(headline.maxDrawdown)}</dd><dt>realised P&amp;L</dt><dd>${money(last.realisedPnl)}</dd><dt>unrealised P&amp;L</dt><dd>${money(last.unrealisedPnl)}</dd></dl>
<div class="charts">${lineChart({ title: 'Time-weighted return against the benchmark', id: 'twr', series: lines, width: 620 })}
${lineChart({ title: 'Drawdown', id: 'drawdown', series: [{ name: 'drawdown', points: dd }], width: 620 })}
${lineChart({ title: 'Net asset value', id: 'nav', series: pnl, width: 620, yName: portfolio.currency })}
${lineChart({
    title: 'Profit and loss', id: 'pnl', width: 620, yName: portfolio.currency, series: [
      { name: 'realised', points: valuations.map((v) => [v.asOf, Number(v.realisedPnl)]) },
      { name: 'unrealised', points: valuations.map((v) => [v.asOf, Number(v.unrealisedPnl)]) },
    ],
  })}</div>`;
    }
    const metricNames = [...new Set(metrics.map((m) => m.metric))];
    const periods = [...new Map(metrics.map((m) => [`${m.period}|${m.periodStart}|${m.periodEnd}`, m])).values()];
    const metricTable = metrics.length === 0 ? html`<p class="empty">No performance metrics stored.</p>` : html`<details><summary>${periods.length} periods × ${metricNames.length} metrics</summary>
<table id="metrics"><thead><tr><th>period</th><th>from</th><th>to</th>${metricNames.map((n) => html`<th class="num">${n}</th>`)}</tr></thead>
<tbody>${periods.map((r) => html`<tr data-period="${r.period}" data-start="${r.periodStart}"><td>${r.period}</td><td>${r.periodStart}</td><td>${r.periodEnd}</td>${metricNames.map((n) => {
    const m = metrics.find((x) => x.period === r.period && x.periodStart === r.periodStart && x.periodEnd === r.periodEnd && x.metric === n);
    return html`<td class="num" data-metric="${n}">${m ? fmtNumber(m.value) : ''}</td>`;
  })}</tr>`)}</tbody></table></details>`;

    // Risk: one (method, level, horizon) series against the realised P&L of the same horizon.
    const varRows = await risk.varRows(id, { from: p.from, to: p.to, ...series });
    let riskSection: Html = html`<p class="empty">No VaR rows for ${series.method} at ${series.level}, ${series.horizon} day(s) (tickflow risk var ${portfolio.id}).</p>`;
    if (varRows.length > 0) {
      const pnlRows = (await risk.pnlRows(id, varRows[0].asOf, varRows[varRows.length - 1].asOf)).filter((r) => r.horizon === series.horizon);
      const pnlByDate = new Map(pnlRows.map((r) => [r.asOf, r.pnl]));
      const exceptions = varRows.filter((r) => r.var !== null && pnlByDate.has(r.asOf) && pnlByDate.get(r.asOf)! < -r.var);
      const backtest = backtests.find((b) => b.method === series.method && b.level === series.level && b.horizon === series.horizon);
      const latest = varRows[varRows.length - 1];
      riskSection = html`<dl class="facts"><dt>series</dt><dd>${series.method}, ${series.level * 100} %, ${series.horizon} day(s)</dd>
<dt>latest (${latest.asOf})</dt><dd>VaR <b id="latest-var">${fmtNumber(latest.var)}</b>, ES <b id="latest-es">${fmtNumber(latest.es)}</b> ${portfolio.currency}${latest.status !== 'ok' ? html` <span class="badge">${latest.status}: ${latest.reason}</span>` : ''}</dd>
<dt>exceptions shown</dt><dd id="exceptions">${exceptions.length} of ${varRows.filter((r) => pnlByDate.has(r.asOf)).length} days with an outcome</dd>
<dt>traffic light</dt><dd id="traffic-light">${backtest ? html`${lightBadge(backtest.trafficLight)} ${backtest.trafficLightExceptions} exceptions in the last ${backtest.trafficLightObservations} observations (backtest ${backtest.from} … ${backtest.to}, run ${runLink(backtest.pipelineRunId)})` : 'no backtest of this series'}</dd></dl>
${lineChart({
    title: `VaR and ES (as losses) against realised ${series.horizon}-day P&L`, id: 'var', width: 900, height: 300, yName: portfolio.currency,
    series: [
      { name: 'realised P&L', points: varRows.map((r) => [r.asOf, pnlByDate.get(r.asOf) ?? null]) },
      { name: '−VaR', points: varRows.map((r) => [r.asOf, r.var === null ? null : -r.var]) },
      { name: '−ES', points: varRows.map((r) => [r.asOf, r.es === null ? null : -r.es]) },
    ],
    markers: [{ name: 'exception', points: exceptions.map((r) => [r.asOf, pnlByDate.get(r.asOf)!]) }],
  })}
<form class="filters" method="get" action="/portfolios/${encodeURIComponent(id)}#var">
<label>method<select name="method">${RISK_METHOD_NAMES.map((m) => html`<option${m === series.method ? html` selected` : ''}>${m}</option>`)}</select></label>
<label>level<input name="level" value="${series.level}" size="5"></label><label>horizon<input name="horizon" value="${series.horizon}" size="3"></label>
<label>from<input name="from" type="date" value="${p.from ?? ''}"></label><label>to<input name="to" type="date" value="${p.to ?? ''}"></label><button type="submit">Show</button></form>`;
    }

    return sendPage(c, `Portfolio ${portfolio.id}`, 'portfolios', html`${facts}
<h2>Staleness</h2>${staleMarksTable(marks, `positions and VaR rows of ${portfolio.id}`)}
<h2>Positions</h2>${positionTable}
<h2>Performance</h2>${performance}${metricTable}
<h2 id="var">Value at risk</h2>${riskSection}
<h2>Backtests (latest run)</h2>${backtestTable(portfolio.id, backtests, series)}
<p><a href="/portfolios">All portfolios</a> · <a href="${self({ method: undefined, level: undefined, horizon: undefined })}">default series</a></p>`);
  });

  app.get('/optimizations/:id', async (c) => {
    parseQuery(c.req.url, {});
    const id = c.req.param('id');
    const r = await optimizations.get(id);
    if (!r) throw new UiNotFoundError(`no optimisation run ${JSON.stringify(id)} (see /portfolios)`);
    const outputs = r.outputs as { frontier?: FrontierPoint[]; warnings?: string[]; mu?: Record<string, number>; assetVolatility?: Record<string, number>; riskContributions?: Record<string, number>;
      allocation?: { shares: Record<string, number>; leftover: number; rmse: number } };
    const frontier = outputs.frontier ?? [];
    const groups: ScatterGroup[] = [{ name: 'efficient frontier', line: true, points: frontier.map((f, i) => ({ label: `#${i + 1}`, x: f.volatility, y: f.expectedReturn })) }];
    if (outputs.mu && outputs.assetVolatility) {
      groups.push({ name: 'assets', color: '#6b7280', size: 7, points: Object.keys(outputs.mu).filter((s) => outputs.assetVolatility![s] !== undefined)
        .map((s) => ({ label: s, x: outputs.assetVolatility![s], y: outputs.mu![s] })) });
    }
    if (r.volatility !== null && r.expectedReturn !== null) groups.push({ name: 'this run', color: '#dc2626', size: 12, labelPosition: 'left', points: [{ label: r.objective, x: r.volatility, y: r.expectedReturn }] });
    const weights = Object.entries(r.weights).sort((a, b) => b[1] - a[1]);
    const marks = await staleness.open({ kind: 'portfolio_optimization', keys: [r.id] });
    const diagnostics = r.diagnostics as { constraint?: string; message?: string }[];
    return sendPage(c, `Optimisation ${r.id.slice(0, 8)}`, 'portfolios', html`<dl class="facts"><dt>run</dt><dd>${r.id}</dd><dt>pipeline run</dt><dd>${runLink(r.pipelineRunId)}</dd>
<dt>as of</dt><dd>${r.asOf}</dd><dt>objective</dt><dd>${r.objective}</dd><dt>status</dt><dd id="opt-status">${r.status}</dd><dt>symbols</dt><dd>${r.symbols.join(', ')}</dd>
<dt>expected return</dt><dd id="opt-return">${pct(r.expectedReturn)}</dd><dt>volatility</dt><dd id="opt-volatility">${pct(r.volatility)}</dd><dt>Sharpe</dt><dd id="opt-sharpe">${fmtNumber(r.sharpe)}</dd>
${outputs.allocation ? html`<dt>allocation</dt><dd>leftover ${fmtNumber(outputs.allocation.leftover)}, rounding RMSE ${fmtNumber(outputs.allocation.rmse)}</dd>` : ''}</dl>
<h2>Staleness</h2>${staleMarksTable(marks, `optimisation ${r.id.slice(0, 8)} (its closes, predictions or turnover portfolio changed since)`)}
${diagnostics.length ? html`<h2>Why there is no solution</h2><ul class="diagnostics">${diagnostics.map((d) => html`<li><b>${d.constraint ?? ''}</b>: ${d.message ?? JSON.stringify(d)}</li>`)}</ul>` : ''}
${outputs.warnings?.length ? html`<h2>Warnings</h2><ul>${outputs.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : ''}
<h2>Efficient frontier</h2>${frontier.length ? scatterChart({ title: 'Expected return against volatility (annualised)', id: 'frontier', groups, xName: 'volatility', yName: 'expected return', percent: true })
    : html`<p class="empty">No frontier stored for this objective.</p>`}
<h2>Weights</h2>${weights.length ? barChart({ title: 'Weights', id: 'weights', categories: weights.map(([s]) => s), series: [{ name: 'weight', values: weights.map(([, w]) => w) }] }) : ''}
<table id="weights"><thead><tr><th>symbol</th><th class="num">weight</th><th class="num">expected return</th><th class="num">risk contribution</th><th class="num">shares</th></tr></thead>
<tbody>${weights.map(([s, w]) => html`<tr data-symbol="${s}"><td>${s}</td><td class="num" data-weight="${w}">${pct(w)}</td><td class="num">${pct(outputs.mu?.[s])}</td>
<td class="num">${pct(outputs.riskContributions?.[s])}</td><td class="num">${outputs.allocation?.shares[s] ?? ''}</td></tr>`)}</tbody></table>
<h2>Inputs</h2><details><summary>as stored</summary><pre>${JSON.stringify(r.inputs, null, 2)}</pre></details>
<p><a href="/portfolios">All portfolios and runs</a></p>`);
  });
}
