// Plain text out of what a source delivers: HTML (markup, scripts, styles and hidden inline-XBRL facts dropped),
// EDGAR full submissions (SGML header + documents; binary and XBRL parts skipped), Markdown and text as they are.
import { Parser } from 'htmlparser2';
import { parseInstant } from '../contracts/dates';

/** Elements whose content is never text a reader sees. `ix:header` holds inline XBRL's hidden facts and contexts. */
const SKIPPED = new Set(['script', 'style', 'head', 'noscript', 'template', 'svg', 'ix:header', 'xbrli:context', 'xbrli:unit']);
/** Elements that end a line of text (their content is a block of its own). */
const BLOCK = new Set([
  'p', 'div', 'br', 'tr', 'li', 'ul', 'ol', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'section', 'article', 'header', 'footer',
  'blockquote', 'pre', 'hr', 'dd', 'dt', 'dl', 'title', 'body', 'html', 'page',
]);
const CELL = new Set(['td', 'th']);

const hiddenStyle = (style: string | undefined) => style !== undefined && /display\s*:\s*none/i.test(style);

/** Collapses runs of spaces inside lines and blank lines between paragraphs; trims. */
export function normalizeWhitespace(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u00a0\u2000-\u200b\t\f\v ]+/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The visible text of an HTML or XHTML (inline XBRL) document. */
export function htmlToText(html: string): string {
  const parts: string[] = [];
  // Depth inside skipped or hidden elements: nothing is text until it returns to 0. A stack, because void and
  // unclosed elements make htmlparser2 report closing tags we must match to the opening that counted.
  const stack: boolean[] = [];
  let hidden = 0;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        const skip = SKIPPED.has(name) || hiddenStyle(attrs.style) || 'hidden' in attrs;
        stack.push(skip);
        if (skip) hidden++;
        if (hidden === 0 && BLOCK.has(name)) parts.push('\n');
      },
      ontext(text) {
        if (hidden === 0) parts.push(text);
      },
      onclosetag(name) {
        if (hidden === 0 && BLOCK.has(name)) parts.push('\n');
        else if (hidden === 0 && CELL.has(name)) parts.push(' ');
        if (stack.pop()) hidden--;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  return normalizeWhitespace(parts.join(''));
}

const looksLikeHtml = (text: string) => /<(html|body|div|p|table|font)[\s>]/i.test(text.slice(0, 20_000));

/** The header fields of an EDGAR full submission (`<SEC-HEADER>`, or `<IMS-HEADER>` in 1994). */
export interface SubmissionHeader {
  accession?: string;
  formType?: string;
  /** YYYY-MM-DD */
  filedAsOf?: string;
  /** The instant EDGAR accepted the submission (header clock is US/Eastern). */
  acceptedAt?: Date;
  cik?: string;
  companyName?: string;
}

export const isSubmission = (text: string) => /<(SEC|IMS)-DOCUMENT>/.test(text.slice(0, 4000));

const headerField = (header: string, label: string) => new RegExp(`^\\s*${label}:\\s*(.+?)\\s*$`, 'm').exec(header)?.[1];
const ymd = (v: string | undefined) => (v && /^\d{8}$/.test(v) ? `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}` : undefined);

export function submissionHeader(text: string): SubmissionHeader {
  const header = /<(?:SEC|IMS)-HEADER>([\s\S]*?)<\/(?:SEC|IMS)-HEADER>/.exec(text)?.[1] ?? '';
  const accepted = /<ACCEPTANCE-DATETIME>(\d{14})/.exec(text)?.[1];
  let acceptedAt: Date | undefined;
  if (accepted) {
    const wall = `${ymd(accepted.slice(0, 8))}T${accepted.slice(8, 10)}:${accepted.slice(10, 12)}:${accepted.slice(12, 14)}`;
    const parsed = parseInstant(wall, { timeZone: 'America/New_York' });
    if (parsed.ok) acceptedAt = parsed.instant;
  }
  return {
    accession: headerField(header, 'ACCESSION NUMBER'),
    formType: headerField(header, 'CONFORMED SUBMISSION TYPE'),
    filedAsOf: ymd(headerField(header, 'FILED AS OF DATE')),
    acceptedAt,
    cik: headerField(header, 'CENTRAL INDEX KEY'),
    companyName: headerField(header, 'COMPANY CONFORMED NAME'),
  };
}

/** Parts of a submission that are not prose: images, archives, spreadsheets, XBRL instance and schema files. */
const NON_TEXT_TYPE = /^(GRAPHIC|ZIP|EXCEL|XML|JSON|PDF|EX-101|EX-27|COVER)/i;

/**
 * The text of every prose document of a full submission (the form, then its exhibits such as an 8-K's press
 * release), each introduced by its type. uuencoded parts are binary and skipped; HTML parts are converted.
 */
export function submissionText(text: string): string {
  const out: string[] = [];
  for (const m of text.matchAll(/<DOCUMENT>([\s\S]*?)<\/DOCUMENT>/g)) {
    const body = m[1];
    const type = /<TYPE>([^\n<]+)/.exec(body)?.[1]?.trim() ?? '';
    const content = /<TEXT>([\s\S]*?)(<\/TEXT>|$)/.exec(body)?.[1] ?? '';
    if (NON_TEXT_TYPE.test(type) || /^begin [0-7]{3} /m.test(content.slice(0, 2000))) continue;
    // Inline XBRL primary documents come wrapped in <XBRL>; a bare <XML> part is data, not prose.
    if (/^\s*<XML>/i.test(content)) continue;
    const inner = content.replace(/<\/?XBRL>/gi, '');
    const plain = looksLikeHtml(inner) ? htmlToText(inner) : normalizeWhitespace(inner.replace(/<\/?(PAGE|S|C|F\d|FN|CAPTION|TABLE)>/gi, ' '));
    if (plain) out.push(`[${type}]\n${plain}`);
  }
  return out.join('\n\n');
}

export type DocumentFormat = 'html' | 'submission' | 'markdown' | 'text';

export function formatOf(fileName: string, text: string): DocumentFormat {
  if (isSubmission(text)) return 'submission';
  if (/\.x?html?$/i.test(fileName) || (!/\.(md|markdown|txt)$/i.test(fileName) && looksLikeHtml(text))) return 'html';
  if (/\.(md|markdown)$/i.test(fileName)) return 'markdown';
  return 'text';
}

/** The readable text of a document body in any supported format. */
export function extractText(fileName: string, body: string): { format: DocumentFormat; text: string } {
  const format = formatOf(fileName, body);
  const text = format === 'html' ? htmlToText(body) : format === 'submission' ? submissionText(body) : normalizeWhitespace(body);
  return { format, text };
}
