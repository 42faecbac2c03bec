// A directed graph laid out by dagre (layered, left to right) and drawn by us as SVG: nodes are links, edges carry a
// label that may be a link too. Every text goes through html``, so dataset names cannot inject markup.
import * as dagre from '@dagrejs/dagre';
import { html, type Html } from './html';

export interface DagNode {
  id: string;
  /** Small first line (e.g. the dataset kind); also the node's CSS class `kind-<kind>` when it is a plain word. */
  kind: string;
  label: string;
  href?: string;
  /** Full text shown on hover (the label may be shortened). */
  title?: string;
  highlight?: boolean;
}

export interface DagEdge {
  from: string;
  to: string;
  label: string;
  href?: string;
}

const CHAR_W = 6.4;
const MAX_CHARS = 46;
const NODE_H = 38;
// The middle goes: a path's or a range's two ends say the most (the folder and the file name, the first and last day).
const shorten = (s: string) => (s.length > MAX_CHARS ? `${s.slice(0, 16)}…${s.slice(s.length - (MAX_CHARS - 17))}` : s);

export function renderDag(nodes: DagNode[], edges: DagEdge[]): Html {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 16, ranksep: 22, edgesep: 10, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.id, { width: Math.max(shorten(n.label).length, n.kind.length) * CHAR_W + 20, height: NODE_H });
  edges.forEach((e, i) => g.setEdge(e.from, e.to, { width: e.label.length * 5.6 + 8, height: 14, labelpos: 'c' }, `e${i}`));
  dagre.layout(g);
  const { width = 0, height = 0 } = g.graph();
  const r = (v: number) => Math.round(v * 10) / 10;
  const edgeSvg = edges.map((e, i) => {
    const laid = g.edge({ v: e.from, w: e.to, name: `e${i}` });
    const pts: { x: number; y: number }[] = laid.points ?? [];
    const d = pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${r(p.x)},${r(p.y)}`).join(' ');
    const text = html`<text x="${r(laid.x ?? 0)}" y="${r((laid.y ?? 0) + 3)}" text-anchor="middle">${e.label}</text>`;
    return html`<g class="edge" data-from="${e.from}" data-to="${e.to}" data-label="${e.label}"><path d="${d}" marker-end="url(#arrow)"></path>${e.href ? html`<a href="${e.href}">${text}</a>` : text}</g>`;
  });
  const nodeSvg = nodes.map((n) => {
    const laid = g.node(n.id);
    const x = r(laid.x - laid.width / 2);
    const y = r(laid.y - laid.height / 2);
    const kindClass = /^[a-z_]+$/.test(n.kind) ? ` kind-${n.kind}` : '';
    const inner = html`<title>${n.title ?? n.label}</title><rect x="${x}" y="${y}" width="${r(laid.width)}" height="${r(laid.height)}" rx="5"></rect>
<text class="kind" x="${x + 8}" y="${y + 14}">${n.kind}</text><text class="label" x="${x + 8}" y="${y + 29}">${shorten(n.label)}</text>`;
    return html`<g class="node${kindClass}${n.highlight ? ' start' : ''}" data-node="${n.id}">${n.href ? html`<a href="${n.href}">${inner}</a>` : inner}</g>`;
  });
  return html`<svg class="dag" xmlns="http://www.w3.org/2000/svg" width="${r(width)}" height="${r(height)}" viewBox="0 0 ${r(width)} ${r(height)}" data-nodes="${nodes.length}" data-edges="${edges.length}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#9ca3af"></path></marker></defs>
${edgeSvg}${nodeSvg}</svg>`;
}
