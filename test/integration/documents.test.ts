// Document ingest on real PostgreSQL: versions and chunks, unchanged re-ingest writes nothing, a changed text is a
// new version, bad files are quarantined with the reason, embeddings per model version, full-text search point in
// time; SEC EDGAR and an OpenAI-compatible embeddings API through the local replay server; the real USE model once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { InputError, ProviderError, TransientProviderError } from '../../src/contracts/errors';
import { HashingEmbedder, OpenAiCompatibleEmbedder, UseLiteEmbedder, cosine } from '../../src/documents/embedders';
import { computeFeatures } from '../../src/features/compute';
import { compileDeclaredSet } from '../../src/features/feature-store';
import { DerivedStalenessRepository } from '../../src/repositories/derived-staleness-repository';
import { FeatureRepository } from '../../src/repositories/feature-repository';
import { extractText } from '../../src/documents/extract';
import { embedPending, ingestSource } from '../../src/documents/ingest';
import { EdgarFilingsSource, FolderSource, NewsJsonlSource } from '../../src/documents/sources';
import { HttpClient } from '../../src/providers/http-client';
import { DocumentRepository } from '../../src/repositories/document-repository';
import { ReplayServer } from '../helpers/replay-server';
import { openTestDataSource, projectRoot, resetData } from '../helpers/services';

const bundled = path.join(projectRoot, 'data', 'documents');
const count = async (ds: DataSource, sql: string) => Number((await ds.query(sql))[0].n);

