// Runs: the PipelineRun list with filters, and one run's detail (counts, timings, the gate's decision, its lineage
// rows and validation results, its parent and children, a link to its Temporal history).
import { z } from 'zod';
import { workflowUiLink } from '../../cli/context';
import { barChart } from '../charts';
import { QualityRepository } from '../../repositories/quality-repository';
import { RunRepository, type RunRow } from '../../repositories/run-repository';
import type { UiApp, UiDeps } from '../deps';
import { fmtDuration, fmtNumber, fmtTime, jsonBlock, statusBadge } from '../format';
import { href, html, type Html } from '../html';
import { parseQuery, q, UiNotFoundError } from '../params';
import { sendPage } from '../respond';

const PAGE_SIZE = 50;
const STATUSES = ['running', 'completed', 'failed', 'cancelled'] as const;

const listParams = {
  status: q.optional(z.enum(STATUSES)),
  type: q.optional(z.string().regex(/^[A-Za-z][\w-]{0,127}$/, 'expected a workflow type name')),
  symbols: q.optional(q.symbols),
  from: q.optional(q.date),
  to: q.optional(q.date),
  page: q.optional(q.int(1, 100_000)),
};

/** The symbols a run's input names, when it names them as a list. */
export function runSymbols(input: unknown): string[] {
  const s = (input as { symbols?: unknown } | null)?.symbols;
  return Array.isArray(s) ? s.map(String) : [];
}

const durationOf = (r: Pick<RunRow, 'startedAt' | 'finishedAt'>) => (r.finishedAt ? new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime() : null);

export const runLink = (id: string, label: Html | string = id) => html`<a href="${href(`/runs/${encodeURIComponent(id)}`)}" class="run-link">${label}</a>`;

function countsCell(counts: Record<string, number>): Html {
  const entries = Object.entries(counts ?? {});
  if (entries.length === 0) return html`<span class="muted">–</span>`;
  return html`${entries.map(([k, v], i) => html`${i ? ', ' : ''}<span data-count="${k}">${k} ${fmtNumber(v)}</span>`)}`;
}

function listPage(rows: RunRow[], total: number, types: string[], f: z.infer<z.ZodObject<typeof listParams>>): Html {
  const pageNo = f.page ?? 1;
  const filterQuery = { status: f.status, type: f.type, symbols: f.symbols?.join(','), from: f.from, to: f.to };
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return html`<form class="filters" method="get" action="/runs" id="run-filters">
<label>status<select name="status"><option value="">any</option>${STATUSES.map((s) => html`<option value="${s}"${s === f.status ? html` selected` : ''}>${s}</option>`)}</select></label>
<label>workflow type<select name="type"><option value="">any</option>${types.map((t) => html`<option value="${t}"${t === f.type ? html` selected` : ''}>${t}</option>`)}</select></label>
<label>symbols<input name="symbols" value="${f.symbols?.join(',') ?? ''}" placeholder="AAPL,SPY"></label>
<label>started from<input type="date" name="from" value="${f.from ?? ''}"></label>
<label>to<input type="date" name="to" value="${f.to ?? ''}"></label>
<button type="submit">Filter</button> <a href="/runs">clear</a>
</form>
<p id="run-total"><span id="run-count">${total}</span> run(s)${total > PAGE_SIZE ? html`, page ${pageNo} of ${pages}` : ''}</p>
${rows.length === 0 ? html`<p class="empty">no pipeline runs match</p>` : html`<table id="runs">
<thead><tr><th>run</th><th>status</th><th>workflow</th><th>workflow id</th><th>symbols</th><th>started</th><th class="num">duration</th><th>counts</th><th>gate</th></tr></thead>
<tbody>${rows.map((r) => html`<tr data-run-id="${r.id}">
<td>${runLink(r.id, r.id.slice(0, 8))}</td><td class="status">${statusBadge(r.status)}</td><td class="type">${r.workflowType}</td>
<td class="workflow-id">${r.workflowId}</td><td class="symbols">${runSymbols(r.input).join(', ')}</td><td class="started">${fmtTime(r.startedAt)}</td>
<td class="num duration">${fmtDuration(durationOf(r))}</td><td class="counts">${countsCell(r.counts)}</td>
<td class="gate">${gateDecision(r.gate) ?? ''}</td></tr>`)}</tbody></table>`}
<p class="pager">${pageNo > 1 ? html`<a rel="prev" href="${href('/runs', { ...filterQuery, page: pageNo - 1 })}">← newer</a>` : ''}
${pageNo < pages ? html` <a rel="next" href="${href('/runs', { ...filterQuery, page: pageNo + 1 })}">older →</a>` : ''}</p>`;
}

