// What the Features and Portfolios pages share: open stale marks (derived rows whose inputs changed since they were
// computed) as a table and as a badge.
import type { StaleScope } from '../contracts/derived';
import { day } from './format';
import { html, type Html } from './html';

/** Open marks as a table (kind, key, scope, interval, stale from, cause), or a line saying there are none. */
export function staleMarksTable(marks: StaleScope[], what: string): Html {
  if (marks.length === 0) return html`<p class="empty" data-stale="0">No open stale marks on ${what}.</p>`;
  return html`<p class="error" data-stale="${marks.length}">${marks.length} open stale mark${marks.length === 1 ? '' : 's'} on ${what}: rows from the date shown on were
computed before an input changed; recompute them.</p>
<table class="stale-marks"><thead><tr><th>kind</th><th>key</th><th>scope</th><th>interval</th><th>stale from</th><th>input changed</th><th>by run</th><th>marked at</th></tr></thead>
<tbody>${marks.map((m) => html`<tr data-kind="${m.kind}" data-key="${m.key}"><td>${m.kind}</td><td>${m.key}</td><td>${m.scope}</td><td>${m.interval}</td>
<td>${day(m.staleFrom)}</td><td>${m.cause.input}</td><td>${m.cause.pipelineRunId ? html`<a href="/runs/${m.cause.pipelineRunId}">${m.cause.pipelineRunId.slice(0, 8)}</a>` : '–'}</td>
<td>${m.markedAt}</td></tr>`)}</tbody></table>`;
}

/** A badge saying a key has open marks (shown beside a version or portfolio in lists). */
export const staleBadge = (marks: StaleScope[]): Html => (marks.length === 0
  ? html`<span class="badge good">fresh</span>`
  : html`<span class="badge bad" data-stale-badge="${marks.length}">stale from ${day(marks.reduce((a, m) => (m.staleFrom < a ? m.staleFrom : a), marks[0].staleFrom))}</span>`);
