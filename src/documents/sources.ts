// Where documents come from: SEC EDGAR (submissions + archives), a local folder (text, Markdown, HTML, EDGAR full
// submissions) and news as JSON lines. A source yields documents with their metadata, or what it could not read
// (quarantined by the caller with the reason); it never guesses a publication time.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { DatasetRef } from '../contracts/dataset-ref';
import type { DocumentMeta } from '../contracts/documents';
import { parseInstant, parseIsoDate } from '../contracts/dates';
import { InputError } from '../contracts/errors';
import { TICKER } from '../contracts/schemas';
import type { HttpClient } from '../providers/http-client';
import { secTickersSchema } from '../providers/sec-edgar';
import { submissionHeader } from './extract';

export interface RawDocument extends DocumentMeta {
  /** Stable across re-ingests: `sec-edgar:<accession>` (same key whichever source delivered the filing). */
  key: string;
  /** Decides the extractor (.htm → HTML, …). */
  fileName: string;
  body: string;
}

export interface Unreadable {
  location: string;
  symbol: string | null;
  reason: string;
  excerpt: string | null;
}

/** A document the database already holds under its key, so the source did not fetch it (an EDGAR filing never changes). */
export interface AlreadyStored {
  key: string;
  symbol: string;
}

export type SourceItem = { document: RawDocument } | { unreadable: Unreadable } | { stored: AlreadyStored };

export interface DocumentSource {
  readonly name: string;
  /** What lineage names as read. */
  datasets(): DatasetRef[];
  items(): AsyncIterable<SourceItem>;
}

/**
 * EDGAR's clock is US/Eastern. The submissions JSON's acceptanceDateTime ends in "Z" but for some filers is the
 * Eastern wall clock (see data/documents/NOTICE.md): reading it as Eastern is never earlier than the truth, so a
 * point-in-time read never sees a filing before it was public. Without an acceptance time, a filing is dated
 * 22:00 Eastern of its filing date, when EDGAR stops accepting for that day.
 */
export function filingPublishedAt(acceptance: string | undefined, filingDate: string): Date {
  const m = acceptance ? /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})/.exec(acceptance) : null;
  if (m && !(m[2] === '00:00:00')) {
    const at = parseInstant(`${m[1]}T${m[2]}`, { timeZone: 'America/New_York' });
    if (at.ok) return at.instant;
  }
  const end = parseInstant(`${filingDate}T22:00:00`, { timeZone: 'America/New_York' });
  if (!end.ok) throw new InputError(end.reason, 'filing date');
  return end.instant;
}

const EXTENSIONS = /\.(txt|md|markdown|html?|xhtml)$/i;
/** Files about the folder (attribution, licences), not documents of a company. */
const ABOUT_FILES = /^(NOTICE|README|SOURCES|LICENSE|COPYING)(\.|$)/i;
/** `<SYMBOL>_<FORM>_<YYYY-MM-DD>[_<ACCESSION>].<ext>`; FORM may use "-A" for "/A". */
const FILE_NAME = /^([A-Z0-9][A-Z0-9.\-^=]*)_([A-Za-z0-9-]+)_(\d{4}-\d{2}-\d{2})(?:_(\d{10}-\d{2}-\d{6}))?[._]/;

/**
 * Asked-for symbols that the source has nothing of are an error naming them, raised before anything is read into
 * PostgreSQL (a typo in --symbols would otherwise ingest the others and say nothing).
 */
function requireAskedSymbols(asked: string[] | undefined, present: Set<string>, where: string): void {
  const missing = (asked ?? []).filter((s) => !present.has(s));
  if (missing.length) throw new InputError(`symbol${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'have' : 'has'} no document in ${where}`, 'symbols');
}

const indexEntry = z.object({
  file: z.string().min(1),
  symbol: z.string().regex(TICKER),
  publishedAt: z.string().min(1),
  formType: z.string().min(1).optional(),
  title: z.string().optional(),
  link: z.string().optional(),
  accession: z.string().regex(/^\d{10}-\d{2}-\d{6}$/).optional(),
}).strict();

