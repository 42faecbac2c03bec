// The Features page: the registered feature-set versions (stale ones flagged), and one symbol's features over time
// from one version, or the same features from two versions side by side (one chart per feature, a series each).
import { z } from 'zod';
import { DerivedStalenessRepository } from '../../repositories/derived-staleness-repository';
import { FeatureRepository, type RegisteredVersion } from '../../repositories/feature-repository';
import { lineChart, type ChartSeries } from '../charts';
import type { UiApp, UiDeps } from '../deps';
import { href, html, type Html } from '../html';
import { day } from '../format';
import { staleBadge, staleMarksTable } from '../marks';
import { parseQuery, q, UiNotFoundError, UiParamError } from '../params';
import { sendPage } from '../respond';

/** Features charted when none are asked for: the version's first few. */
const DEFAULT_FEATURES = 4;
const MAX_FEATURES = 12;
const DEFAULT_SET = 'default';
/** Bars shown when no range is asked for: the last year the version holds. */
const DEFAULT_DAYS = 365;

const featureQuery = {
  version: q.optional(z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'expected a feature-set version (letters, digits, . _ : -)')),
  compare: q.optional(z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'expected a feature-set version (letters, digits, . _ : -)')),
  symbol: q.optional(q.symbol),
  features: q.optional(z.string().max(2000).transform((s) => s.split(/[\s,]+/).filter(Boolean))
    .pipe(z.array(z.string().max(100)).max(MAX_FEATURES, `at most ${MAX_FEATURES} features`))),
  from: q.optional(q.date),
  to: q.optional(q.date),
  interval: q.optional(z.string().regex(/^[0-9]{1,3}(m|h|d|w|mo)$/, 'expected an interval like 1d or 5m')),
};

const finite = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

function versionsTable(versions: RegisteredVersion[], stale: Map<string, Parameters<typeof staleBadge>[0]>, current: string | undefined, symbol: string | undefined): Html {
  if (versions.length === 0) return html`<p class="empty">No feature set registered yet (run a pipeline: tickflow run).</p>`;
  return html`<table id="versions"><thead><tr><th>version</th><th>set</th><th class="num">features</th><th class="num">warm-up bars</th><th>registered</th><th>state</th></tr></thead>
<tbody>${versions.map((v) => html`<tr data-version="${v.version}"${v.version === current ? html` class="current"` : ''}>
<td><a href="${href('/features', { version: v.version, symbol })}">${v.version}</a></td><td>${v.name}</td><td class="num">${v.featureNames.length}</td>
<td class="num">${v.warmupBars}</td><td>${v.createdAt}</td><td>${staleBadge(stale.get(v.version) ?? [])}</td></tr>`)}</tbody></table>`;
}

function form(o: { versions: RegisteredVersion[]; version: string; compare?: string; symbols: string[]; symbol?: string; features: string[]; from?: string; to?: string; interval: string }): Html {
  const option = (value: string, label: string, selected: boolean) => html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  return html`<form class="filters" method="get" action="/features" id="feature-form">
<label>version<select name="version">${o.versions.map((v) => option(v.version, `${v.version} (${v.name})`, v.version === o.version))}</select></label>
<label>compare with<select name="compare">${option('', '—', !o.compare)}${o.versions.filter((v) => v.version !== o.version).map((v) => option(v.version, `${v.version} (${v.name})`, v.version === o.compare))}</select></label>
<label>symbol<select name="symbol">${o.symbols.map((s) => option(s, s, s === o.symbol))}</select></label>
<label>features (comma-separated)<input name="features" value="${o.features.join(',')}" size="40"></label>
<label>from<input name="from" type="date" value="${o.from ?? ''}"></label>
<label>to<input name="to" type="date" value="${o.to ?? ''}"></label>
<label>interval<input name="interval" value="${o.interval}" size="4"></label>
<button type="submit">Show</button></form>`;
}

