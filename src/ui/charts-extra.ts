// Chart kinds the Portfolios page needs beyond charts.ts: points in a plane (the efficient frontier with the chosen
// portfolio and each asset). Same conventions as charts.ts: SSR SVG through renderEcharts, numbers also as a table.
import { html, type Html } from './html';
import { renderEcharts } from './charts';

export interface ScatterPoint {
  label: string;
  x: number;
  y: number;
}

export interface ScatterGroup {
  name: string;
  points: ScatterPoint[];
  /** Draw the points joined in order (a curve such as the frontier) rather than as dots. */
  line?: boolean;
  color?: string;
  /** @default 8 */
  size?: number;
  /** Where each point's label goes. @default 'right' */
  labelPosition?: 'left' | 'right' | 'top' | 'bottom';
}

export interface ScatterChartOptions {
  title: string;
  id?: string;
  groups: ScatterGroup[];
  xName: string;
  yName: string;
  /** Axis labels as percentages (values are fractions). */
  percent?: boolean;
  /** @default 720 */
  width?: number;
  /** @default 360 */
  height?: number;
}

/** Points and curves over two value axes; the data table lists every point of every group. */
export function scatterChart(o: ScatterChartOptions): Html {
  const width = o.width ?? 720;
  const height = o.height ?? 360;
  const label = o.percent ? { formatter: (v: number) => `${(v * 100).toFixed(1)}%` } : {};
  const svg = renderEcharts({
    grid: { left: 72, right: 24, top: 40, bottom: 48 },
    legend: { top: 4, data: o.groups.map((g) => g.name) },
    xAxis: { type: 'value', scale: true, name: o.xName, nameLocation: 'middle', nameGap: 28, axisLabel: label },
    yAxis: { type: 'value', scale: true, name: o.yName, axisLabel: label },
    series: o.groups.map((g) => (g.line
      ? { name: g.name, type: 'line' as const, showSymbol: true, symbolSize: 4, data: g.points.map((p) => [p.x, p.y]), ...(g.color ? { itemStyle: { color: g.color }, lineStyle: { color: g.color } } : {}) }
      : {
        name: g.name, type: 'scatter' as const, symbolSize: g.size ?? 8, data: g.points.map((p) => ({ value: [p.x, p.y], name: p.label })),
        label: { show: true, position: g.labelPosition ?? 'right', formatter: '{b}', fontSize: 10 }, ...(g.color ? { itemStyle: { color: g.color } } : {}),
      })),
  }, width, height);
  const points = o.groups.reduce((n, g) => n + g.points.length, 0);
  return html`<figure class="chart scatter" data-chart="${o.id ?? o.title}" data-groups="${o.groups.length}" data-points="${points}"><figcaption>${o.title}</figcaption>${svg}
<details class="chart-data"><summary>data</summary><table><thead><tr><th>group</th><th>point</th><th>${o.xName}</th><th>${o.yName}</th></tr></thead>
<tbody>${o.groups.flatMap((g) => g.points.map((p) => html`<tr><td>${g.name}</td><td>${p.label}</td><td>${String(p.x)}</td><td>${String(p.y)}</td></tr>`))}</tbody></table></details></figure>`;
}