/**
 * A folder of documents. Metadata comes from, in order: `index.json` (an array of { file, symbol, publishedAt, … }),
 * an EDGAR full submission's own header (form, accession, acceptance time), the file name
 * `<SYMBOL>_<FORM>_<YYYY-MM-DD>[_<ACCESSION>]`. A file none of them dates is quarantined.
 */
export class FolderSource implements DocumentSource {
  readonly name = 'folder';

  constructor(private readonly dir: string, private readonly symbols?: string[]) {}

  datasets(): DatasetRef[] {
    return [{ kind: 'file', path: path.resolve(this.dir) }];
  }

  private index(): Map<string, z.infer<typeof indexEntry>> {
    const file = path.join(this.dir, 'index.json');
    if (!fs.existsSync(file)) return new Map();
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new InputError(`${file} is not JSON (${(e as Error).message})`, 'documents index');
    }
    const parsed = z.array(indexEntry).safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError(`${file}: [${issue.path.join('].')}: ${issue.message}`, 'documents index');
    }
    return new Map(parsed.data.map((e) => [e.file, e]));
  }

  async *items(): AsyncIterable<SourceItem> {
    if (!fs.existsSync(this.dir) || !fs.statSync(this.dir).isDirectory()) throw new InputError(`${this.dir} is not a folder`, 'path');
    const index = this.index();
    const files = fs.readdirSync(this.dir).filter((f) => EXTENSIONS.test(f) && !ABOUT_FILES.test(f)).sort();
    const symbolOf = (file: string) => index.get(file)?.symbol ?? FILE_NAME.exec(file)?.[1] ?? null;
    requireAskedSymbols(this.symbols, new Set(files.map(symbolOf).filter((s) => s !== null)), this.dir);
    for (const file of files) {
      const full = path.join(this.dir, file);
      const meta = index.get(file);
      const named = FILE_NAME.exec(file);
      const symbol = symbolOf(file);
      if (symbol && this.symbols && !this.symbols.includes(symbol)) continue;
      let body: string;
      try {
        const bytes = fs.readFileSync(full);
        body = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch (e) {
        const reason = (e as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA' ? 'not UTF-8 text' : `unreadable (${(e as Error).message})`;
        yield { unreadable: { location: full, symbol, reason, excerpt: null } };
        continue;
      }
      if (!symbol) {
        yield { unreadable: { location: full, symbol: null, reason: 'no symbol: name the file <SYMBOL>_<FORM>_<YYYY-MM-DD>.<ext> or list it in index.json', excerpt: body.slice(0, 200) } };
        continue;
      }
      const header = /<(SEC|IMS)-DOCUMENT>/.test(body.slice(0, 4000)) ? submissionHeader(body) : undefined;
      const accession = meta?.accession ?? header?.accession ?? named?.[4];
      const formType = meta?.formType ?? header?.formType ?? named?.[2].replace(/-A$/, '/A') ?? null;
      let publishedAt: Date | undefined;
      if (meta) {
        const at = parseInstant(meta.publishedAt);
        if (!at.ok) {
          yield { unreadable: { location: `${full} (index.json)`, symbol, reason: `publishedAt: ${at.reason}`, excerpt: null } };
          continue;
        }
        publishedAt = at.instant;
      } else if (header?.acceptedAt) publishedAt = header.acceptedAt;
      else {
        const day = header?.filedAsOf ?? named?.[3];
        if (day && parseIsoDate(day).ok) publishedAt = filingPublishedAt(undefined, day);
      }
      if (!publishedAt) {
        yield { unreadable: { location: full, symbol, reason: 'no publication time: name the file <SYMBOL>_<FORM>_<YYYY-MM-DD>.<ext> or list it in index.json', excerpt: body.slice(0, 200) } };
        continue;
      }
      yield {
        document: {
          key: accession ? `sec-edgar:${accession}` : `folder:${file}`, symbol, publishedAt, source: this.name, formType,
          title: meta?.title ?? header?.companyName ?? null, link: meta?.link ?? full, fileName: file, body,
        },
      };
    }
  }
}

const newsLine = z.object({
  id: z.string().min(1).optional(),
  symbol: z.string().regex(TICKER, 'is not an upper-case ticker like AAPL'),
  publishedAt: z.string().min(1),
  title: z.string().optional(),
  text: z.string(),
  url: z.string().url().optional(),
});

/** News as JSON lines: `{ "id", "symbol", "publishedAt" (with a zone), "title", "text", "url" }` per line. */
export class NewsJsonlSource implements DocumentSource {
  readonly name = 'news';

  constructor(private readonly file: string, private readonly symbols?: string[]) {}

  datasets(): DatasetRef[] {
    return [{ kind: 'file', path: path.resolve(this.file) }];
  }

  async *items(): AsyncIterable<SourceItem> {
    if (!fs.existsSync(this.file)) throw new InputError(`${this.file} does not exist`, 'path');
    const lines = fs.readFileSync(this.file, 'utf8').split(/\r?\n/);
    if (this.symbols) {
      const present = new Set<string>();
      for (const line of lines) {
        try {
          const symbol = (JSON.parse(line) as { symbol?: unknown } | null)?.symbol;
          if (typeof symbol === 'string') present.add(symbol);
        } catch {
          // quarantined below
        }
      }
      requireAskedSymbols(this.symbols, present, this.file);
    }
    for (const [i, line] of lines.entries()) {
      if (!line.trim()) continue;
      const location = `${this.file}:${i + 1}`;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        yield { unreadable: { location, symbol: null, reason: 'not JSON', excerpt: line.slice(0, 200) } };
        continue;
      }
      const parsed = newsLine.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const symbol = typeof (raw as { symbol?: unknown })?.symbol === 'string' ? (raw as { symbol: string }).symbol.slice(0, 32) : null;
        yield { unreadable: { location, symbol, reason: `${issue.path.join('.') || 'line'}: ${issue.message}`, excerpt: line.slice(0, 200) } };
        continue;
      }
      const n = parsed.data;
      if (this.symbols && !this.symbols.includes(n.symbol)) continue;
      const at = parseInstant(n.publishedAt);
      if (!at.ok) {
        yield { unreadable: { location, symbol: n.symbol, reason: `publishedAt: ${at.reason}`, excerpt: line.slice(0, 200) } };
        continue;
      }
      yield {
        document: {
          key: `news:${n.id ?? n.url ?? `${path.basename(this.file)}:${i + 1}`}`, symbol: n.symbol, publishedAt: at.instant, source: this.name, formType: 'news',
          title: n.title ?? null, link: n.url ?? location, fileName: 'news.txt', body: n.title ? `${n.title}\n\n${n.text}` : n.text,
        },
      };
    }
  }
}