export function register(app: UiApp, deps: UiDeps): void {
  const repo = new FeatureRepository(deps.dataSource);
  const staleness = new DerivedStalenessRepository(deps.dataSource);

  app.get('/features', async (c) => {
    const p = parseQuery(c.req.url, featureQuery);
    const interval = p.interval ?? '1d';
    const versions = await repo.versions();
    const marks = await staleness.open({ kind: 'feature_data' });
    const staleByVersion = new Map<string, typeof marks>();
    for (const m of marks) staleByVersion.set(m.key, [...(staleByVersion.get(m.key) ?? []), m]);
    const listing = html`<h2>Feature-set versions</h2>${versionsTable(versions, staleByVersion, p.version, p.symbol)}`;
    if (versions.length === 0) return sendPage(c, 'Features', 'features', listing);

    // Unasked, the newest version of the price set (`default`) every pipeline computes, else the newest of any set.
    const base = p.version ? versions.find((v) => v.version === p.version) : (versions.find((v) => v.name === DEFAULT_SET) ?? versions[0]);
    if (!base) throw new UiNotFoundError(`no feature-set version ${JSON.stringify(p.version)} (registered: ${versions.map((v) => v.version).join(', ')})`);
    const other = p.compare ? versions.find((v) => v.version === p.compare) : undefined;
    if (p.compare && !other) throw new UiNotFoundError(`no feature-set version ${JSON.stringify(p.compare)} to compare with`);
    if (other && other.version === base.version) throw new UiParamError(`compare=${JSON.stringify(p.compare)}: the same version as version`);
    const unknown = (p.features ?? []).filter((f) => !base.featureNames.includes(f));
    if (unknown.length) throw new UiParamError(`features=${JSON.stringify(p.features?.join(','))}: ${unknown.map((u) => JSON.stringify(u)).join(', ')} not in version ${base.version} (it has ${base.featureNames.join(', ')})`);
    const features = p.features?.length ? p.features : base.featureNames.slice(0, DEFAULT_FEATURES);

    const symbols = await repo.symbolsOf(base.version, interval);
    const symbol = p.symbol ?? symbols[0];
    const page = (body: Html) => sendPage(c, 'Features', 'features', html`${form({ versions, version: base.version, compare: other?.version, symbols, symbol, features, from: p.from, to: p.to, interval })}
${body}${listing}`);
    if (!symbol) return page(html`<p class="empty">Version ${base.version} holds no ${interval} rows.</p>`);
    if (p.symbol && !symbols.includes(p.symbol)) throw new UiNotFoundError(`version ${base.version} holds no ${interval} rows of ${p.symbol}`);

    const span = await repo.span(base.version, symbol, interval);
    const to = p.to ? new Date(`${p.to}T23:59:59.999Z`) : span!.last;
    const from = p.from ? new Date(`${p.from}T00:00:00Z`)
      : new Date(Math.max(span!.first.getTime(), to.getTime() - DEFAULT_DAYS * 86_400_000));
    if (from > to) throw new UiParamError(`from=${JSON.stringify(p.from ?? day(from))}: after to=${JSON.stringify(p.to ?? day(to))}`);

    const shown = other ? [base.version, other.version] : [base.version];
    const late = (await Promise.all(shown.map(async (v) => (await staleness.featuresOlderThanBars(v, { symbols: [symbol], interval, from, to }))
      .map((r) => ({ version: v, ...r }))))).flat();
    const [rows, otherRows] = await Promise.all([
      repo.range(base.version, symbol, interval, from, to),
      other ? repo.range(other.version, symbol, interval, from, to) : Promise.resolve([]),
    ]);
    const charts = features.map((name) => {
      const series: ChartSeries[] = [];
      const i = base.featureNames.indexOf(name);
      series.push({ name: base.version, points: rows.map((r) => [r.ts.toISOString(), finite(r.values[i])]) });
      const j = other ? other.featureNames.indexOf(name) : -1;
      if (other && j >= 0) series.push({ name: other.version, points: otherRows.map((r) => [r.ts.toISOString(), finite(r.values[j])]) });
      const note = other && j < 0 ? html`<p class="muted" data-missing-in="${other.version}">${name} is not a feature of ${other.version}.</p>` : '';
      return html`<div class="feature-chart" data-feature="${name}">${lineChart({ title: `${symbol} · ${name}`, id: name, series, width: 620, height: 240 })}${note}</div>`;
    });

    const symbolMarks = (staleByVersion.get(base.version) ?? []).filter((m) => m.scope === symbol || m.scope === '*')
      .concat(other ? (staleByVersion.get(other.version) ?? []).filter((m) => m.scope === symbol || m.scope === '*') : []);
    return page(html`<h2>${symbol} from ${base.version}${other ? html` against ${other.version}` : ''}</h2>
<dl class="facts"><dt>set</dt><dd>${base.name}</dd><dt>range</dt><dd id="range">${day(from)} … ${day(to)}</dd><dt>bars</dt><dd id="bars">${rows.length}</dd>
<dt>stored span</dt><dd>${day(span!.first)} … ${day(span!.last)} (${span!.rows} bars)</dd></dl>
<h2>Staleness</h2>${staleMarksTable(symbolMarks, `${symbol} in ${other ? `${base.version} or ${other.version}` : base.version}`)}
${late.length ? html`<p class="error" id="older-than-bars">${late.map((l) => html`${l.rows} row${l.rows === 1 ? '' : 's'} of ${l.version} from ${day(l.staleFrom)} on were computed before a bar
at or before them was last written (feature.older_than_bars). `)}Recompute: tickflow features recompute --stale.</p>` : ''}
<h2>Charts</h2>${rows.length === 0 ? html`<p class="empty">No bars in the range.</p>` : html`<div class="charts">${charts}</div>`}
<p class="muted">Features of ${base.version}: ${base.featureNames.map((f, k) => html`${k ? ', ' : ''}<a href="${href('/features', { version: base.version, compare: other?.version, symbol, features: f, from: p.from, to: p.to, interval: p.interval })}">${f}</a>`)}</p>`);
  });
}
