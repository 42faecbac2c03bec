// The compliance report: what the rules found for one pipeline run or since a date, as one self-contained HTML page
// (inline SVG, no network), Markdown for people reading diffs, or JSON for machines. All three come from one ReportData.
import type { Bar, QualityRepository, ResultRow } from '../repositories/quality-repository';
import { escapeXml, priceChart, trendChart, type TrendPoint } from './svg-charts';

export type ReportSelection = { run: string } | { since: string };
export type ReportFormat = 'html' | 'md' | 'json';

export interface ReportData {
  title: string;
  generatedAt: string;
  selection: ReportSelection;
  summary: { results: number; passed: number; failed: number; blockingFailures: string[] };
  results: ResultRow[];
  /** Latest result per rule: failing/checked per symbol. */
  matrix: { symbols: string[]; rows: { rule: string; passed: boolean; cells: Record<string, { checked: number; failing: number } | null> }[] };
  /** Each rule's observed metric over the runs, oldest first. */
  trends: { rule: string; threshold: number | null; points: (TrendPoint & { evaluatedAt: string; pipelineRunId: string | null })[] }[];
  /** Symbols with failing price bars: their closes over the scope and the failing bars (from the samples). */
  failingSymbols: { symbol: string; rules: string[]; bars: Bar[]; failingTs: string[] }[];
}

const TREND_POINTS = 60;

export async function buildReport(repo: QualityRepository, selection: ReportSelection, now = new Date()): Promise<ReportData> {
  const results = 'run' in selection ? await repo.history({ pipelineRunId: selection.run }) : await repo.history({ since: selection.since });
  results.reverse(); // oldest first reads naturally
  const latest = new Map<string, ResultRow>();
  for (const r of results) latest.set(r.rule, r);
  const symbols = [...new Set([...latest.values()].flatMap((r) => Object.keys(r.symbolCounts)))].sort();
  const matrix = {
    symbols,
    rows: [...latest.values()].map((r) => ({
      rule: r.rule, passed: r.passed, cells: Object.fromEntries(symbols.map((s) => [s, r.symbolCounts[s] ?? null])),
    })),
  };
  const trends = [];
  for (const rule of latest.keys()) {
    const history = (await repo.history({ rule, since: 'since' in selection ? selection.since : undefined, limit: TREND_POINTS })).reverse();
    trends.push({
      rule, threshold: latest.get(rule)!.threshold,
      points: history.map((h) => ({ label: h.evaluatedAt.slice(0, 16).replace('T', ' '), value: h.observed ?? 0, passed: h.passed,
        evaluatedAt: h.evaluatedAt, pipelineRunId: h.pipelineRunId })),
    });
  }
  const failing = new Map<string, { rules: Set<string>; ts: Set<string>; from: string; to: string; interval: string }>();
  for (const r of latest.values()) {
    if (r.targetTable !== 'price_data') continue;
    for (const [symbol, c] of Object.entries(r.symbolCounts)) {
      if (c.failing === 0) continue;
      const f = failing.get(symbol) ?? { rules: new Set(), ts: new Set(), from: r.scope.from, to: r.scope.to, interval: r.scope.interval };
      f.rules.add(r.rule);
      for (const s of r.sample) if (s.symbol === symbol && typeof s.ts === 'string') f.ts.add(new Date(s.ts).toISOString());
      if (r.scope.from < f.from) f.from = r.scope.from;
      if (r.scope.to > f.to) f.to = r.scope.to;
      failing.set(symbol, f);
    }
  }
  const failingSymbols = [];
  for (const [symbol, f] of [...failing].sort(([a], [b]) => a.localeCompare(b))) {
    failingSymbols.push({ symbol, rules: [...f.rules].sort(), bars: await repo.bars(symbol, f.interval, f.from, f.to), failingTs: [...f.ts].sort() });
  }
  const failed = results.filter((r) => !r.passed);
  return {
    title: 'run' in selection ? `Data-quality report for pipeline run ${selection.run}` : `Data-quality report since ${selection.since}`,
    generatedAt: now.toISOString(),
    selection,
    summary: {
      results: results.length, passed: results.length - failed.length, failed: failed.length,
      blockingFailures: [...new Set(failed.filter((r) => r.blocking && r.severity === 'error').map((r) => r.rule))],
    },
    results, matrix, trends, failingSymbols,
  };
}

const pct = (v: number | null) => (v === null ? '-' : String(v));
const status = (passed: boolean) => (passed ? 'pass' : 'FAIL');

export function renderJson(data: ReportData): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

