// The risk report: a portfolio's VaR and ES over time against realised P&L with the exceptions marked, the Basel
// traffic-light table, the methods side by side on the last date and the largest contributors, as one self-contained
// HTML page (inline SVG, no network) or JSON. Built from the latest stored backtest run and the rows it covered.
import { escapeXml } from '../quality/svg-charts';
import type { BacktestRow, PnlRow, RiskRepository, VarRow } from '../repositories/risk-repository';

export interface RiskReportData {
  portfolioId: string;
  generatedAt: string;
  from: string;
  to: string;
  pipelineRunId: string | null;
  /** The series charted per method: this level and horizon (Basel's 99 %, 1 day when stored). */
  chart: { level: number; horizon: number };
  backtests: BacktestRow[];
  redZone: string[];
  /** Last date's rows, every method × level × horizon. */
  latest: VarRow[];
  series: { method: string; points: { asOf: string; var: number | null; es: number | null; pnl: number | null; exception: boolean }[] }[];
  contributors: { method: string; level: number; horizon: number; asOf: string; rows: { symbol: string; exposure: number; marginal: number; component: number }[] } | null;
}

const sameLevel = (a: number, b: number) => Math.abs(a - b) < 1e-9;

export async function buildRiskReport(repo: RiskRepository, portfolioId: string, pipelineRunId?: string, now = new Date()): Promise<RiskReportData> {
  const backtests = await repo.backtests(portfolioId, pipelineRunId);
  const lastVar = await repo.latestVarDate(portfolioId);
  const to = backtests[0]?.to ?? lastVar;
  if (!to) throw new Error(`portfolio ${portfolioId} has no VaR rows: run tickflow risk var ${portfolioId}`);
  const from = backtests[0]?.from ?? to;
  const vars = await repo.varRows(portfolioId, { from, to });
  const pnl: PnlRow[] = await repo.pnlRows(portfolioId, from, to);
  const has = (level: number, horizon: number) => vars.some((v) => sameLevel(v.level, level) && v.horizon === horizon);
  const chart = has(0.99, 1) ? { level: 0.99, horizon: 1 } : { level: vars[0]?.level ?? 0.99, horizon: vars[0]?.horizon ?? 1 };
  const realised = new Map(pnl.filter((p) => p.horizon === chart.horizon).map((p) => [p.asOf, p.pnl]));
  const methods = [...new Set(vars.map((v) => v.method))];
  const series = methods.map((method) => ({
    method,
    points: vars.filter((v) => v.method === method && v.horizon === chart.horizon && sameLevel(v.level, chart.level)).map((v) => {
      const p = realised.get(v.asOf) ?? null;
      return { asOf: v.asOf, var: v.var, es: v.es, pnl: p, exception: p !== null && v.var !== null && p < -v.var };
    }),
  }));
  const latest = vars.filter((v) => v.asOf === to);
  const withContributions = latest.find((v) => v.method === 'parametric_normal' && sameLevel(v.level, chart.level) && v.horizon === chart.horizon && v.contributions)
    ?? latest.find((v) => v.contributions);
  const contributors = withContributions ? {
    method: withContributions.method, level: withContributions.level, horizon: withContributions.horizon, asOf: withContributions.asOf,
    rows: [...withContributions.contributions!].sort((a, b) => Math.abs(b.component) - Math.abs(a.component)).slice(0, 20),
  } : null;
  return {
    portfolioId, generatedAt: now.toISOString(), from, to, pipelineRunId: backtests[0]?.pipelineRunId ?? null, chart, backtests,
    redZone: backtests.filter((b) => b.trafficLight === 'red').map((b) => `${b.method} ${b.level} ${b.horizon}d`), latest, series, contributors,
  };
}

