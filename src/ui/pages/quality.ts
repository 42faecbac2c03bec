// Quality: for one run (or everything since a date) each rule's result, its metric over runs as a trend, the
// failing rows with a price chart marking them, and the custom rules. The data is the compliance report's
// (src/quality/report.ts buildReport), so the page and `tickflow quality report` cannot disagree.
import { QualityRepository, type ResultRow } from '../../repositories/quality-repository';
import { buildReport, type ReportData, type ReportSelection } from '../../quality/report';
import { lineChart } from '../charts';
import type { UiApp, UiDeps } from '../deps';
import { fmtNumber, fmtTime } from '../format';
import { href, html, type Html } from '../html';
import { parseQuery, q, UiNotFoundError, UiParamError } from '../params';
import { sendPage } from '../respond';
import { runLink } from './runs';

const params = {
  run: q.optional(q.uuid),
  since: q.optional(q.date),
};

const SAMPLE_ROWS_SHOWN = 20;

function resultsTable(results: ResultRow[]): Html {
  return html`<table id="results"><thead><tr><th>rule</th><th>table</th><th>severity</th><th>status</th><th class="num">observed</th><th class="num">threshold</th>
<th class="num">failing / checked</th><th>run</th><th>evaluated</th></tr></thead>
<tbody>${results.map((r) => html`<tr data-result-id="${r.id}" data-rule="${r.rule}">
<td class="rule">${r.rule}</td><td>${r.targetTable}</td><td>${r.severity}${r.blocking ? ' · blocking' : ''}</td>
<td class="status ${r.passed ? 'pass' : 'fail'}">${r.passed ? 'pass' : 'FAIL'}</td><td class="num observed">${fmtNumber(r.observed)}</td>
<td class="num threshold">${fmtNumber(r.threshold)}</td><td class="num failing">${r.failingRows} / ${r.rowsChecked}</td>
<td>${r.pipelineRunId ? runLink(r.pipelineRunId, r.pipelineRunId.slice(0, 8)) : '–'}</td><td>${fmtTime(r.evaluatedAt)}</td></tr>`)}</tbody></table>`;
}

/** A run's place on a trend's x axis: when its rules were evaluated, to the minute (runs are categories, in order). */
const runLabel = (evaluatedAt: string) => evaluatedAt.slice(5, 16).replace('T', ' ');

function trendCharts(data: ReportData): Html {
  return html`<div class="charts" id="trends">${data.trends.map((t) => {
    const x = t.points.map((p) => `${runLabel(p.evaluatedAt)} ${p.pipelineRunId?.slice(0, 4) ?? ''}`.trim());
    return lineChart({
      id: t.rule, title: t.rule, width: 370, height: 190, xType: 'category',
      series: [
        { name: 'observed', points: t.points.map((p, i) => [x[i], p.value] as [string, number]) },
        ...(t.threshold === null ? [] : [{ name: 'threshold', points: t.points.map((_, i) => [x[i], t.threshold] as [string, number]) }]),
      ],
      markers: [{ name: 'failed', points: t.points.flatMap((p, i) => (p.passed ? [] : [[x[i], p.value] as [string, number]])) }],
    });
  })}</div>`;
}

function sampleTable(r: ResultRow): Html {
  const rows = r.sample.slice(0, SAMPLE_ROWS_SHOWN);
  const columns = [...new Set(rows.flatMap((s) => Object.keys(s)))];
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return html`<table class="sample" data-rule="${r.rule}"><thead><tr>${columns.map((c) => html`<th>${c}</th>`)}</tr></thead>
<tbody>${rows.map((s) => html`<tr>${columns.map((c) => html`<td>${cell(s[c])}</td>`)}</tr>`)}</tbody></table>
${r.sample.length > rows.length ? html`<p class="muted">${r.sample.length - rows.length} more sampled row(s) not shown</p>` : ''}`;
}

