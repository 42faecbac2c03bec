// The Documents page of `tickflow ui` in headless Chromium, over documents the ingestDocuments workflow stored on a
// Temporal test worker (the bundled filings and a hostile news item, hashing embedder, embedded LanceDB): the as-of
// search gives the hits searchChunks gives, hits link to the document view, hostile text renders literally, and a
// store without the collection says so instead of failing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { searchChunks } from '../../src/documents/search';
import { createEmbedder } from '../../src/documents/setup';
import { DocumentRepository } from '../../src/repositories/document-repository';
import { startUiServer } from '../../src/ui/server';
import { collectionName, openVectorStore } from '../../src/vectors';
import { ingestDocuments } from '../../workflows';
import { expectErrorPages, expectNoScriptRan, useUiBrowser } from '../helpers/ui-browser';
import { useUiServer } from '../helpers/ui-server';

jest.setTimeout(180_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-ui-documents-'));
// The UI reads its configuration from the environment (loadConfig), as `tickflow ui` does.
Object.assign(process.env, { TICKFLOW_EMBEDDER: 'hashing', TICKFLOW_HASHING_DIMENSION: '256', TICKFLOW_LANCEDB_DIR: path.join(dir, 'lancedb'), TICKFLOW_VECTOR_STORE: 'lancedb' });
const HOSTILE_TITLE = '"><img src=x onerror=window.__x=1>';
const HOSTILE_TEXT = '<script>window.__x=1</script> Macintosh press release about a hostile <b>bold</b> claim';

describe('tickflow ui: Documents', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ui = useUiServer('ui-documents', {
    pipelines: [],
    prepare: async () => loadConfig(),
    seed: async (h) => {
      const news = path.join(h.exportDir, 'news.jsonl');
      fs.writeFileSync(news, `${JSON.stringify({ id: 'evil-1', symbol: 'EVIL', publishedAt: '2000-03-01T12:00:00Z', title: HOSTILE_TITLE, text: HOSTILE_TEXT, url: 'javascript:window.__x=3' })}\n`);
      const run = (source: unknown, id: string) => h.env.client.workflow.execute(ingestDocuments, { taskQueue: h.taskQueue, workflowId: `ui-documents-${id}`, args: [{ source, stores: ['lancedb'] }] });
      await run({ kind: 'folder', path: path.resolve(__dirname, '../../../data/documents') }, 'folder');
      const s = await run({ kind: 'news', path: news }, 'news');
      expect(s.documents).toMatchObject({ written: 1, quarantined: 0 });
    },
  });
  const browser = useUiBrowser();

  it('searches as of a date with the hits searchChunks gives, and links each to its document and chunks', async () => {
    const { page, status, pageErrors, consoleErrors, requests } = await browser.open(`${ui.url}/documents`);
    expect(status).toBe(200);
    const [{ n }] = await ui.h.ds.query(`SELECT count(*)::int AS n FROM document WHERE superseded_at IS NULL`);
    expect(await page.locator('#documents tbody tr').count()).toBe(n);
    expect(await page.locator('#documents tr', { hasText: 'EVIL' }).locator('td.title').innerText()).toBe(HOSTILE_TITLE);
    await expectNoScriptRan(page);

    // The form, filled and submitted as a user would.
    await page.fill('input[name="q"]', 'hostile Macintosh press release claim');
    await page.fill('input[name="as_of"]', '2000-06-30');
    await page.fill('input[name="k"]', '5');
    await page.check('input[name="hybrid"]');
    await page.click('#search-form button[type="submit"]');
    await page.waitForURL(/q=hostile/);
    const rows = page.locator('#hits tbody tr');
    const config = loadConfig();
    const embedder = createEmbedder(config);
    const store = await openVectorStore('lancedb', { lancedbDir: config.vectors.lancedbDir });
    const expected = await searchChunks({ repo: new DocumentRepository(ui.h.ds), store, collection: collectionName(embedder.model, embedder.version, embedder.dimension), embedder },
      { query: 'hostile Macintosh press release claim', k: 5, asOf: new Date('2000-06-30T23:59:59.999Z'), hybrid: true });
    await store.close();
    expect(expected.length).toBe(5);
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => ({ chunk: tr.getAttribute('data-chunk'), score: Number(tr.getAttribute('data-score')) })));
    expect(shown).toEqual(expected.map((h) => ({ chunk: h.chunkId, score: h.score })));
    // The hostile item (published 2000-03-01, matching the words) is among them, escaped; its javascript: link is text.
    const evil = rows.filter({ hasText: 'EVIL' });
    expect(await evil.count()).toBe(1);
    expect(await evil.locator('.snippet').innerText()).toContain('<script>window.__x=1</script>');
    expect(await evil.locator('a.outside').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    await expectNoScriptRan(page);

    // Click through to the document: its metadata and chunks as stored.
    await evil.locator('a.doc').click();
    await page.waitForURL(/\/documents\/\d+#chunk-\d+$/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const [doc] = await ui.h.ds.query(`SELECT title, link, (SELECT count(*)::int FROM document_chunk c WHERE c.document_id = d.id) AS chunks FROM document d WHERE id = $1`, [id]);
    expect(await page.locator('#doc-title').innerText()).toBe(doc.title);
    expect(await page.locator('#doc-link').innerText()).toBe(doc.link);
    expect(await page.locator('#doc-chunks').innerText()).toBe(String(doc.chunks));
    const chunks: { text: string }[] = await ui.h.ds.query(`SELECT text FROM document_chunk WHERE document_id = $1 ORDER BY chunk_index`, [id]);
    expect(await page.locator('section.chunk pre').allInnerTexts()).toEqual(chunks.map((c) => c.text));
    await expectNoScriptRan(page);
    expect(await page.locator('section.chunk b, img[src="x"], script').count()).toBe(0);
    expect(pageErrors).toEqual([]);
    // Nothing the CSP refused (an inline style or script would be logged), nothing fetched from elsewhere.
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused/i.test(e))).toEqual([]);
    expect(requests.every((u) => u.startsWith(ui.url))).toBe(true);
    await page.close();
  });

  it('says which symbols have no documents, and that a store has no collection yet, instead of failing', async () => {
    const unknown = await browser.open(`${ui.url}/documents?q=anything&symbols=ZZZZ`);
    expect(unknown.status).toBe(200);
    expect(await unknown.page.locator('#search-error').innerText()).toContain('No documents of ZZZZ');
    await unknown.page.close();

    const empty = path.join(dir, 'empty-lancedb');
    const other = await startUiServer({ dataSource: ui.h.ds, config: { ...ui.config, vectors: { ...ui.config.vectors, lancedbDir: empty } } }, { host: '127.0.0.1', port: 0 });
    try {
      const o = await browser.open(`${other.url}/documents?q=press&store=lancedb`);
      expect(o.status).toBe(200);
      expect(await o.page.locator('#search-error').innerText()).toMatch(/The lancedb store has no collection c_hashing_v1_d256_256 yet.*tickflow docs reindex --store lancedb/);
      await o.page.close();
    } finally {
      await other.close();
    }
  });

  it('answers bad parameters with 400 and an unknown document with 404', async () => {
    await expectErrorPages(browser, ui.url, [
      ['/documents?k=0', 400, 'k="0"'],
      ['/documents?as_of=2000-02-30', 400, 'as_of="2000-02-30"'],
      ['/documents?store=nosuch', 400, 'store="nosuch"'],
      [`/documents?symbols=${encodeURIComponent(HOSTILE_TITLE)}`, 400, '<img src=x onerror=window.__x=1>'],
      ['/documents/999999999', 404, 'no document "999999999"'],
      [`/documents/${encodeURIComponent(HOSTILE_TITLE)}`, 404, 'no document'],
    ]);
  });
});
