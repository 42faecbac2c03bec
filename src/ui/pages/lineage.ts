// Lineage: the dataset graph upstream and downstream of a dataset or a run (sources → price data → features →
// quality → exports → models → predictions → portfolios), walked as `tickflow lineage` walks it and laid out as a DAG.
import { z } from 'zod';
import { datasetsConnect, walkLineage, type LineageAnswer, type LineageNode } from '../../../activities/lineage';
import { formatDatasetRef, parseDatasetRef } from '../../contracts/dataset-ref';
import { RunRepository, type LineageEdge } from '../../repositories/run-repository';
import { renderDag, type DagEdge, type DagNode } from '../dag';
import type { UiApp, UiDeps } from '../deps';
import { fmtTime } from '../format';
import { href, html, type Html } from '../html';
import { parseQuery, q, UiNotFoundError, UiParamError } from '../params';
import { sendPage } from '../respond';
import { runLink } from './runs';

const DIRECTIONS = ['both', 'upstream', 'downstream'] as const;
type Direction = (typeof DIRECTIONS)[number];

const params = {
  dataset: q.optional(q.text(2000)),
  run: q.optional(z.string().regex(/^[A-Za-z0-9][\w.:-]{0,254}$/, 'expected a pipeline-run id or workflow id')),
  direction: q.optional(z.enum(DIRECTIONS)),
  depth: q.optional(q.int(1, 20)),
};
const DEFAULT_DEPTH = 4;

/** A dataset reference's kind (the text before its first colon), or "source" for what no codec names. */
export function datasetKind(ref: string): string {
  try {
    return parseDatasetRef(ref).kind;
  } catch {
    return 'source';
  }
}

interface Graph {
  nodes: Map<string, DagNode>;
  edges: Map<string, DagEdge & { pipelineRunId: string }>;
}

function addDataset(g: Graph, dataset: string, start: Set<string>, depth: number, direction: Direction): void {
  if (g.nodes.has(dataset)) return;
  const kind = datasetKind(dataset);
  g.nodes.set(dataset, {
    id: dataset, kind, label: kind === 'source' ? dataset : dataset.slice(dataset.indexOf(':') + 1), title: dataset, highlight: start.has(dataset),
    href: href('/lineage', { dataset, direction: direction === 'both' ? undefined : direction, depth: depth === DEFAULT_DEPTH ? undefined : depth }),
  });
}

/** Folds walk trees into one graph whose edges point the way data flowed (input → output). */
function addWalk(g: Graph, answer: LineageAnswer, direction: 'upstream' | 'downstream', start: Set<string>, depth: number, shown: Direction): void {
  const visit = (node: LineageNode) => {
    addDataset(g, node.dataset, start, depth, shown);
    for (const child of node.children) {
      addDataset(g, child.dataset, start, depth, shown);
      const v = child.via!;
      const [from, to] = direction === 'upstream' ? [child.dataset, node.dataset] : [node.dataset, child.dataset];
      const key = `${from}\n${to}\n${v.activityType}\n${v.pipelineRunId}`;
      if (!g.edges.has(key)) g.edges.set(key, { from, to, label: v.activityType, href: href(`/runs/${v.pipelineRunId}`), pipelineRunId: v.pipelineRunId });
      visit(child);
    }
  };
  answer.roots.forEach(visit);
}

function form(f: { dataset?: string; run?: string; direction: Direction; depth: number }): Html {
  return html`<form class="filters" method="get" action="/lineage" id="lineage-form">
<label>dataset<input name="dataset" size="60" value="${f.dataset ?? ''}" placeholder="price_data:1d:AAPL:2015-01-02..2015-03-31"></label>
<label>or run<input name="run" size="38" value="${f.run ?? ''}" placeholder="pipeline-run id or workflow id"></label>
<label>direction<select name="direction">${DIRECTIONS.map((d) => html`<option value="${d}"${d === f.direction ? html` selected` : ''}>${d}</option>`)}</select></label>
<label>depth<input type="number" name="depth" min="1" max="20" value="${f.depth}"></label>
<button type="submit">Show</button>
</form>`;
}

function depthLinks(base: { dataset?: string; run?: string; direction: Direction }, depth: number): Html {
  const link = (d: number, label: string) => html`<a class="depth-link" data-depth="${d}" href="${href('/lineage', { ...base, direction: base.direction === 'both' ? undefined : base.direction, depth: d })}">${label}</a>`;
  return html`<p class="depth-control">depth <strong id="depth">${depth}</strong>:
${depth > 1 ? link(depth - 1, '− fewer hops') : ''} ${depth < 20 ? link(depth + 1, '+ more hops') : ''}</p>`;
}