describe('document ingest (PostgreSQL)', () => {
  let ds: DataSource;
  let repo: DocumentRepository;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-docs-'));
  beforeAll(async () => {
    ds = await openTestDataSource();
    await resetData(ds);
    repo = new DocumentRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('stores the bundled filings once; a re-ingest writes nothing; a changed text is version 2', async () => {
    const first = await ingestSource(ds, repo, new FolderSource(bundled), { pipelineRunId: null });
    expect(first).toMatchObject({ received: 5, written: 5, unchanged: 0, quarantined: 0, symbols: ['AAPL', 'NVDA'] });
    const nvda = await repo.get('sec-edgar:0001045810-26-000024');
    // Acceptance time from the submission's header (16:11:25 Eastern), the form from its header.
    expect(nvda).toMatchObject({ symbol: 'NVDA', formType: '8-K', version: 1, publishedAt: new Date('2026-03-06T21:11:25Z') });
    const chunks = await count(ds, 'SELECT count(*) AS n FROM document_chunk');
    expect(chunks).toBe(first.chunks);

    const again = await ingestSource(ds, repo, new FolderSource(bundled), { pipelineRunId: null });
    expect(again).toMatchObject({ received: 5, written: 0, unchanged: 5, chunks: 0 });
    expect(await count(ds, 'SELECT count(*) AS n FROM document')).toBe(5);

    const edited = path.join(tmp, 'edited');
    fs.mkdirSync(edited);
    const name = 'AAPL_8-K_1999-09-07_0000320193-99-000010.txt';
    fs.writeFileSync(path.join(edited, name), fs.readFileSync(path.join(bundled, name), 'utf8').replace('press release', 'corrected press release'));
    const revised = await ingestSource(ds, repo, new FolderSource(edited), { pipelineRunId: null });
    expect(revised).toMatchObject({ written: 1, revised: 1 });
    const doc = await repo.get('sec-edgar:0000320193-99-000010');
    expect(doc).toMatchObject({ version: 2, versions: [1, 2], supersededAt: null });
    expect(await count(ds, `SELECT count(*) AS n FROM document WHERE document_key = 'sec-edgar:0000320193-99-000010' AND superseded_at IS NOT NULL`)).toBe(1);
  });

  it('quarantines unreadable, empty and undated files with the reason; an asked-for symbol without documents is an error naming it', async () => {
    const bad = path.join(tmp, 'bad');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'AAPL_NOTE_2020-01-02.md'), '   \n\n  ');
    fs.writeFileSync(path.join(bad, 'AAPL_NOTE_2020-01-03.txt'), Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]));
    fs.writeFileSync(path.join(bad, 'notes.md'), '# Some notes without a symbol');
    fs.writeFileSync(path.join(bad, 'AAPL_NOTE_2020-01-06.html'), '<html><script>x()</script><style>p{}</style></html>');
    const s = await ingestSource(ds, repo, new FolderSource(bad), { pipelineRunId: null });
    expect(s).toMatchObject({ received: 4, written: 0, quarantined: 4 });
    const reasons = (await repo.quarantined()).map((q) => `${path.basename(q.location)}: ${q.reason}`).sort();
    expect(reasons).toEqual([
      'AAPL_NOTE_2020-01-02.md: empty: no text after extraction',
      'AAPL_NOTE_2020-01-03.txt: not UTF-8 text',
      'AAPL_NOTE_2020-01-06.html: empty: no text after extraction',
      expect.stringMatching(/^notes\.md: no symbol/),
    ]);
    // Before anything is written: a typo in --symbols does not ingest the other symbols' documents first.
    const before = await count(ds, 'SELECT count(*) AS n FROM document');
    await expect(ingestSource(ds, repo, new FolderSource(bundled, ['AAPL', 'ZZZZ']), { pipelineRunId: null })).rejects.toThrow(new InputError(`symbol ZZZZ has no document in ${bundled}`, 'symbols'));
    expect(await count(ds, 'SELECT count(*) AS n FROM document')).toBe(before);
  });

  it('reads news lines, quarantining a line that is not JSON or has no zone', async () => {
    const file = path.join(tmp, 'news.jsonl');
    fs.writeFileSync(file, [
      JSON.stringify({ id: 'n1', symbol: 'AAPL', publishedAt: '2020-01-02T14:30:00Z', title: 'Apple', text: 'Apple shares rose on iPhone demand.', url: 'https://news.test/n1' }),
      '{not json',
      JSON.stringify({ id: 'n2', symbol: 'AAPL', publishedAt: '2020-01-03 09:00', text: 'No zone.' }),
    ].join('\n'));
    const s = await ingestSource(ds, repo, new NewsJsonlSource(file), { pipelineRunId: null });
    expect(s).toMatchObject({ received: 3, written: 1, quarantined: 2 });
    expect((await repo.get('news:n1'))).toMatchObject({ formType: 'news', link: 'https://news.test/n1', publishedAt: new Date('2020-01-02T14:30:00Z') });
    const reasons = (await repo.quarantined()).filter((q) => q.source === 'news').map((q) => `${q.location.split(':').pop()}: ${q.reason}`);
    expect(reasons).toEqual(['2: not JSON', expect.stringMatching(/^3: publishedAt: timestamp 2020-01-03 09:00 has no zone/)]);
  });

  it('names asked-for symbols a news file has no line of, before reading any', async () => {
    const file = path.join(tmp, 'news-symbols.jsonl');
    fs.writeFileSync(file, [
      JSON.stringify({ id: 'n3', symbol: 'AAPL', publishedAt: '2020-01-04T14:30:00Z', text: 'Apple news.', url: 'https://news.test/n3' }),
      '{not json',
    ].join('\n'));
    const before = await count(ds, 'SELECT count(*) AS n FROM document');
    await expect(ingestSource(ds, repo, new NewsJsonlSource(file, ['AAPL', 'ZZZZ', 'QQQQ']), { pipelineRunId: null }))
      .rejects.toThrow(new InputError(`symbols ZZZZ, QQQQ have no document in ${file}`, 'symbols'));
    expect(await count(ds, 'SELECT count(*) AS n FROM document')).toBe(before);
    expect(await ingestSource(ds, repo, new NewsJsonlSource(file, ['AAPL']), { pipelineRunId: null })).toMatchObject({ received: 2, written: 1, quarantined: 1 });
  });

  it('embeds every current chunk once per model version, never overwriting another version', async () => {
    const h256 = new HashingEmbedder(256);
    const current = await count(ds, 'SELECT count(*) AS n FROM document_chunk c JOIN document d ON d.id = c.document_id WHERE d.superseded_at IS NULL');
    const first = await embedPending(ds, repo, h256, { pipelineRunId: null });
    expect(first.embedded).toBe(current);
    expect((await embedPending(ds, repo, h256, { pipelineRunId: null })).embedded).toBe(0);
    // Resuming after a cursor embeds only what lies after it (nothing is pending, so nothing).
    expect((await embedPending(ds, repo, h256, { pipelineRunId: null, afterId: first.lastChunkId })).embedded).toBe(0);
    const h64 = new HashingEmbedder(64);
    expect((await embedPending(ds, repo, h64, { pipelineRunId: null })).embedded).toBe(current);
    expect(await repo.embeddingQuality(h256.model, h256.version, 256)).toEqual({ chunks: current, embedded: current, wrongDimension: 0, nonFinite: 0 });
    expect(await repo.embeddingQuality(h64.model, h64.version, 64)).toMatchObject({ embedded: current, wrongDimension: 0 });
    expect(await repo.models()).toEqual([
      { model: 'hashing', version: 'v1-d256', dimension: 256, embeddings: current },
      { model: 'hashing', version: 'v1-d64', dimension: 64, embeddings: current },
    ]);
    // The store records carry the chunk's point-in-time fields.
    const [batch] = await (async () => { for await (const b of repo.vectorRecords('hashing', 'v1-d256', { batch: 3 })) return [b]; return [[]]; })();
    expect(batch).toHaveLength(3);
    expect(batch[0]).toMatchObject({ symbol: expect.any(String), publishedAt: expect.any(Date), chunkIndex: 0, metadata: { source: 'folder' } });
    expect(batch[0].vector).toHaveLength(256);
  });

  it('the quality counts see a missing, a short and a non-finite vector', async () => {
    const h16 = new HashingEmbedder(16);
    const { embedded } = await embedPending(ds, repo, h16, { pipelineRunId: null });
    const ids: string[] = (await ds.query(`SELECT chunk_id::text AS id FROM document_embedding WHERE model_version = $1 ORDER BY chunk_id LIMIT 3`, [h16.version])).map((r: { id: string }) => r.id);
    // Rows no embedder would write (embedPending refuses them): written behind its back, as a bug or a hand edit could.
    await ds.query(`DELETE FROM document_embedding WHERE model_version = $1 AND chunk_id = $2`, [h16.version, ids[0]]);
    await ds.query(`UPDATE document_embedding SET vector = vector[1:15] WHERE model_version = $1 AND chunk_id = $2`, [h16.version, ids[1]]);
    await ds.query(`UPDATE document_embedding SET vector[3] = 'NaN' WHERE model_version = $1 AND chunk_id = $2`, [h16.version, ids[2]]);
    expect(await repo.embeddingQuality(h16.model, h16.version, 16)).toEqual({ chunks: embedded, embedded: embedded - 1, wrongDimension: 1, nonFinite: 1 });
    await ds.query(`DELETE FROM document_embedding WHERE model_version = $1`, [h16.version]);
  });

  it('resumes from a heartbeat cursor: committed items are skipped, embedding continues after the last chunk id', async () => {
    const dir = path.join(tmp, 'resume');
    fs.mkdirSync(dir);
    // Plain notes (no EDGAR header, so their keys are new): the text of two bundled filings.
    fs.writeFileSync(path.join(dir, 'AAPL_NOTE_1997-10-07.md'), extractText('x.txt', fs.readFileSync(path.join(bundled, 'AAPL_10-Q-A_1997-10-07_0000320193-97-000021.txt'), 'utf8')).text);
    fs.writeFileSync(path.join(dir, 'NVDA_NOTE_2026-03-06.md'), extractText('x.txt', fs.readFileSync(path.join(bundled, 'NVDA_8-K_2026-03-06_0001045810-26-000024.txt'), 'utf8')).text);
    // An attempt committed the first item and died: the retry gets its cursor and counts, and reads only the rest.
    const committed = { received: 1, written: 1, revised: 0, unchanged: 0, quarantined: 0, chunks: 6, symbols: ['AAPL'] };
    const before = await count(ds, 'SELECT count(*) AS n FROM document');
    const commits: number[] = [];
    const resumed = await ingestSource(ds, repo, new FolderSource(dir), { pipelineRunId: null }, { resume: { done: 1, counts: committed }, onCommit: (n) => commits.push(n) });
    expect(await count(ds, 'SELECT count(*) AS n FROM document')).toBe(before + 1);
    expect(resumed).toMatchObject({ received: 2, written: 2, symbols: ['AAPL', 'NVDA'] });
    expect(commits).toEqual([2]);
    expect(await repo.get('folder:AAPL_NOTE_1997-10-07.md')).toBeNull();
    expect(await repo.get('folder:NVDA_NOTE_2026-03-06.md')).toMatchObject({ version: 1, formType: 'NOTE', format: 'markdown' });
    // Embedding resumes after the cursor: chunks at or before it are left for nobody to redo.
    const h32 = new HashingEmbedder(32);
    const pending = await repo.chunksToEmbed(h32.model, h32.version, undefined, '0', 100_000);
    const cursor = pending[Math.floor(pending.length / 2)].id;
    const after = await embedPending(ds, repo, h32, { pipelineRunId: null, afterId: cursor });
    expect(after.embedded).toBe(pending.filter((c) => BigInt(c.id) > BigInt(cursor)).length);
    expect(await repo.countChunksToEmbed(h32.model, h32.version, undefined)).toBe(pending.length - after.embedded);
  });

  it('full-text search ranks matching chunks and applies as-of inside the query', async () => {
    const all = await repo.fullTextSearch('press release', { limit: 50 });
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((h) => /press|release/i.test(h.text))).toBe(true);
    // Only Apple's 1999/2000 8-Ks existed by 2000-06-30; NVDA's 2026 filing is invisible then.
    const asOf = new Date('2000-06-30T00:00:00Z');
    const early = await repo.fullTextSearch('press release', { limit: 50, asOf });
    expect(early.length).toBeGreaterThan(0);
    expect(early.every((h) => h.publishedAt <= asOf && h.symbol === 'AAPL')).toBe(true);
    expect(await repo.fullTextSearch('press release', { limit: 50, symbols: ['NVDA'], asOf })).toEqual([]);
    expect(await repo.unknownSymbols(['AAPL', 'QQQQ'])).toEqual(['QQQQ']);
  });

  it('computes the documents feature set from the stored filings, point in time', async () => {
    const end = new Date('2000-02-01T00:00:00Z');
    const facts = await repo.facts('AAPL', end);
    expect(facts.map((f) => f.formType)).toEqual(['10-Q/A', '10-Q', '8-K', '8-K']);
    const set = compileDeclaredSet('documents');
    expect(set).toMatchObject({ usesDocuments: true, usesFundamentals: false, names: ['doc_text_similarity', 'doc_days_since_8k', 'doc_filings_30d'] });
    // Daily bars around Apple's second 8-K (filed 2000-01-24, dated 22:00 ET = 03:00Z on the 25th).
    const days = ['2000-01-24', '2000-01-25', '2000-01-26'];
    const bars = days.map((d) => ({ symbol: 'AAPL', interval: '1d', ts: new Date(`${d}T00:00:00Z`), open: 1, high: 1, low: 1, close: 1, adjClose: 1, volume: 1 }));
    const rows = computeFeatures(set, bars, { documents: facts });
    const eightKs = facts.filter((f) => f.formType === '8-K');
    const similarity = cosine(new HashingEmbedder(4096).counts(eightKs[1].text), new HashingEmbedder(4096).counts(eightKs[0].text));
    expect(similarity).toBeGreaterThan(0.3); // two Apple 8-Ks share their boilerplate
    expect(similarity).toBeLessThan(0.999);
    // Until the 2000 8-K is public (03:00Z on the 25th) the latest filing is the 1999 8-K, the first of its form.
    for (const i of [0, 1]) {
      expect(rows[i][0]).toBeNull();
      expect(rows[i][1]).toBeCloseTo((bars[i].ts.getTime() - Date.parse('1999-09-08T02:00:00Z')) / 86_400_000, 9);
    }
    expect(rows[2][0]).toBeCloseTo(similarity, 12);
    expect(rows[2][1]).toBeCloseTo(21 / 24, 9);
    expect(rows.map((r) => r[2])).toEqual([0, 0, 1]);
  });

  it('a new document marks its symbol\'s stored documents-set rows stale from its publication time, in the ingest transaction', async () => {
    const set = compileDeclaredSet('documents');
    expect(set.inputs).toEqual(['document']);
    await new FeatureRepository(ds).register(set);
    await ds.query(`INSERT INTO feature_data (feature_set_version, symbol, interval, ts, values) VALUES ($1, 'MSFT', '1d', $2, $3), ($1, 'IBM', '1d', $2, $3)`,
      [set.version, new Date('2021-01-04T00:00:00Z'), [null, null, 0]]);
    const file = path.join(tmp, 'msft-news.jsonl');
    fs.writeFileSync(file, JSON.stringify({ id: 'm1', symbol: 'MSFT', publishedAt: '2020-12-01T13:00:00Z', text: 'Microsoft news.', url: 'https://news.test/m1' }));
    await ingestSource(ds, repo, new NewsJsonlSource(file), { pipelineRunId: null });
    const stale = await new DerivedStalenessRepository(ds).open({ kind: 'feature_data', keys: [set.version] });
    expect(stale).toEqual([expect.objectContaining({ scope: 'MSFT', interval: '1d', staleFrom: '2020-12-01T13:00:00.000Z', cause: { input: 'document', pipelineRunId: null } })]);
    // An unchanged re-ingest marks nothing more.
    await ingestSource(ds, repo, new NewsJsonlSource(file), { pipelineRunId: null });
    expect(await new DerivedStalenessRepository(ds).open({ kind: 'feature_data', keys: [set.version] })).toHaveLength(1);
  });
});

