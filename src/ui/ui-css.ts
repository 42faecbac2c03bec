// The UI's one stylesheet and its icon, served under /assets/ (modules, so the build ships them without a copy step).

export const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#111827"/><path d="M2 11 L6 7 L9 9 L14 4" stroke="#60a5fa" stroke-width="2" fill="none"/></svg>';
export const STYLESHEET = `
:root { --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #f9fafb; --accent: #2563eb; --bad: #b91c1c; --good: #15803d; --warn: #a16207; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header.top { display: flex; gap: 24px; align-items: center; padding: 10px 24px; background: #111827; }
header.top a { color: #d1d5db; text-decoration: none; }
header.top a.brand { color: #fff; font-weight: 700; font-size: 16px; }
header.top nav { display: flex; gap: 16px; flex-wrap: wrap; }
header.top nav a.active { color: #fff; border-bottom: 2px solid #60a5fa; }
main { padding: 16px 24px 40px; max-width: 1280px; }
h1 { font-size: 22px; margin: 8px 0 16px; }
h2 { font-size: 17px; margin: 24px 0 8px; }
a { color: var(--accent); }
table { border-collapse: collapse; background: #fff; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
pre { background: #fff; border: 1px solid var(--line); padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
form.filters { display: flex; gap: 12px; flex-wrap: wrap; align-items: end; margin-bottom: 16px; background: #fff; padding: 10px; border: 1px solid var(--line); }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
form.filters input, form.filters select { font: inherit; padding: 3px 6px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff; padding: 10px; border: 1px solid var(--line); }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.status-completed, .pass { color: var(--good); font-weight: 600; }
.status-failed, .fail { color: var(--bad); font-weight: 600; }
.status-running { color: var(--warn); font-weight: 600; }
.muted, .empty { color: var(--muted); }
.error { color: var(--bad); background: #fef2f2; border: 1px solid #fecaca; padding: 8px 12px; }
figure.chart { margin: 12px 0; background: #fff; border: 1px solid var(--line); padding: 8px; display: inline-block; max-width: 100%; }
figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
details.chart-data summary { color: var(--muted); cursor: pointer; font-size: 12px; }
details.chart-data table { font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 12px; background: #e5e7eb; }
.badge.bad { background: #fee2e2; color: var(--bad); }
.badge.good { background: #dcfce7; color: var(--good); }
svg.dag .node rect { fill: #fff; stroke: #9ca3af; }
svg.dag .node.start rect { stroke: var(--accent); stroke-width: 2; }
svg.dag .node text { font-size: 11px; fill: var(--fg); }
svg.dag .node text.kind { fill: var(--muted); font-size: 10px; }
svg.dag .edge path { fill: none; stroke: #9ca3af; stroke-width: 1.2; }
svg.dag .edge text { font-size: 10px; fill: #374151; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg.dag .node.kind-price_data rect { fill: #eff6ff; }
svg.dag .node.kind-feature_data rect { fill: #f0fdf4; }
svg.dag .node.kind-validation_result rect { fill: #fefce8; }
svg.dag .node.kind-file rect { fill: #faf5ff; }
svg.dag .node.kind-model_training_run rect, svg.dag .node.kind-model_prediction rect { fill: #fff7ed; }
svg.dag .node.kind-portfolio_position rect, svg.dag .node.kind-portfolio_valuation rect, svg.dag .node.kind-trade rect { fill: #ecfeff; }
svg.dag a:hover rect { stroke: var(--accent); }
.dag-wrap { overflow: auto; background: #fff; border: 1px solid var(--line); }
footer { color: var(--muted); padding: 12px 24px; font-size: 12px; }
`;