export function renderMarkdown(data: ReportData): string {
  const lines = [`# ${data.title}`, '', `Generated ${data.generatedAt}. ${data.summary.passed}/${data.summary.results} results passed` +
    (data.summary.blockingFailures.length ? `; blocking failures: ${data.summary.blockingFailures.join(', ')}.` : '.'), '',
  '## Results', '', '| id | rule | severity | blocking | status | observed | threshold | failing / checked | run | evaluated |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of data.results) {
    lines.push(`| ${r.id} | ${r.rule} | ${r.severity} | ${r.blocking ? 'yes' : 'no'} | ${status(r.passed)} | ${pct(r.observed)} | ${pct(r.threshold)} | ` +
      `${r.failingRows} / ${r.rowsChecked} | ${r.pipelineRunId ?? '-'} | ${r.evaluatedAt} |`);
  }
  if (data.matrix.symbols.length) {
    lines.push('', '## Failing rows per rule and symbol (latest result of each rule)', '', `| rule | ${data.matrix.symbols.join(' | ')} |`,
      `| --- | ${data.matrix.symbols.map(() => '---').join(' | ')} |`);
    for (const row of data.matrix.rows) {
      lines.push(`| ${row.rule} | ${data.matrix.symbols.map((s) => (row.cells[s] ? `${row.cells[s]!.failing} / ${row.cells[s]!.checked}` : '-')).join(' | ')} |`);
    }
  }
  for (const f of data.failingSymbols) {
    lines.push('', `## ${f.symbol}: failing bars (${f.rules.join(', ')})`, '', ...f.failingTs.map((t) => `- ${t.slice(0, 10)}`));
  }
  return `${lines.join('\n')}\n`;
}

export function renderHtml(data: ReportData): string {
  const e = escapeXml;
  const rows = data.results.map((r) => `<tr data-result-id="${r.id}" data-rule="${e(r.rule)}" class="${r.passed ? 'pass' : 'fail'}">` +
    `<td>${r.id}</td><td>${e(r.rule)}</td><td>${r.severity}</td><td>${r.blocking ? 'yes' : 'no'}</td><td class="status">${status(r.passed)}</td>` +
    `<td class="observed">${pct(r.observed)}</td><td class="threshold">${pct(r.threshold)}</td>` +
    `<td class="failing">${r.failingRows}</td><td class="checked">${r.rowsChecked}</td><td>${e(r.pipelineRunId ?? '-')}</td><td>${r.evaluatedAt}</td></tr>`).join('\n');
  const matrix = data.matrix.symbols.length === 0 ? '<p>No per-symbol counts.</p>' :
    `<table id="matrix"><thead><tr><th>rule</th>${data.matrix.symbols.map((s) => `<th>${e(s)}</th>`).join('')}</tr></thead><tbody>` +
    data.matrix.rows.map((row) => `<tr data-rule="${e(row.rule)}"><td>${e(row.rule)}</td>${data.matrix.symbols.map((s) => {
      const c = row.cells[s];
      return c ? `<td class="${c.failing > 0 ? 'fail' : 'pass'}" data-symbol="${e(s)}" data-failing="${c.failing}" data-checked="${c.checked}">${c.failing} / ${c.checked}</td>` : '<td>-</td>';
    }).join('')}</tr>`).join('\n') + '</tbody></table>';
  const trends = data.trends.map((t) => `<figure><figcaption>${e(t.rule)} — observed per evaluation (dashed: threshold)</figcaption>` +
    `${trendChart(t.rule, t.points, t.threshold)}</figure>`).join('\n');
  const prices = data.failingSymbols.length === 0 ? '<p>No failing price bars.</p>' : data.failingSymbols.map((f) =>
    `<figure><figcaption>${e(f.symbol)}: closes, failing bars circled (${f.rules.map(e).join(', ')})</figcaption>` +
    `${priceChart(f.symbol, f.bars, new Set(f.failingTs))}</figure>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(data.title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font:14px system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;white-space:nowrap}tr.fail td.status,td.fail{background:#fee2e2;color:#991b1b}
tr.pass td.status,td.pass{background:#dcfce7}.point.fail{fill:#dc2626}.point.pass{fill:#16a34a}figure{margin:1rem 0}
</style></head><body>
<h1>${e(data.title)}</h1>
<p id="summary-line">Generated ${data.generatedAt}. <strong id="passed-count">${data.summary.passed}</strong> of <strong id="result-count">${data.summary.results}</strong> results passed${
  data.summary.blockingFailures.length ? `; blocking failures: <span id="blocking">${data.summary.blockingFailures.map(e).join(', ')}</span>` : ''}.</p>
<h2>Results</h2>
<table id="summary"><thead><tr><th>id</th><th>rule</th><th>severity</th><th>blocking</th><th>status</th><th>observed</th><th>threshold</th><th>failing</th><th>checked</th><th>pipeline run</th><th>evaluated</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Failing rows per rule and symbol</h2>
${matrix}
<h2>Trends</h2>
${trends}
<h2>Failing symbols</h2>
${prices}
</body></html>
`;
}

export function render(data: ReportData, format: ReportFormat): string {
  return format === 'html' ? renderHtml(data) : format === 'md' ? renderMarkdown(data) : renderJson(data);
}
