// Documents, pure parts: text extraction from real filings, token-aware chunking, the hashing embedder, reciprocal
// rank fusion against its published formula, filing publication times, and the document features point in time.
import fs from 'node:fs';
import path from 'node:path';
import { chunkText, countTokens, tokenize } from '../../src/documents/chunk';
import { HashingEmbedder, cosine } from '../../src/documents/embedders';
import { extractText, htmlToText, submissionHeader } from '../../src/documents/extract';
import { documentFeatureColumns, similarityToPrevious } from '../../src/documents/features';
import { invalidVector } from '../../src/documents/ingest';
import { reciprocalRankFusion } from '../../src/documents/search';
import { filingPublishedAt } from '../../src/documents/sources';
import { fixturesDir, projectRoot } from '../helpers/services';

const documentsDir = path.join(projectRoot, 'data', 'documents');
const read = (file: string) => fs.readFileSync(file, 'utf8');

describe('text extraction', () => {
  it('drops scripts, styles, hidden inline-XBRL facts and markup, keeps visible text and decodes entities', () => {
    const html = `<html><head><title>t</title><style>p{color:red}</style></head><body>
      <div style="display:none"><ix:header><ix:hidden><ix:nonNumeric name="dei:AmendmentFlag">false</ix:nonNumeric></ix:hidden></ix:header></div>
      <script>var x = "secret";</script><p>Net sales &amp; services <ix:nonFraction name="us-gaap:Revenues">94,036</ix:nonFraction></p>
      <table><tr><td>iPhone</td><td>44,582</td></tr></table><br/><p hidden>gone</p></body></html>`;
    const text = htmlToText(html);
    expect(text).toBe('Net sales & services 94,036\n\niPhone 44,582');
  });

  it('reads an inline-XBRL 10-Q (Apple Q3 FY2025) without XBRL noise', () => {
    const { format, text } = extractText('aapl.htm', read(path.join(fixturesDir, 'api', 'sec-edgar', 'archives', 'AAPL_10-Q_2025-08-01_0000320193-25-000073.htm')));
    expect(format).toBe('html');
    expect(text).toContain('For the Fiscal Quarter Ended June 28, 2025');
    expect(text).toContain('CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS');
    for (const noise of ['fasb.org', 'xbrli:', 'us-gaap:', 'iso4217', '<', 'display:']) expect(text).not.toContain(noise);
  });

  it('reads an EDGAR full submission: header fields, prose documents, no uuencoded or XBRL parts', () => {
    const body = read(path.join(documentsDir, 'NVDA_8-K_2026-03-06_0001045810-26-000024.txt'));
    const header = submissionHeader(body);
    // SOURCES.md of the shared filings: accepted 2026-03-06 16:11:25 ET (EST, UTC-5).
    expect(header).toMatchObject({ accession: '0001045810-26-000024', formType: '8-K', filedAsOf: '2026-03-06' });
    expect(header.acceptedAt?.toISOString()).toBe('2026-03-06T21:11:25.000Z');
    const { format, text } = extractText('x.txt', body);
    expect(format).toBe('submission');
    expect(text.startsWith('[8-K]\n')).toBe(true);
    expect(text).toContain('[EX-10.1]');
    expect(text).not.toMatch(/<\?xml|xbrli|^begin 644/m);
  });

  it('keeps a pre-2001 submission (PEM envelope, no acceptance time) readable', () => {
    const body = read(path.join(documentsDir, 'AAPL_8-K_2000-01-24_0000912057-00-002128.txt'));
    expect(submissionHeader(body)).toMatchObject({ accession: '0000912057-00-002128', formType: '8-K', filedAsOf: '2000-01-24', acceptedAt: undefined });
    expect(extractText('x.txt', body).text).toContain('Apple Computer');
  });
});

