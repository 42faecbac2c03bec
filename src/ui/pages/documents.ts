// The Documents page: the as-of search box (the search `tickflow docs search` runs, server side: the query embedded
// here, the store asked for chunks published by then, texts from PostgreSQL), its hits, the latest documents, and
// one document with its metadata and chunks. Document text is data: it is escaped like everything else, and a link
// is a link only when it is http(s).
import { z } from 'zod';
import { CollectionNotFoundError, ConfigError, ServiceUnavailableError } from '../../contracts/errors';
import { dayEndOrInstantSchema } from '../../contracts/schemas';
import { searchChunks, type SearchResult } from '../../documents/search';
import { createEmbedder } from '../../documents/setup';
import { DocumentRepository, type DocumentRow } from '../../repositories/document-repository';
import { STORE_NAMES, collectionName, openVectorStore, vectorStoreSettings } from '../../vectors';
import type { UiApp, UiDeps } from '../deps';
import { href, html, type Html } from '../html';
import { fmtNumber } from '../format';
import { parseQuery, q, UiNotFoundError } from '../params';
import { sendPage } from '../respond';

const searchQuery = {
  q: q.optional(q.text(1000)),
  symbols: q.optional(q.symbols),
  as_of: q.optional(z.string().max(40).pipe(dayEndOrInstantSchema)),
  k: q.optional(q.int(1, 100)),
  store: q.optional(z.enum(STORE_NAMES)),
  hybrid: q.optional(z.enum(['1', 'on'])),
};

const SNIPPET = 280;
const LATEST = 50;

/** An http(s) link as an anchor (opened without a referrer); anything else (a path, javascript:) as plain text. */
export const outsideLink = (link: string | null): Html => (link && /^https?:\/\//i.test(link)
  ? html`<a href="${link}" rel="noreferrer noopener" target="_blank" class="outside">${link}</a>`
  : html`<span class="link-text">${link ?? '–'}</span>`);

const when = (d: Date | string) => new Date(d).toISOString().replace('.000Z', 'Z');

function searchForm(o: { q?: string; symbols?: string[]; asOf?: string; k: number; store: string; hybrid: boolean }): Html {
  return html`<form class="filters" method="get" action="/documents" id="search-form">
<label>query<input name="q" value="${o.q ?? ''}" size="40" placeholder="text to search for"></label>
<label>symbols<input name="symbols" value="${o.symbols?.join(',') ?? ''}" size="12" placeholder="AAPL,NVDA"></label>
<label>as of<input name="as_of" value="${o.asOf ?? ''}" size="22" placeholder="YYYY-MM-DD or timestamp"></label>
<label>k<input name="k" value="${o.k}" size="3"></label>
<label>store<select name="store">${STORE_NAMES.map((s) => html`<option${s === o.store ? html` selected` : ''}>${s}</option>`)}</select></label>
<label>hybrid<input type="checkbox" name="hybrid" value="1"${o.hybrid ? html` checked` : ''}></label>
<button type="submit">Search</button></form>`;
}

function hitsTable(hits: SearchResult[], hybrid: boolean): Html {
  return html`<table id="hits"><thead><tr><th class="num">#</th><th class="num">score</th>${hybrid ? html`<th class="num">cosine</th><th class="num">text rank</th>` : ''}
<th>document</th><th>published</th><th>chunk</th><th>link</th></tr></thead>
<tbody>${hits.map((h, i) => html`<tr data-chunk="${h.chunkId}" data-document="${h.documentId}" data-score="${h.score}"><td class="num">${i + 1}</td><td class="num">${h.score.toFixed(4)}</td>
${hybrid ? html`<td class="num">${h.similarity === null ? '–' : h.similarity.toFixed(4)}</td><td class="num">${h.textRank ?? '–'}</td>` : ''}
<td><a class="doc" href="/documents/${h.documentId}#chunk-${h.chunkIndex}">${h.symbol} ${h.formType ?? ''} · ${h.title ?? h.documentKey}</a></td>
<td>${when(h.publishedAt)}</td><td><span class="muted">#${h.chunkIndex}</span> <span class="snippet">${h.text.replace(/\s+/g, ' ').slice(0, SNIPPET)}${h.text.length > SNIPPET ? '…' : ''}</span></td>
<td>${outsideLink(h.link)}</td></tr>`)}</tbody></table>`;
}

function documentList(rows: DocumentRow[]): Html {
  if (rows.length === 0) return html`<p class="empty">No documents yet (tickflow docs ingest).</p>`;
  return html`<table id="documents"><thead><tr><th>id</th><th>symbol</th><th>form</th><th>title</th><th>published</th><th class="num">version</th><th class="num">chunks</th><th>key</th></tr></thead>
<tbody>${rows.map((d) => html`<tr data-document="${d.id}"><td><a href="/documents/${d.id}">${d.id}</a></td><td>${d.symbol}</td><td>${d.formType ?? '–'}</td><td class="title">${d.title ?? '–'}</td>
<td>${when(d.publishedAt)}</td><td class="num">${d.version}</td><td class="num">${d.chunks}</td><td><code>${d.documentKey}</code></td></tr>`)}</tbody></table>`;
}