function failingSection(data: ReportData): Html {
  const failed = data.results.filter((r) => r.failingRows > 0 && r.sample.length > 0);
  if (failed.length === 0 && data.failingSymbols.length === 0) return html`<p class="empty" id="no-failures">no failing rows</p>`;
  return html`<div class="charts" id="failing-charts">${data.failingSymbols.map((f) => lineChart({
    id: `price:${f.symbol}`, title: `${f.symbol} close — failing bars (${f.rules.join(', ')})`, width: 640, height: 240,
    series: [{ name: 'close', points: f.bars.map((b) => [b.ts, b.close] as [string, number]) }],
    markers: [{ name: 'failing bar', points: f.failingTs.map((ts) => [ts, f.bars.find((b) => b.ts === ts)?.close ?? null] as [string, number | null]) }],
  }))}</div>
${failed.map((r) => html`<h3 data-rule="${r.rule}">${r.rule} (${r.passed ? 'within tolerance' : 'failed'}): ${r.failingRows} failing row(s)</h3>${sampleTable(r)}`)}`;
}

function customRulesSection(rules: Awaited<ReturnType<QualityRepository['listCustomRules']>>): Html {
  if (rules.length === 0) return html`<p class="empty" id="no-custom-rules">no custom rules (add one with <code>tickflow quality rules add</code>)</p>`;
  return html`<table id="custom-rules"><thead><tr><th>name</th><th>description</th><th>table</th><th>severity</th><th class="num">max failing rows</th><th>SQL</th><th>added</th></tr></thead>
<tbody>${rules.map((r) => html`<tr data-rule="${r.name}"><td class="rule">${r.name}</td><td class="description">${r.description}</td><td>${r.targetTable}</td>
<td>${r.severity}${r.blocking ? ' · blocking' : ''}</td><td class="num">${r.maxFailingRows}</td><td><pre class="sql">${r.sql}</pre></td><td>${fmtTime(r.createdAt)}</td></tr>`)}</tbody></table>`;
}

export function register(app: UiApp, deps: UiDeps): void {
  const quality = new QualityRepository(deps.dataSource);
  app.get('/quality', async (c) => {
    const p = parseQuery(c.req.url, params);
    if (p.run && p.since) throw new UiParamError('bad query parameter: give run or since, not both');
    let selection: ReportSelection | undefined = p.run ? { run: p.run } : p.since ? { since: p.since } : undefined;
    if (!selection) {
      const [newest] = await quality.history({ limit: 1 });
      if (newest?.pipelineRunId) selection = { run: newest.pipelineRunId };
    }
    const custom = await quality.listCustomRules();
    const form = html`<form class="filters" method="get" action="/quality" id="quality-form">
<label>run<input name="run" size="38" value="${selection && 'run' in selection ? selection.run : ''}" placeholder="pipeline-run id"></label>
<label>or since<input type="date" name="since" value="${p.since ?? ''}"></label><button type="submit">Show</button></form>`;
    if (!selection) {
      return sendPage(c, 'Quality', 'quality', html`${form}<p class="empty">no validation results yet</p><h2>Custom rules</h2>${customRulesSection(custom)}`);
    }
    const data = await buildReport(quality, selection);
    if (p.run && data.results.length === 0) throw new UiNotFoundError(`no validation results for pipeline run ${p.run}`);
    const s = data.summary;
    const body = html`${form}
<p id="selection">${'run' in selection ? html`Results of run ${runLink(selection.run)}` : html`Results since ${selection.since}`}:
<span id="result-count">${s.results}</span> results, <span id="passed-count">${s.passed}</span> passed, <span id="failed-count">${s.failed}</span> failed${s.blockingFailures.length ? html`; blocking: <span id="blocking" class="fail">${s.blockingFailures.join(', ')}</span>` : ''}.
<a href="${href('/quality', { since: '2000-01-01' })}">all results</a></p>
<h2>Results</h2>${resultsTable(data.results)}
<h2>Trends (each rule's metric over runs)</h2>${trendCharts(data)}
<h2>Failing rows</h2>${failingSection(data)}
<h2>Custom rules</h2>${customRulesSection(custom)}`;
    return sendPage(c, 'Quality', 'quality', body);
  });
}