function recent(edges: LineageEdge[]): Html {
  const latest = [...edges].reverse().slice(0, 15);
  if (latest.length === 0) return html`<p class="empty">no lineage rows yet: run the pipeline (<code>npx tickflow run --demo</code>)</p>`;
  return html`<h2>Recent datasets</h2><table id="recent-datasets"><thead><tr><th>dataset</th><th>written by</th><th>run</th><th>at</th></tr></thead>
<tbody>${latest.map((e) => html`<tr><td><a class="dataset" href="${href('/lineage', { dataset: e.outputDataset })}">${e.outputDataset}</a></td>
<td>${e.activityType}</td><td>${runLink(e.pipelineRunId, e.workflowId)}</td><td>${fmtTime(e.createdAt)}</td></tr>`)}</tbody></table>`;
}

export function register(app: UiApp, deps: UiDeps): void {
  const runs = new RunRepository(deps.dataSource);
  app.get('/lineage', async (c) => {
    const p = parseQuery(c.req.url, params);
    const direction = p.direction ?? 'both';
    const depth = p.depth ?? DEFAULT_DEPTH;
    if (p.dataset && p.run) throw new UiParamError('bad query parameter: give dataset or run, not both');
    const edges = await runs.lineageGraphRows();
    if (!p.dataset && !p.run) return sendPage(c, 'Lineage', 'lineage', html`${form({ direction, depth })}${recent(edges)}`);

    let start: string[];
    let subject: Html;
    if (p.run) {
      const run = await runs.get(p.run);
      if (!run) throw new UiNotFoundError(`no pipeline run ${p.run}`);
      start = [...new Set(edges.filter((e) => e.pipelineRunId === run.id).map((e) => e.outputDataset))];
      if (start.length === 0) throw new UiNotFoundError(`pipeline run ${run.id} wrote no lineage rows`);
      subject = html`the datasets run ${runLink(run.id, run.workflowId)} wrote`;
    } else {
      let ref: string;
      try {
        ref = formatDatasetRef(parseDatasetRef(p.dataset!));
      } catch (e) {
        throw new UiParamError(`bad query parameter: dataset=${JSON.stringify(p.dataset)}: ${(e as Error).message}`);
      }
      start = [ref];
      if (!edges.some((e) => datasetsConnect(e.outputDataset, ref) || e.inputDatasets.some((d) => datasetsConnect(ref, d)))) {
        throw new UiNotFoundError(`no lineage row produces or reads ${ref}`);
      }
      subject = html`<code id="start-dataset">${ref}</code>`;
    }
    const startSet = new Set(start);
    const g: Graph = { nodes: new Map(), edges: new Map() };
    start.forEach((d) => addDataset(g, d, startSet, depth, direction));
    const answers: LineageAnswer[] = [];
    for (const dir of direction === 'both' ? (['upstream', 'downstream'] as const) : [direction]) {
      const answer = walkLineage(edges, start, dir, depth);
      answers.push(answer);
      addWalk(g, answer, dir, startSet, depth, direction);
    }
    const runIds = new Map(answers.flatMap((a) => a.runs).map((r) => [r.pipelineRunId, r]));
    const body = html`${form({ dataset: p.dataset, run: p.run, direction, depth })}
<p>${direction === 'both' ? 'Upstream and downstream of' : direction === 'upstream' ? 'Upstream of' : 'Downstream of'} ${subject}:
<span id="node-count">${g.nodes.size}</span> datasets, <span id="edge-count">${g.edges.size}</span> activity edges, <span id="run-count">${runIds.size}</span> runs.
Data flows from top to bottom; click a dataset to centre on it, an activity to open its run.</p>
${depthLinks({ dataset: p.dataset, run: p.run, direction }, depth)}
<div class="dag-wrap" id="lineage-graph">${renderDag([...g.nodes.values()], [...g.edges.values()])}</div>
<h2>Runs on the way</h2>
<table id="lineage-runs"><thead><tr><th>run</th><th>workflow</th><th>workflow id</th></tr></thead>
<tbody>${[...runIds.values()].map((r) => html`<tr data-run-id="${r.pipelineRunId}"><td>${runLink(r.pipelineRunId, r.pipelineRunId.slice(0, 8))}</td><td>${r.workflowType}</td><td>${r.workflowId}</td></tr>`)}</tbody></table>`;
    return sendPage(c, 'Lineage', 'lineage', body);
  });
}