describe('chunking', () => {
  const text = read(path.join(documentsDir, 'AAPL_10-Q_1998-08-10_0000320193-98-000008.txt'));

  it('covers every token, respects the limit, overlaps, and never truncates a long document', () => {
    const plain = extractText('x.txt', text).text;
    const tokens = tokenize(plain);
    const chunks = chunkText(plain, { maxTokens: 120, overlapTokens: 20 });
    expect(chunks.length).toBeGreaterThan(tokens.length / 120);
    for (const c of chunks) {
      expect(c.tokens).toBeLessThanOrEqual(120);
      expect(countTokens(c.text)).toBe(c.tokens);
      expect(plain.slice(c.start, c.end)).toBe(c.text);
    }
    expect(chunks[0].start).toBe(tokens[0].start);
    expect(chunks.at(-1)!.end).toBe(tokens.at(-1)!.end);
    for (let i = 1; i < chunks.length; i++) {
      // Each chunk starts inside the previous one (overlap) and moves forward.
      expect(chunks[i].start).toBeGreaterThan(chunks[i - 1].start);
      expect(chunks[i].start).toBeLessThan(chunks[i - 1].end);
    }
  });

  it('prefers to end a chunk at a sentence boundary', () => {
    const sentences = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} has exactly seven tokens.`).join(' ');
    const chunks = chunkText(sentences, { maxTokens: 30, overlapTokens: 4 });
    for (const c of chunks.slice(0, -1)) expect(c.text.endsWith('.')).toBe(true);
  });

  it('refuses settings that could not make progress', () => {
    expect(() => chunkText('a b c', { maxTokens: 4 })).toThrow(/maxTokens/);
    expect(() => chunkText('a b c', { maxTokens: 20, overlapTokens: 10 })).toThrow(/overlapTokens/);
  });
});

describe('HashingEmbedder', () => {
  const e = new HashingEmbedder(64);

  it('is deterministic, unit length, of its dimension, and names its version', async () => {
    const [a, b] = await e.embed(['Apple reported net sales', 'Apple reported net sales']);
    expect(a).toEqual(b);
    expect(a).toHaveLength(64);
    expect(Math.hypot(...a)).toBeCloseTo(1, 12);
    expect(e.version).toBe('v1-d64');
    expect(invalidVector(a, 64)).toBeNull();
    expect(invalidVector([...a.slice(1), NaN], 64)).toMatch(/component 63 is NaN/);
    expect(invalidVector(a, 512)).toMatch(/64 dimensions/);
  });

  it('places texts sharing words closer than unrelated ones, case-insensitively', async () => {
    const [q, near, far] = await new HashingEmbedder(1024).embed(['iPhone net sales', 'NET SALES of iPhone grew', 'board of directors compensation plan']);
    expect(cosine(q, near)).toBeGreaterThan(0.5);
    expect(cosine(q, near)).toBeGreaterThan(cosine(q, far));
  });
});

describe('reciprocal rank fusion', () => {
  // The formula as Elasticsearch documents it (elastic.co/guide/en/elasticsearch/reference/8.8/rrf.html):
  // score += 1.0 / (k + rank(result(q), d)), ranks from 1; k = 60 from Cormack, Clarke & Büttcher (SIGIR 2009).
  it('scores by the documented formula (exact to 1e-15)', () => {
    const fused = reciprocalRankFusion([['a', 'b', 'c'], ['b', 'd', 'a']]);
    const score = Object.fromEntries(fused.map((f) => [f.id, f.score]));
    expect(score.a).toBeCloseTo(1 / 61 + 1 / 63, 15);
    expect(score.b).toBeCloseTo(1 / 62 + 1 / 61, 15);
    expect(score.c).toBeCloseTo(1 / 63, 15);
    expect(score.d).toBeCloseTo(1 / 62, 15);
    expect(fused.map((f) => f.id)).toEqual(['b', 'a', 'd', 'c']);
  });

  it('with rank constant 1 a document first in one list and second in another scores 1/2 + 1/3', () => {
    const [top] = reciprocalRankFusion([['x', 'y'], ['y', 'x']], 1);
    expect(top.score).toBeCloseTo(1 / 2 + 1 / 3, 15);
  });
});

describe('filing publication time', () => {
  it('reads EDGAR acceptance times on the Eastern clock (never earlier than the truth), else 22:00 ET of the filing day', () => {
    // SOURCES.md: Apple's 10-Q 0000320193-25-000073 was accepted 2025-08-01 06:00:42 ET; SEC's JSON says "…06:00:42.000Z".
    expect(filingPublishedAt('2025-08-01T06:00:42.000Z', '2025-08-01').toISOString()).toBe('2025-08-01T10:00:42.000Z');
    // A JSON time of 00:00:00 carries no time: EDGAR's closing time of the filing day (EST in January).
    expect(filingPublishedAt('1999-09-07T00:00:00.000Z', '1999-09-07').toISOString()).toBe('1999-09-08T02:00:00.000Z');
    expect(filingPublishedAt(undefined, '2000-01-24').toISOString()).toBe('2000-01-25T03:00:00.000Z');
  });
});

describe('document features', () => {
  const day = (d: string) => Date.parse(`${d}T00:00:00Z`);
  const docs = [
    { publishedAt: new Date('2020-01-10T21:00:00Z'), formType: '10-Q', text: 'revenue grew iphone services strong quarter' },
    { publishedAt: new Date('2020-02-03T21:00:00Z'), formType: '8-K', text: 'press release results' },
    { publishedAt: new Date('2020-04-10T21:00:00Z'), formType: '10-Q', text: 'revenue grew iphone services weak quarter' },
    { publishedAt: new Date('2020-04-11T21:00:00Z'), formType: 'news', text: 'an article' },
  ];

  it('uses only documents published by each bar', () => {
    const ts = ['2020-01-10', '2020-01-11', '2020-02-04', '2020-04-10', '2020-04-11', '2020-04-12'].map(day);
    const [similarity, since8k, recent] = documentFeatureColumns(ts, docs);
    const expected = similarityToPrevious(docs.filter((d) => d.formType !== 'news'))[2];
    // Published 21:00 UTC: not known at that day's midnight bar, known the next day.
    expect([...similarity].map((v) => (Number.isNaN(v) ? null : v))).toEqual([null, null, null, null, expected, expected]);
    expect(expected).toBeCloseTo(5 / 6, 12); // 5 of 6 words shared, each once: cosine = 5 / (√6·√6)
    expect([...since8k].map((v) => (Number.isNaN(v) ? null : Number(v.toFixed(4))))).toEqual([null, null, 0.125, 66.125, 67.125, 68.125]);
    // Filings in (t − 30 days, t]; the news item is not a filing.
    expect([...recent]).toEqual([0, 1, 2, 0, 1, 1]);
  });

  it('compares an amendment with its base form', () => {
    const sims = similarityToPrevious([
      { publishedAt: new Date(0), formType: '10-Q', text: 'a b c' },
      { publishedAt: new Date(1), formType: '10-Q/A', text: 'a b c' },
    ]);
    expect(sims[1]).toBeCloseTo(1, 12);
  });
});