/** EDGAR's columnar filing list: `filings.recent` in the submissions JSON, and the whole body of each older page. */
const filingListSchema = z.object({
  accessionNumber: z.array(z.string()),
  filingDate: z.array(z.string()),
  acceptanceDateTime: z.array(z.string()),
  form: z.array(z.string()),
  primaryDocument: z.array(z.string()),
  primaryDocDescription: z.array(z.string()).optional(),
});
type FilingList = z.infer<typeof filingListSchema>;

const submissionsSchema = z.object({
  cik: z.union([z.string(), z.number()]),
  name: z.string().optional(),
  filings: z.object({
    recent: filingListSchema,
    /** Older filings, newest page first: `CIK##########-submissions-001.json`, … with the dates they span. */
    files: z.array(z.object({ name: z.string().regex(/^CIK\d{10}-submissions-\d{3}\.json$/), filingFrom: z.string(), filingTo: z.string() })).default([]),
  }),
});

export interface EdgarOptions {
  symbols: string[];
  /** @default ['10-K', '10-Q', '8-K'] */
  forms?: string[];
  /** Only filings on or after this day (YYYY-MM-DD). */
  since?: string;
  /** Newest filings per symbol. @default 10 */
  limit?: number;
  /**
   * Whether PostgreSQL already holds a document under this key (the source of truth): a filing's archive is never
   * fetched again then, so a resumed or repeated ingest re-reads only what is not committed.
   */
  isStored?: (key: string) => Promise<boolean>;
}

