// The HTML report of one optimisation: inputs, weights, diagnostics and the efficient frontier as an inline SVG
// (the run's portfolio and each asset marked). One self-contained file: no script, no CDN, no network.
import { escapeXml } from '../quality/svg-charts';
import type { OptimizationRecord } from '../repositories/optimization-repository';
import type { FrontierPoint } from './optimize';

const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(100 * v).toFixed(2)}%`);

export interface AssetPoint {
  symbol: string;
  expectedReturn: number;
  volatility: number;
}

/** Expected return against volatility: the frontier as a line, the chosen portfolio as a star-like dot, assets as dots. */
export function frontierChart(frontier: FrontierPoint[], chosen: { expectedReturn: number; volatility: number } | null, assets: AssetPoint[] = []): string {
  const width = 640;
  const height = 360;
  const pad = 48;
  const xs = [...frontier.map((p) => p.volatility), ...assets.map((a) => a.volatility), ...(chosen ? [chosen.volatility] : [])];
  const ys = [...frontier.map((p) => p.expectedReturn), ...assets.map((a) => a.expectedReturn), ...(chosen ? [chosen.expectedReturn] : [])];
  const range = (v: number[]) => {
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    const span = hi - lo || Math.abs(hi) || 1;
    return [lo - span * 0.05, hi + span * 0.05];
  };
  const [x0, x1] = range(xs.length ? xs : [0, 1]);
  const [y0, y1] = range(ys.length ? ys : [0, 1]);
  const x = (v: number) => pad + ((v - x0) / (x1 - x0)) * (width - 2 * pad);
  const y = (v: number) => height - pad - ((v - y0) / (y1 - y0)) * (height - 2 * pad);
  const line = frontier.map((p) => `${x(p.volatility).toFixed(1)},${y(p.expectedReturn).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const vx = x0 + f * (x1 - x0);
    const vy = y0 + f * (y1 - y0);
    return `<text x="${x(vx).toFixed(1)}" y="${height - pad + 16}" font-size="10" text-anchor="middle">${pct(vx)}</text>`
      + `<text x="${pad - 6}" y="${y(vy).toFixed(1)}" font-size="10" text-anchor="end" dominant-baseline="middle">${pct(vy)}</text>`;
  }).join('');
  const dots = assets.map((a) => `<circle class="asset" cx="${x(a.volatility).toFixed(1)}" cy="${y(a.expectedReturn).toFixed(1)}" r="3" fill="#9ca3af" data-symbol="${escapeXml(a.symbol)}">`
    + `<title>${escapeXml(`${a.symbol}: return ${pct(a.expectedReturn)}, volatility ${pct(a.volatility)}`)}</title></circle>`
    + `<text x="${(x(a.volatility) + 5).toFixed(1)}" y="${(y(a.expectedReturn) - 4).toFixed(1)}" font-size="9" fill="#6b7280">${escapeXml(a.symbol)}</text>`).join('');
  const mark = chosen ? `<circle class="chosen" cx="${x(chosen.volatility).toFixed(1)}" cy="${y(chosen.expectedReturn).toFixed(1)}" r="6" fill="#dc2626">`
    + `<title>${escapeXml(`this run: return ${pct(chosen.expectedReturn)}, volatility ${pct(chosen.volatility)}`)}</title></circle>` : '';
  return `<svg class="chart frontier" data-points="${frontier.length}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="efficient frontier">`
    + `<rect width="${width}" height="${height}" fill="#fff"/>`
    + `<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#333"/><line x1="${pad}" y1="${pad / 2}" x2="${pad}" y2="${height - pad}" stroke="#333"/>`
    + `${ticks}<text x="${width / 2}" y="${height - 8}" font-size="11" text-anchor="middle">volatility (annualised)</text>`
    + `<text x="12" y="${height / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${height / 2})">expected return</text>`
    + `<polyline class="frontier-line" points="${line}" fill="none" stroke="#2563eb" stroke-width="2"/>${dots}${mark}</svg>`;
}

export function optimizationReport(r: OptimizationRecord, assets: AssetPoint[]): string {
  const outputs = r.outputs as { frontier?: FrontierPoint[]; warnings?: string[]; mu?: Record<string, number>; riskContributions?: Record<string, number>; allocation?: { shares: Record<string, number>; leftover: number; rmse: number; trades: unknown[] } };
  const frontier = outputs.frontier ?? [];
  const chosen = r.expectedReturn !== null && r.volatility !== null ? { expectedReturn: r.expectedReturn, volatility: r.volatility } : null;
  const rows = Object.entries(r.weights).sort((a, b) => b[1] - a[1])
    .map(([s, w]) => `<tr><td>${escapeXml(s)}</td><td class="num">${pct(w)}</td><td class="num">${pct(outputs.mu?.[s])}</td><td class="num">${pct(outputs.riskContributions?.[s])}</td><td class="num">${outputs.allocation?.shares[s] ?? ''}</td></tr>`).join('');
  const diagnostics = (r.diagnostics as { constraint: string; message: string }[]).map((d) => `<li><b>${escapeXml(d.constraint)}</b>: ${escapeXml(d.message)}</li>`).join('');
  const warnings = (outputs.warnings ?? []).map((w) => `<li>${escapeXml(w)}</li>`).join('');
  const inputs = escapeXml(JSON.stringify(r.inputs, null, 2));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Portfolio optimization ${escapeXml(r.id)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:960px}table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #eee}.num{text-align:right}pre{background:#f6f6f6;padding:1em;overflow:auto}</style></head><body>
<h1>Portfolio optimization</h1>
<p>Run <code>${escapeXml(r.id)}</code> as of <b>${escapeXml(r.asOf)}</b>: <b>${escapeXml(r.objective)}</b> over ${r.symbols.length} symbols — status <b class="status">${escapeXml(r.status)}</b>.</p>
<p>Expected return <b>${pct(r.expectedReturn)}</b>, volatility <b>${pct(r.volatility)}</b>, Sharpe <b>${r.sharpe === null ? '–' : r.sharpe.toFixed(3)}</b>${outputs.allocation ? `; allocation leftover ${outputs.allocation.leftover.toFixed(2)}, rounding RMSE ${outputs.allocation.rmse.toFixed(4)}` : ''}.</p>
${diagnostics ? `<h2>Why there is no solution</h2><ul class="diagnostics">${diagnostics}</ul>` : ''}
${warnings ? `<h2>Warnings</h2><ul class="warnings">${warnings}</ul>` : ''}
<h2>Efficient frontier</h2>${frontier.length ? frontierChart(frontier, chosen, assets) : '<p>No frontier for this objective.</p>'}
<h2>Weights</h2><table><thead><tr><th>symbol</th><th>weight</th><th>expected return</th><th>risk contribution</th><th>shares</th></tr></thead><tbody>${rows}</tbody></table>
<h2>Inputs</h2><pre>${inputs}</pre></body></html>
`;
}
