// Charts as server-rendered SVG (ECharts in SSR mode): no browser script, so the page's CSP can forbid scripts
// and inline styles entirely. Every chart also carries its numbers as a table, for people and for tests.
import * as echarts from 'echarts';
import { html, trusted, type Html } from './html';

export type ChartX = string | number;
export interface ChartSeries {
  name: string;
  points: [ChartX, number | null][];
}

export interface ChartBase {
  title: string;
  /** A stable name for the chart (data-chart attribute), e.g. the rule or feature it plots. */
  id?: string;
  /** @default 720 */
  width?: number;
  /** @default 260 */
  height?: number;
}

export interface LineChartOptions extends ChartBase {
  series: ChartSeries[];
  /** Points drawn as marks over the lines (e.g. failing bars), one legend entry each. */
  markers?: ChartSeries[];
  /** @default 'time' when the first x is an ISO date, else 'value' */
  xType?: 'time' | 'value' | 'category';
  yName?: string;
}

export interface BarChartOptions extends ChartBase {
  categories: string[];
  series: { name: string; values: (number | null)[] }[];
  yName?: string;
}

const PALETTE = ['#2563eb', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be123c', '#4d7c0f', '#a16207'];
const MARKER_COLOR = '#dc2626';

/**
 * ECharts' SSR output styles text with style="" attributes and a <style> block of hover rules; a CSP without
 * 'unsafe-inline' refuses both. Hover rules mean nothing without script, so they go; the text styles become the
 * equivalent SVG presentation attributes.
 */
export function cspSafeSvg(svg: string): string {
  return svg
    .replace(/<style[^>]*>[\s\S]*?<\/style>/g, '')
    .replace(/ style="([^"]*)"/g, (_, decls: string) => {
      const attrs: string[] = [];
      for (const decl of decls.split(';')) {
        const i = decl.indexOf(':');
        if (i < 0) continue;
        const prop = decl.slice(0, i).trim();
        const value = decl.slice(i + 1).trim();
        if (prop === 'font') {
          // font: <style> <weight> <size> <family…>, as ECharts writes it.
          const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(.+)$/.exec(value);
          if (m) attrs.push(`font-style="${m[1]}"`, `font-weight="${m[2]}"`, `font-size="${m[3]}"`, `font-family="${m[4]}"`);
        } else if (/^[a-z-]+$/.test(prop) && !/["<>]/.test(value)) attrs.push(`${prop}="${value}"`);
      }
      return attrs.length ? ` ${attrs.join(' ')}` : '';
    });
}

/** Renders any ECharts option to CSP-safe SVG markup (for chart kinds this module does not wrap yet). */
export function renderEcharts(option: echarts.EChartsOption, width: number, height: number): Html {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, color: PALETTE, textStyle: { fontFamily: 'sans-serif' }, ...option });
    return trusted(cspSafeSvg(chart.renderToSVGString()));
  } finally {
    chart.dispose();
  }
}

const isIsoDate = (x: unknown) => typeof x === 'string' && /^\d{4}-\d{2}-\d{2}/.test(x);
const fmt = (v: number | null) => (v === null ? '' : String(v));

function dataTable(headers: string[], rows: (string | number | null)[][]): Html {
  return html`<details class="chart-data"><summary>data</summary><table><thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${c === null ? '' : String(c)}</td>`)}</tr>`)}</tbody></table></details>`;
}

function figure(kind: string, o: ChartBase, svg: Html, table: Html, attrs: Html = trusted('')): Html {
  return html`<figure class="chart ${kind}" data-chart="${o.id ?? o.title}"${attrs}><figcaption>${o.title}</figcaption>${svg}${table}</figure>`;
}

/** Lines over time (or any x), with optional marker points; the data table lists every point of every series. */
export function lineChart(o: LineChartOptions): Html {
  const width = o.width ?? 720;
  const height = o.height ?? 260;
  const markers = o.markers ?? [];
  const firstX = o.series.find((s) => s.points.length)?.points[0]?.[0];
  const xType = o.xType ?? (isIsoDate(firstX) ? 'time' : 'value');
  const svg = renderEcharts({
    grid: { left: 64, right: 24, top: 36, bottom: 36 },
    legend: { top: 4, data: [...o.series, ...markers].map((s) => s.name) },
    xAxis: { type: xType, ...(xType === 'category' ? { data: o.series[0]?.points.map((p) => p[0]) } : {}) },
    yAxis: { type: 'value', scale: true, name: o.yName },
    series: [
      ...o.series.map((s) => ({ name: s.name, type: 'line' as const, showSymbol: s.points.length <= 40, connectNulls: false, data: s.points })),
      ...markers.map((m) => ({ name: m.name, type: 'scatter' as const, symbolSize: 9, itemStyle: { color: MARKER_COLOR }, data: m.points })),
    ],
  }, width, height);
  const rows = [...o.series.map((s) => ({ s, kind: 'line' })), ...markers.map((s) => ({ s, kind: 'marker' }))]
    .flatMap(({ s, kind }) => s.points.map((p) => [s.name, kind, String(p[0]), fmt(p[1])]));
  const points = o.series.reduce((n, s) => n + s.points.length, 0);
  const marks = markers.reduce((n, s) => n + s.points.length, 0);
  return figure('line', o, svg, dataTable(['series', 'kind', 'x', 'y'], rows),
    html` data-series="${o.series.length}" data-points="${points}" data-markers="${marks}"`);
}

/** Grouped bars over categories. */
export function barChart(o: BarChartOptions): Html {
  const width = o.width ?? 720;
  const height = o.height ?? 260;
  const svg = renderEcharts({
    grid: { left: 64, right: 24, top: 36, bottom: 48 },
    legend: { top: 4, data: o.series.map((s) => s.name) },
    xAxis: { type: 'category', data: o.categories, axisLabel: { interval: 0, rotate: o.categories.length > 8 ? 30 : 0 } },
    yAxis: { type: 'value', name: o.yName },
    series: o.series.map((s) => ({ name: s.name, type: 'bar' as const, data: s.values })),
  }, width, height);
  const rows = o.series.flatMap((s) => o.categories.map((c, i) => [s.name, c, fmt(s.values[i] ?? null)]));
  return figure('bar', o, svg, dataTable(['series', 'category', 'value'], rows), html` data-series="${o.series.length}" data-bars="${rows.length}"`);
}