/**
 * SEC EDGAR: `{www}/files/company_tickers.json` (ticker → CIK), `{data}/submissions/CIK##########.json` (the
 * filings), then each filing's primary document from `{www}/Archives/edgar/data/<cik>/<accession>/<document>`.
 */
export class EdgarFilingsSource implements DocumentSource {
  readonly name = 'sec-edgar';

  constructor(private readonly data: HttpClient, private readonly www: HttpClient, private readonly options: EdgarOptions) {}

  datasets(): DatasetRef[] {
    return this.options.symbols.map((s) => ({ kind: 'url', url: this.data.describe({ path: `/submissions/${s}` }) }));
  }

  private async ciks(): Promise<Map<string, number>> {
    const tickers = await this.www.json({ path: '/files/company_tickers.json' }, secTickersSchema);
    return new Map(Object.values(tickers).map((t) => [t.ticker.toUpperCase(), t.cik_str]));
  }

  async *items(): AsyncIterable<SourceItem> {
    const forms = new Set(this.options.forms ?? ['10-K', '10-Q', '8-K']);
    const ciks = await this.ciks();
    const unknown = this.options.symbols.filter((s) => !ciks.has(s));
    if (unknown.length) throw new InputError(`${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in SEC's company_tickers.json`, 'symbols');
    for (const symbol of this.options.symbols) {
      const cik = ciks.get(symbol)!;
      const req = { path: `/submissions/CIK${String(cik).padStart(10, '0')}.json`, symbol };
      const { filings } = await this.data.json(req, submissionsSchema);
      const limit = this.options.limit ?? 10;
      // Pages of filings newest first: `recent`, then each older file while the range reaches back into it.
      const picked: { list: FilingList; i: number; where: string }[] = [];
      const pick = (page: { list: FilingList; where: string }) => {
        for (let i = 0; i < page.list.accessionNumber.length && picked.length < limit; i++) {
          if (!forms.has(page.list.form[i])) continue;
          if (this.options.since && page.list.filingDate[i] < this.options.since) continue;
          picked.push({ list: page.list, i, where: page.where });
        }
      };
      pick({ list: filings.recent, where: `${this.data.describe(req)}#filings.recent.` });
      for (const file of filings.files) {
        if (picked.length >= limit || (this.options.since && file.filingTo < this.options.since)) break;
        const pageReq = { path: `/submissions/${file.name}`, symbol };
        pick({ list: await this.data.json(pageReq, filingListSchema), where: `${this.data.describe(pageReq)}#` });
      }
      for (const { list, i, where } of picked) {
        const accession = list.accessionNumber[i];
        const docReq = { path: `/Archives/edgar/data/${cik}/${accession.replace(/-/g, '')}/${list.primaryDocument[i]}`, symbol };
        const link = this.www.describe(docReq);
        if (!parseIsoDate(list.filingDate[i]).ok) {
          yield { unreadable: { location: `${where}filingDate[${i}]`, symbol, reason: `filing date ${list.filingDate[i]} does not exist`, excerpt: null } };
          continue;
        }
        const key = `sec-edgar:${accession}`;
        if (await this.options.isStored?.(key)) {
          yield { stored: { key, symbol } };
          continue;
        }
        const body = await this.www.text(docReq);
        yield {
          document: {
            key, symbol, publishedAt: filingPublishedAt(list.acceptanceDateTime[i], list.filingDate[i]), source: this.name,
            formType: list.form[i], title: list.primaryDocDescription?.[i] ?? null, link, fileName: list.primaryDocument[i], body,
          },
        };
      }
    }
  }
}