export function register(app: UiApp, deps: UiDeps): void {
  const repo = new DocumentRepository(deps.dataSource);

  app.get('/documents', async (c) => {
    const p = parseQuery(c.req.url, searchQuery);
    const raw = new URL(c.req.url).searchParams;
    const store = p.store ?? deps.config.vectors.defaultStore;
    const k = p.k ?? 10;
    const hybrid = p.hybrid !== undefined;
    const query = p.q?.trim();
    const form = searchForm({ q: p.q, symbols: p.symbols, asOf: raw.get('as_of') ?? undefined, k, store, hybrid });
    const latest = html`<h2>Latest documents${p.symbols?.length ? ` of ${p.symbols.join(', ')}` : ''}</h2>${documentList(await repo.list({ symbols: p.symbols, limit: LATEST }))}`;
    if (!query) return sendPage(c, 'Documents', 'documents', html`${form}${latest}`);

    const problem = (message: string) => sendPage(c, 'Documents', 'documents', html`${form}<p class="error" id="search-error">${message}</p>${latest}`);
    if (p.symbols?.length) {
      const unknown = await repo.unknownSymbols(p.symbols);
      if (unknown.length) return problem(`No documents of ${unknown.join(', ')} (ingest them first: tickflow docs ingest --symbols ${unknown.join(',')}).`);
    }
    let hits: SearchResult[];
    let collection: string;
    try {
      const embedder = createEmbedder(deps.config);
      collection = collectionName(embedder.model, embedder.version, embedder.dimension);
      const vectors = await openVectorStore(store, vectorStoreSettings(deps.config));
      try {
        hits = await searchChunks({ repo, store: vectors, collection, embedder }, { query, k, symbols: p.symbols, asOf: p.as_of, hybrid });
      } finally {
        await vectors.close();
      }
    } catch (e) {
      if (e instanceof CollectionNotFoundError) {
        return problem(`The ${store} store has no collection ${e.collection} yet: nothing was indexed there for this embedder. Build it from PostgreSQL with `
          + `tickflow docs reindex --store ${store} (or ingest with --stores ${store}).`);
      }
      if (e instanceof ConfigError || e instanceof ServiceUnavailableError) return problem(`The ${store} store cannot be searched: ${e.message}`);
      throw e;
    }
    const scope = html`<p id="search-scope">${hits.length} hit${hits.length === 1 ? '' : 's'} for <q>${query}</q> in ${store} <code>${collection}</code>${p.as_of ? `, published by ${p.as_of.toISOString()}` : ''}${hybrid ? ', fused with full-text ranking' : ''}.</p>`;
    return sendPage(c, 'Documents', 'documents', html`${form}<h2>Hits</h2>${scope}${hits.length ? hitsTable(hits, hybrid) : html`<p class="empty">No chunks match.</p>`}${latest}`);
  });

  app.get('/documents/:id', async (c) => {
    parseQuery(c.req.url, {});
    const id = c.req.param('id');
    const d = await repo.get(id);
    if (!d) throw new UiNotFoundError(`no document ${JSON.stringify(id)} (an id from /documents, or a key like sec-edgar:<accession>)`);
    const chunks = await repo.chunksOf(d.id);
    return sendPage(c, `Document ${d.id}`, 'documents', html`<dl class="facts" id="document-facts">
<dt>title</dt><dd id="doc-title">${d.title ?? '–'}</dd><dt>symbol</dt><dd>${d.symbol}</dd><dt>form</dt><dd>${d.formType ?? '–'}</dd>
<dt>published</dt><dd id="doc-published">${when(d.publishedAt)}</dd><dt>source</dt><dd>${d.source}</dd><dt>link</dt><dd id="doc-link">${outsideLink(d.link)}</dd>
<dt>key</dt><dd><code>${d.documentKey}</code></dd><dt>version</dt><dd>${d.version} of ${d.versions.join(', ')}${d.supersededAt ? html` <span class="badge bad">superseded ${when(d.supersededAt)}</span>` : ''}</dd>
<dt>content</dt><dd>${d.format}, ${fmtNumber(d.tokens)} tokens in <span id="doc-chunks">${d.chunks}</span> chunks, sha256 <code>${d.contentHash}</code></dd>
<dt>ingested</dt><dd>${when(d.ingestedAt)}${d.pipelineRunId ? html` by run <a href="/runs/${d.pipelineRunId}">${d.pipelineRunId.slice(0, 8)}</a>` : ''}</dd></dl>
<h2>Chunks</h2>${chunks.length === 0 ? html`<p class="empty">No chunks.</p>` : chunks.map((ch) => html`<section class="chunk" id="chunk-${ch.index}" data-chunk="${ch.id}">
<h3>#${ch.index} <span class="muted">${ch.tokens} tokens, characters ${ch.start}–${ch.end}</span></h3><pre>${ch.text}</pre></section>`)}
<p><a href="${href('/documents', { symbols: d.symbol })}">Documents of ${d.symbol}</a> · <a href="/documents">All documents</a></p>`);
  });
}