describe('SEC EDGAR filings (replay server)', () => {
  let server: ReplayServer;
  const edgar = (options: ConstructorParameters<typeof EdgarFilingsSource>[2]) => {
    const client = () => new HttpClient({ provider: 'sec-edgar', baseUrl: server.baseUrl, timeoutMs: 5000, requestsPerMinute: 6000, headers: { 'user-agent': 'Tickflow tests admin@example.com' } });
    return new EdgarFilingsSource(client(), client(), options);
  };
  beforeAll(async () => {
    server = await ReplayServer.start([
      { path: '/files/company_tickers.json', file: 'sec-edgar/company_tickers.json' },
      { path: '/submissions/CIK0000320193.json', file: 'sec-edgar/submissions_CIK0000320193.json' },
      { path: '/Archives/edgar/data/320193/000032019325000073/aapl-20250628.htm', file: 'sec-edgar/archives/AAPL_10-Q_2025-08-01_0000320193-25-000073.htm', contentType: 'text/html' },
      { path: '/Archives/edgar/data/320193/000032019325000057/aapl-20250329.htm', file: 'sec-edgar/archives/AAPL_10-Q_2025-05-02_0000320193-25-000057.htm', contentType: 'text/html' },
    ]);
  });
  afterAll(() => server?.stop());

  it('lists filings of the asked forms from the submissions JSON and fetches each primary document, identified by the User-Agent', async () => {
    const docs = [];
    for await (const item of edgar({ symbols: ['AAPL'], since: '2020-01-01' }).items()) docs.push(item);
    // CORRESP is not among the default forms; the 2019 8-K is before `since`.
    expect(docs.map((d) => ('document' in d ? `${d.document.key} ${d.document.formType} ${d.document.publishedAt.toISOString()}` : 'unreadable'))).toEqual([
      'sec-edgar:0000320193-25-000073 10-Q 2025-08-01T10:00:42.000Z',
      'sec-edgar:0000320193-25-000057 10-Q 2025-05-02T10:00:46.000Z',
    ]);
    const first = docs[0] as { document: { link: string; body: string } };
    expect(first.document.link).toBe(`${server.baseUrl}/Archives/edgar/data/320193/000032019325000073/aapl-20250628.htm`);
    expect(extractText(path.basename(first.document.link), first.document.body).text.includes('For the Fiscal Quarter Ended June 28, 2025')).toBe(true);
    expect(server.requests.map((r) => r.path)).toEqual([
      '/files/company_tickers.json', '/submissions/CIK0000320193.json',
      '/Archives/edgar/data/320193/000032019325000073/aapl-20250628.htm', '/Archives/edgar/data/320193/000032019325000057/aapl-20250329.htm',
    ]);
    expect(server.requests.every((r) => r.headers['user-agent'] === 'Tickflow tests admin@example.com')).toBe(true);
  });

  it('a resumed or repeated ingest does not fetch again a filing PostgreSQL already holds (the database decides, not the cursor)', async () => {
    const ds = await openTestDataSource();
    try {
      await resetData(ds);
      const repo = new DocumentRepository(ds);
      const isStored = async (key: string) => (await repo.current(undefined, key)) !== null;
      const archive = (r: { path: string }) => r.path.startsWith('/Archives/');
      server.reset();
      // The first attempt commits the first filing (batch of 1) and dies before the second.
      const killed = new Error('worker killed');
      let committed: { done: number; counts: Awaited<ReturnType<typeof ingestSource>> } | undefined;
      await expect(ingestSource(ds, repo, edgar({ symbols: ['AAPL'], since: '2020-01-01', isStored }), { pipelineRunId: null }, {
        batch: 1, onCommit: (done, counts) => { committed = { done, counts: structuredClone(counts) }; throw killed; },
      })).rejects.toBe(killed);
      expect(await count(ds, 'SELECT count(*) AS n FROM document')).toBe(1);
      expect(server.requests.filter(archive)).toHaveLength(1);

      // The retry (heartbeat cursor or not) reads the submissions again but fetches only the filing not committed.
      server.reset();
      const resumed = await ingestSource(ds, repo, edgar({ symbols: ['AAPL'], since: '2020-01-01', isStored }), { pipelineRunId: null }, { resume: committed, batch: 1 });
      expect(server.requests.filter(archive).map((r) => r.path)).toEqual(['/Archives/edgar/data/320193/000032019325000057/aapl-20250329.htm']);
      expect(resumed).toMatchObject({ received: 2, written: 2, unchanged: 0, symbols: ['AAPL'] });
      server.reset();
      const again = await ingestSource(ds, repo, edgar({ symbols: ['AAPL'], since: '2020-01-01', isStored }), { pipelineRunId: null });
      expect(server.requests.filter(archive)).toEqual([]);
      expect(again).toMatchObject({ received: 2, written: 0, unchanged: 2 });
      expect(await count(ds, 'SELECT count(*) AS n FROM document')).toBe(2);
    } finally {
      await ds.destroy();
    }
  });

  it('pages the older submissions files when the range reaches back past filings.recent, and only then', async () => {
    const olderPage = '/submissions/CIK0000320193-submissions-001.json';
    const paged = await ReplayServer.start([
      { path: '/files/company_tickers.json', file: 'sec-edgar/company_tickers.json' },
      { path: '/submissions/CIK0000320193.json', file: 'sec-edgar/submissions_CIK0000320193_paged.json' },
      { path: olderPage, file: 'sec-edgar/CIK0000320193-submissions-001.json' },
      { path: '/Archives/edgar/data/320193/000032019325000073/aapl-20250628.htm', file: 'sec-edgar/archives/AAPL_10-Q_2025-08-01_0000320193-25-000073.htm', contentType: 'text/html' },
      { path: '/Archives/edgar/data/320193/000032019325000057/aapl-20250329.htm', file: 'sec-edgar/archives/AAPL_10-Q_2025-05-02_0000320193-25-000057.htm', contentType: 'text/html' },
    ]);
    const client = () => new HttpClient({ provider: 'sec-edgar', baseUrl: paged.baseUrl, timeoutMs: 5000, requestsPerMinute: 6000, headers: { 'user-agent': 'Tickflow tests admin@example.com' } });
    const edgar = (options: ConstructorParameters<typeof EdgarFilingsSource>[2]) => new EdgarFilingsSource(client(), client(), options);
    try {
      // The 2019 8-K is on the older page; PostgreSQL "holds" it, so its archive is not fetched (no fixture needed).
      const stored = new Set(['sec-edgar:0001193125-19-292676']);
      const items = [];
      for await (const item of edgar({ symbols: ['AAPL'], forms: ['10-Q', '8-K'], since: '2019-01-01', isStored: async (k) => stored.has(k) }).items()) items.push(item);
      expect(items.map((i) => ('document' in i ? i.document.key : 'stored' in i ? `stored ${i.stored.key}` : 'unreadable'))).toEqual([
        'sec-edgar:0000320193-25-000073', 'sec-edgar:0000320193-25-000057', 'stored sec-edgar:0001193125-19-292676',
      ]);
      expect(paged.requests.map((r) => r.path).filter((p) => p.startsWith('/submissions/'))).toEqual(['/submissions/CIK0000320193.json', olderPage]);
      // Same user agent (and the same rate-limited client) for the older page.
      expect(paged.requests.every((r) => r.headers['user-agent'] === 'Tickflow tests admin@example.com')).toBe(true);

      // A range inside `recent` (filingTo of the page is 2024-04-29), or a limit `recent` fills: no older page.
      for (const options of [{ since: '2025-01-01' }, { limit: 2 }]) {
        paged.reset();
        for await (const item of edgar({ symbols: ['AAPL'], forms: ['10-Q', '8-K'], ...options }).items()) void item;
        expect(paged.requests.map((r) => r.path)).not.toContain(olderPage);
      }
    } finally {
      await paged.stop();
    }
  });

  it('names an unknown ticker, and classifies a failing archive as transient', async () => {
    server.reset();
    await expect(edgar({ symbols: ['AAPL', 'NOPE'] }).items()[Symbol.asyncIterator]().next()).rejects.toThrow(new InputError("NOPE is not in SEC's company_tickers.json", 'symbols'));
    server.fail({ path: '/Archives/edgar/data/320193/000032019325000073/aapl-20250628.htm' }, { status: 503 });
    await expect(edgar({ symbols: ['AAPL'], forms: ['10-Q'] }).items()[Symbol.asyncIterator]().next()).rejects.toThrow(TransientProviderError);
    server.reset();
  });
});

