// Inline SVG charts drawn by hand, so the compliance report is one self-contained file: no CDN, no network.

export const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

interface Frame {
  width: number;
  height: number;
  pad: number;
}

const FRAME: Frame = { width: 640, height: 180, pad: 36 };

function scale(values: number[], lo: number, hi: number): (v: number) => number {
  const min = Math.min(...values), max = Math.max(...values);
  const span = max - min || Math.abs(max) || 1;
  return (v) => hi - ((v - min) / span) * (hi - lo);
}

const fmt = (v: number) => (Math.abs(v) >= 1000 || v === 0 ? v.toFixed(0) : v.toPrecision(3));

export interface TrendPoint {
  label: string;
  value: number;
  passed: boolean;
}

/** A rule's observed metric over runs, with its threshold dashed; failing runs are red dots. */
export function trendChart(rule: string, points: TrendPoint[], threshold: number | null): string {
  const { width, height, pad } = FRAME;
  const values = [...points.map((p) => p.value), ...(threshold === null ? [] : [threshold])];
  const y = scale(values, pad / 2, height - pad);
  const x = (i: number) => pad + (points.length === 1 ? (width - 2 * pad) / 2 : (i * (width - 2 * pad)) / (points.length - 1));
  const line = points.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const dots = points.map((p, i) =>
    `<circle class="point ${p.passed ? 'pass' : 'fail'}" cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3.5" data-value="${p.value}">` +
    `<title>${escapeXml(`${p.label}: ${p.value}`)}</title></circle>`).join('');
  const limit = threshold === null ? '' :
    `<line class="threshold" x1="${pad}" x2="${width - pad}" y1="${y(threshold).toFixed(1)}" y2="${y(threshold).toFixed(1)}" stroke="#999" stroke-dasharray="4 3"/>` +
    `<text x="${width - pad + 2}" y="${y(threshold).toFixed(1)}" font-size="10">${fmt(threshold)}</text>`;
  return `<svg class="chart trend" data-rule="${escapeXml(rule)}" data-points="${points.length}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(`trend of ${rule}`)}">` +
    `<rect width="${width}" height="${height}" fill="#fff"/>${limit}` +
    `<polyline points="${line}" fill="none" stroke="#2563eb" stroke-width="1.5"/>${dots}` +
    `<text x="${pad}" y="${height - 8}" font-size="10">${escapeXml(points[0]?.label ?? '')}</text>` +
    `<text x="${width - pad}" y="${height - 8}" font-size="10" text-anchor="end">${escapeXml(points[points.length - 1]?.label ?? '')}</text></svg>`;
}

export interface PricePoint {
  ts: string;
  close: number;
}

/** Closes of one symbol with the failing bars marked (red circles carrying data-ts). */
export function priceChart(symbol: string, bars: PricePoint[], failingTs: Set<string>): string {
  const { width, height, pad } = FRAME;
  const y = scale(bars.map((b) => b.close), pad / 2, height - pad);
  const x = (i: number) => pad + (bars.length <= 1 ? 0 : (i * (width - 2 * pad)) / (bars.length - 1));
  const line = bars.map((b, i) => `${x(i).toFixed(1)},${y(b.close).toFixed(1)}`).join(' ');
  const marks = bars.map((b, i) => failingTs.has(b.ts)
    ? `<circle class="failing-bar" cx="${x(i).toFixed(1)}" cy="${y(b.close).toFixed(1)}" r="4" fill="none" stroke="#dc2626" stroke-width="2" data-ts="${b.ts}">` +
      `<title>${escapeXml(`${b.ts.slice(0, 10)} close ${b.close}`)}</title></circle>`
    : '').join('');
  const closes = bars.map((b) => b.close);
  return `<svg class="chart price" data-symbol="${escapeXml(symbol)}" data-bars="${bars.length}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(`${symbol} closes`)}">` +
    `<rect width="${width}" height="${height}" fill="#fff"/>` +
    `<polyline points="${line}" fill="none" stroke="#111" stroke-width="1"/>${marks}` +
    `<text x="4" y="${pad / 2 + 4}" font-size="10">${bars.length ? fmt(Math.max(...closes)) : ''}</text>` +
    `<text x="4" y="${height - pad}" font-size="10">${bars.length ? fmt(Math.min(...closes)) : ''}</text>` +
    `<text x="${pad}" y="${height - 8}" font-size="10">${bars[0]?.ts.slice(0, 10) ?? ''}</text>` +
    `<text x="${width - pad}" y="${height - 8}" font-size="10" text-anchor="end">${bars[bars.length - 1]?.ts.slice(0, 10) ?? ''}</text></svg>`;
}
