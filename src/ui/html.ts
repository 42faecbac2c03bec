// Server-rendered HTML with escaping by default: every value interpolated into `html`…`` is escaped unless it is
// already Html (built by `html` itself, or vouched for with `trusted`). Pages never concatenate markup strings.

const brand: unique symbol = Symbol('Html');

/** Markup that is safe to send: produced by `html`, or by `trusted` for markup made by code we own (SVG charts). */
export interface Html {
  readonly [brand]: true;
  readonly value: string;
}

const make = (value: string): Html => ({ [brand]: true, value });

export const isHtml = (v: unknown): v is Html => typeof v === 'object' && v !== null && (v as Html)[brand] === true;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for element content and quoted attribute values. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"'`]/g, (c) => ESCAPES[c]);

function render(v: unknown): string {
  if (v === null || v === undefined || v === false) return '';
  if (isHtml(v)) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v instanceof Date) return escapeHtml(v.toISOString());
  return escapeHtml(String(v));
}

/**
 * The one way to build markup. Interpolations are escaped (arrays joined, null/undefined/false render nothing),
 * so attribute values must be quoted in the template: `<a href="${url}">`.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let s = strings[0];
  for (let i = 0; i < values.length; i++) s += render(values[i]) + strings[i + 1];
  return make(s);
}

/** Markup our own code generated and vouches for (e.g. a chart's SVG). Never pass user or database text here. */
export const trusted = (markup: string): Html => make(markup);

/** A link within the UI: path plus query, every value URL-encoded; empty values are left out. */
export function href(path: string, query: Record<string, string | number | undefined | null> = {}): string {
  const q = Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  return q ? `${path}?${q}` : path;
}

export type PageName = 'runs' | 'lineage' | 'quality' | 'features' | 'portfolios' | 'documents';

export const NAV: { name: PageName; label: string; path: string }[] = [
  { name: 'runs', label: 'Runs', path: '/runs' },
  { name: 'lineage', label: 'Lineage', path: '/lineage' },
  { name: 'quality', label: 'Quality', path: '/quality' },
  { name: 'features', label: 'Features', path: '/features' },
  { name: 'portfolios', label: 'Portfolios & risk', path: '/portfolios' },
  { name: 'documents', label: 'Documents', path: '/documents' },
];

/** The shared page shell: nav to every page, the one stylesheet, no scripts. */
export function layout({ title, active, body }: { title: string; active?: PageName; body: Html }): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Tickflow</title>
<link rel="stylesheet" href="/assets/ui.css">
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
</head>
<body>
<header class="top">
<a class="brand" href="/">Tickflow</a>
<nav>${NAV.map((n) => html`<a href="${n.path}" data-nav="${n.name}"${n.name === active ? trusted(' class="active" aria-current="page"') : ''}>${n.label}</a>`)}</nav>
</header>
<main>
<h1>${title}</h1>
${body}
</main>
<footer>Tickflow · read-only view of the database</footer>
</body>
</html>`;
}