describe('OpenAI-compatible embeddings API (replay server)', () => {
  let server: ReplayServer;
  const KEY = 'sk-test-0123456789abcdef';
  beforeAll(async () => {
    server = await ReplayServer.start([{ method: 'POST', path: '/v1/embeddings', file: 'embeddings/text-embedding-ada-002_the_food_was_delicious.json' }]);
  });
  afterAll(() => server?.stop());
  const embedder = (dimension: number) => new OpenAiCompatibleEmbedder(
    new HttpClient({ provider: 'embeddings', baseUrl: server.baseUrl, timeoutMs: 5000, requestsPerMinute: 6000, headers: { authorization: `Bearer ${KEY}` } }), 'text-embedding-ada-002', dimension);

  it('posts the texts with the key as a bearer header and returns the recorded vector', async () => {
    const [v] = await embedder(1536).embed(['The food was delicious and the waiter...']);
    // alexrudall/ruby-openai's cassette (text-embedding-ada-002): the first components as recorded, norm 1 ± 1e-8.
    expect(v).toHaveLength(1536);
    [0.0022786001, -0.009292118, 0.015702665].forEach((x, i) => expect(v[i]).toBeCloseTo(x, 8));
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/v1/embeddings' });
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('refuses a vector of another dimension, and never puts the key in an error', async () => {
    await expect(embedder(512).embed(['x'])).rejects.toThrow(/data\[0\]\.embedding has 1536 dimensions, expected 512/);
    server.fail({ method: 'POST', path: '/v1/embeddings' }, { status: 401, body: `{"error":"invalid key ${KEY}"}` });
    const err = await embedder(1536).embed(['x']).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).not.toContain(KEY.slice(3));
    expect((err as Error).message).toMatch(/POST \/v1\/embeddings: HTTP 401/);
    server.reset();
  });
});

describe('Universal Sentence Encoder lite (the default embedder, offline)', () => {
  it('loads from the npm package and gives 512-d unit vectors, deterministic, closer for related sentences', async () => {
    const use = new UseLiteEmbedder();
    const [a, b, c] = await use.embed(['Net sales of iPhone increased during the quarter.', 'iPhone revenue grew this quarter.', 'The board approved a new compensation plan.']);
    expect(a).toHaveLength(512);
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    expect(cosine(a, b)).toBeGreaterThan(cosine(a, c));
    expect((await use.embed(['Net sales of iPhone increased during the quarter.']))[0]).toEqual(a);
  }, 60_000);
});