const money = (x: number | null) => (x === null ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** −VaR and −ES as lines, realised P&L as dots; exceptions are red circles carrying data-date. */
export function varChart(method: string, points: RiskReportData['series'][number]['points']): string {
  const width = 720, height = 220, pad = 40;
  const values = points.flatMap((p) => [p.var === null ? null : -p.var, p.es === null ? null : -p.es, p.pnl]).filter((v): v is number => v !== null);
  const lo = Math.min(0, ...values), hi = Math.max(0, ...values);
  const span = hi - lo || 1;
  const y = (v: number) => pad / 2 + ((hi - v) / span) * (height - pad * 1.5);
  const x = (i: number) => pad + (points.length <= 1 ? 0 : (i * (width - 2 * pad)) / (points.length - 1));
  const line = (pick: (p: (typeof points)[number]) => number | null, cls: string, colour: string) => {
    const pts = points.map((p, i) => [i, pick(p)] as const).filter(([, v]) => v !== null).map(([i, v]) => `${x(i).toFixed(1)},${y(v!).toFixed(1)}`).join(' ');
    return `<polyline class="${cls}" points="${pts}" fill="none" stroke="${colour}" stroke-width="1.2"/>`;
  };
  const dots = points.map((p, i) => (p.pnl === null ? '' : p.exception
    ? `<circle class="exception" data-date="${p.asOf}" cx="${x(i).toFixed(1)}" cy="${y(p.pnl).toFixed(1)}" r="4" fill="none" stroke="#dc2626" stroke-width="2"><title>${escapeXml(`${p.asOf}: P&L ${money(p.pnl)} beyond VaR ${money(p.var)}`)}</title></circle>`
    : `<circle class="pnl" cx="${x(i).toFixed(1)}" cy="${y(p.pnl).toFixed(1)}" r="1.3" fill="#555"/>`)).join('');
  return `<svg class="chart var" data-method="${escapeXml(method)}" data-points="${points.length}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(`${method}: VaR and ES against realised P&L`)}">`
    + `<rect width="${width}" height="${height}" fill="#fff"/>`
    + `<line x1="${pad}" x2="${width - pad}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#bbb"/>`
    + line((p) => (p.var === null ? null : -p.var), 'var-line', '#2563eb') + line((p) => (p.es === null ? null : -p.es), 'es-line', '#9333ea') + dots
    + `<text x="4" y="${pad / 2 + 4}" font-size="10">${escapeXml(money(hi))}</text><text x="4" y="${height - pad}" font-size="10">${escapeXml(money(lo))}</text>`
    + `<text x="${pad}" y="${height - 6}" font-size="10">${points[0]?.asOf ?? ''}</text><text x="${width - pad}" y="${height - 6}" font-size="10" text-anchor="end">${points[points.length - 1]?.asOf ?? ''}</text></svg>`;
}

export function renderRiskHtml(d: RiskReportData): string {
  const levels = [...new Set(d.latest.map((v) => v.level))].sort();
  const horizons = [...new Set(d.latest.map((v) => v.horizon))].sort((a, b) => a - b);
  const methods = [...new Set(d.latest.map((v) => v.method))];
  const cell = (m: string, l: number, h: number) => d.latest.find((v) => v.method === m && sameLevel(v.level, l) && v.horizon === h);
  const side = `<table id="methods"><thead><tr><th>method</th>${horizons.flatMap((h) => levels.map((l) => `<th colspan="2">${h}d ${pct(l)}</th>`)).join('')}</tr>
    <tr><th></th>${horizons.flatMap(() => levels.map(() => '<th>VaR</th><th>ES</th>')).join('')}</tr></thead><tbody>
    ${methods.map((m) => `<tr data-method="${escapeXml(m)}"><td>${escapeXml(m)}</td>${horizons.flatMap((h) => levels.map((l) => {
    const v = cell(m, l, h);
    const note = v?.status === 'ok' ? '' : ` title="${escapeXml(v?.reason ?? 'not computed')}" class="${escapeXml(v?.status ?? 'missing')}"`;
    return `<td data-level="${l}" data-horizon="${h}" data-var="${v?.var ?? ''}"${note}>${money(v?.var ?? null)}</td><td data-es="${v?.es ?? ''}">${money(v?.es ?? null)}</td>`;
  })).join('')}</tr>`).join('\n')}</tbody></table>`;
  const lights = `<table id="traffic-light"><thead><tr><th>method</th><th>level</th><th>horizon</th><th>observations</th><th>exceptions</th><th>expected</th><th>zone (last ${'≤'}250)</th>
    <th>Kupiec p</th><th>independence p</th><th>cond. coverage p</th><th>ES Z2</th><th>ES verdict</th></tr></thead><tbody>
    ${d.backtests.map((b) => `<tr data-method="${escapeXml(b.method)}" data-level="${b.level}" data-horizon="${b.horizon}" class="zone-${b.trafficLight}">
      <td>${escapeXml(b.method)}</td><td>${pct(b.level)}</td><td>${b.horizon}d</td><td>${b.observations}</td><td class="exceptions">${b.exceptions}</td>
      <td>${((1 - b.level) * b.observations).toFixed(1)}</td><td class="zone">${b.trafficLight} (${b.trafficLightExceptions}/${b.trafficLightObservations})</td>
      <td>${b.kupiecP.toFixed(3)}</td><td>${b.independenceP.toFixed(3)}</td><td>${b.conditionalCoverageP.toFixed(3)}</td><td>${b.esZ2.toFixed(3)}</td><td>${escapeXml(b.esVerdict)}</td></tr>`).join('\n')}
    </tbody></table>`;
  const charts = d.series.map((s) => `<h3>${escapeXml(s.method)}</h3><p class="legend">blue −VaR, purple −ES, dots realised P&L, red circles exceptions: ${s.points.filter((p) => p.exception).length}</p>${varChart(s.method, s.points)}`).join('\n');
  const contributors = d.contributors ? `<p>${escapeXml(d.contributors.method)} ${pct(d.contributors.level)} ${d.contributors.horizon}d on ${d.contributors.asOf} (Euler allocation: components add up to the VaR)</p>
    <table id="contributors"><thead><tr><th>symbol</th><th>exposure</th><th>marginal VaR</th><th>component VaR</th><th>share</th></tr></thead><tbody>
    ${d.contributors.rows.map((r) => {
    const total = d.contributors!.rows.reduce((s, x) => s + x.component, 0) || 1;
    return `<tr data-symbol="${escapeXml(r.symbol)}"><td>${escapeXml(r.symbol)}</td><td>${money(r.exposure)}</td><td>${r.marginal.toFixed(5)}</td><td class="component">${money(r.component)}</td><td>${pct(r.component / total)}</td></tr>`;
  }).join('\n')}</tbody></table>` : '<p>no method with contributions stored</p>';
  const flags = d.redZone.length
    ? `<ul id="red-zone">${d.redZone.map((r) => `<li>${escapeXml(r)}</li>`).join('')}</ul>`
    : '<p id="red-zone-none">no method in the red zone</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Risk report: ${escapeXml(d.portfolioId)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #111; } table { border-collapse: collapse; margin: 1rem 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: right; } td:first-child, th:first-child { text-align: left; }
.zone-green .zone { background: #dcfce7; } .zone-yellow .zone { background: #fef9c3; } .zone-red .zone { background: #fecaca; font-weight: bold; }
td.fallback { background: #fef3c7; } td.insufficient_history { color: #999; } #red-zone li { color: #b91c1c; font-weight: bold; }
</style></head><body>
<h1>Risk report: portfolio ${escapeXml(d.portfolioId)}</h1>
<p id="scope">VaR dates <span id="from">${d.from}</span> … <span id="to">${d.to}</span>; backtest run ${escapeXml(d.pipelineRunId ?? 'none')}; generated ${escapeXml(d.generatedAt)}.
Loss convention: VaR and ES are positive losses in the portfolio's currency; realised P&L is the hypothetical P&L of each day's positions over the horizon.</p>
<h2>Methods in the red zone</h2>${flags}
<h2>Methods side by side on ${d.to}</h2>${side}
<h2>Backtests: Basel traffic light, Kupiec, Christoffersen, Acerbi–Székely</h2>${lights}
<h2>VaR and ES against realised P&L (${pct(d.chart.level)}, ${d.chart.horizon}d)</h2>${charts}
<h2>Largest contributors</h2>${contributors}
</body></html>`;
}