function gateDecision(gate: unknown): string | undefined {
  const d = (gate as { decision?: unknown } | null)?.decision;
  return typeof d === 'string' ? d : undefined;
}

async function detailPage(deps: UiDeps, runs: RunRepository, quality: QualityRepository, id: string): Promise<{ title: string; body: Html }> {
  const run = await runs.get(id);
  if (!run) throw new UiNotFoundError(`no pipeline run ${id}`);
  const [lineage, children, parent, results] = await Promise.all([
    runs.lineageOf(run.id), runs.children(run.id), run.parentRunId ? runs.get(run.parentRunId) : null, quality.history({ pipelineRunId: run.id }),
  ]);
  const gate = run.gate as { decision?: string; blockingFailures?: string[]; warnings?: string[]; validationResultIds?: string[] } | null;
  const link = workflowUiLink(deps.config, run.workflowId, run.runId);
  // Each step's time: from the previous lineage row's commit (the run's start for the first) to its own.
  let previous = new Date(run.startedAt).getTime();
  const steps = lineage.map((l) => {
    const at = new Date(l.createdAt).getTime();
    const step = { ...l, ms: at - previous };
    previous = at;
    return step;
  });
  const body = html`<dl class="facts" id="run-facts">
<dt>id</dt><dd id="run-id">${run.id}</dd>
<dt>workflow</dt><dd><span id="run-type">${run.workflowType}</span> <code id="run-workflow-id">${run.workflowId}</code> / <code>${run.runId}</code></dd>
<dt>status</dt><dd id="run-status">${statusBadge(run.status)}${run.error ? html` <span class="error" id="run-error">${run.error}</span>` : ''}</dd>
<dt>symbols</dt><dd id="run-symbols">${runSymbols(run.input).join(', ') || '–'}</dd>
<dt>started</dt><dd id="run-started">${fmtTime(run.startedAt)}</dd>
<dt>finished</dt><dd id="run-finished">${fmtTime(run.finishedAt)}</dd>
<dt>duration</dt><dd id="run-duration">${fmtDuration(durationOf(run))}</dd>
${run.scheduleId ? html`<dt>schedule</dt><dd>${run.scheduleId} (nominal ${fmtTime(run.nominalTime)})</dd>` : ''}
${parent ? html`<dt>parent</dt><dd id="run-parent">${runLink(parent.id)} ${parent.workflowType}</dd>` : ''}
<dt>Temporal history</dt><dd><a id="temporal-link" href="${link}">${link}</a></dd>
<dt>lineage graph</dt><dd><a id="lineage-link" href="${href('/lineage', { run: run.id })}">upstream and downstream of this run</a></dd>
</dl>
<h2>Counts</h2>
${Object.keys(run.counts ?? {}).length === 0 ? html`<p class="empty">no counts recorded</p>` : html`<table id="run-counts"><tbody>${Object.entries(run.counts).map(([k, v]) => html`<tr data-count="${k}"><th>${k}</th><td class="num">${fmtNumber(v)}</td></tr>`)}</tbody></table>`}
<h2>Quality gate</h2>
${gate ? html`<p id="gate-decision" class="${gate.decision === 'pass' ? 'pass' : 'fail'}">${gate.decision ?? '?'}</p>
${gate.blockingFailures?.length ? html`<p>blocking failures: <span id="gate-blocking">${gate.blockingFailures.join(', ')}</span></p>` : ''}
${gate.warnings?.length ? html`<p>warnings: <span id="gate-warnings">${gate.warnings.join(', ')}</span></p>` : ''}
${results.length ? html`<p><a id="quality-link" href="${href('/quality', { run: run.id })}">${results.length} validation result(s), ${results.filter((r) => !r.passed).length} failed →</a></p>` : ''}`
    : html`<p class="empty" id="gate-decision">no gate decision (this workflow has no quality gate, or it did not get there)</p>`}
<h2>Lineage rows</h2>
${steps.length === 0 ? html`<p class="empty">no lineage rows</p>` : html`${barChart({
    id: 'step-times', title: 'Time of each step (ms, from the previous commit)', width: 640, height: 220, yName: 'ms',
    categories: steps.map((l) => `${l.activityId} ${l.activityType}`), series: [{ name: 'ms', values: steps.map((l) => l.ms) }],
  })}<table id="lineage-rows">
<thead><tr><th>activity</th><th>type</th><th class="num">attempt</th><th>inputs</th><th>output</th><th class="num">rows in</th><th class="num">rows out</th><th>committed</th><th class="num">step</th></tr></thead>
<tbody>${steps.map((l) => html`<tr data-activity-id="${l.activityId}">
<td>${l.activityId}</td><td class="activity-type">${l.activityType}</td><td class="num">${l.attempt}</td>
<td>${l.inputDatasets.map((d) => html`<a class="dataset" href="${href('/lineage', { dataset: d })}">${d}</a><br>`)}</td>
<td><a class="dataset output" href="${href('/lineage', { dataset: l.outputDataset })}">${l.outputDataset}</a>${l.contentHash ? html`<br><code class="muted">sha256 ${l.contentHash.slice(0, 12)}…</code>` : ''}</td>
<td class="num rows-in">${fmtNumber(l.rowsIn)}</td><td class="num rows-out">${fmtNumber(l.rowsOut)}</td><td>${fmtTime(l.createdAt)}</td><td class="num">${fmtDuration(l.ms)}</td></tr>`)}</tbody></table>`}
${children.length ? html`<h2>Child runs</h2><table id="child-runs"><thead><tr><th>run</th><th>status</th><th>workflow</th><th>workflow id</th><th>started</th></tr></thead>
<tbody>${children.map((c) => html`<tr data-run-id="${c.id}"><td>${runLink(c.id, c.id.slice(0, 8))}</td><td>${statusBadge(c.status)}</td><td>${c.workflowType}</td><td>${c.workflowId}</td><td>${fmtTime(c.startedAt)}</td></tr>`)}</tbody></table>` : ''}
<h2>Input</h2>
${jsonBlock(run.input)}`;
  return { title: `Run ${run.workflowId}`, body };
}

export function register(app: UiApp, deps: UiDeps): void {
  const runs = new RunRepository(deps.dataSource);
  const quality = new QualityRepository(deps.dataSource);
  app.get('/runs', async (c) => {
    const f = parseQuery(c.req.url, listParams);
    const [{ rows, total }, types] = await Promise.all([
      runs.search({ status: f.status, workflowType: f.type, symbols: f.symbols, from: f.from, to: f.to, limit: PAGE_SIZE, offset: ((f.page ?? 1) - 1) * PAGE_SIZE }),
      runs.workflowTypes(),
    ]);
    return sendPage(c, 'Runs', 'runs', listPage(rows, total, types, f));
  });
  app.get('/runs/:id', async (c) => {
    parseQuery(c.req.url, {});
    const id = c.req.param('id');
    const { title, body } = await detailPage(deps, runs, quality, id);
    return sendPage(c, title, 'runs', body);
  });
}
