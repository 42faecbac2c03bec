// Token-aware chunking: windows of at most `maxTokens` tokens that overlap by `overlapTokens`, ending at a sentence
// or paragraph boundary when one lies in the last quarter of the window. Every token of the text lands in at least
// one chunk: a long document is many chunks, never a truncated one.

/** A word, a number (1,234.5 / 10-K), or one punctuation mark: the unit chunk sizes are counted in. */
const TOKEN = /[\p{L}\p{N}]+(?:[.,'’\-][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu;

export interface Token {
  start: number;
  end: number;
}

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN)) out.push({ start: m.index, end: m.index + m[0].length });
  return out;
}

export const countTokens = (text: string) => tokenize(text).length;

export interface ChunkOptions {
  /** @default 200 */
  maxTokens?: number;
  /** Tokens repeated at the start of the next chunk, so a sentence cut at a boundary is whole in one of them. @default 32 */
  overlapTokens?: number;
}

export interface Chunk {
  index: number;
  text: string;
  tokens: number;
  /** Character offsets of the chunk in the document's text. */
  start: number;
  end: number;
}

/** Whether the text between two tokens (and the first token) marks the end of a sentence or paragraph. */
function boundaryAfter(text: string, tokens: Token[], i: number): boolean {
  const t = text.slice(tokens[i].start, tokens[i].end);
  if (t === '.' || t === '!' || t === '?' || t === ';') return true;
  const next = tokens[i + 1];
  return next !== undefined && text.slice(tokens[i].end, next.start).includes('\n\n');
}

export function chunkText(text: string, options: ChunkOptions = {}): Chunk[] {
  const maxTokens = options.maxTokens ?? 200;
  const overlap = options.overlapTokens ?? 32;
  if (!Number.isInteger(maxTokens) || maxTokens < 8) throw new RangeError(`maxTokens must be a whole number ≥ 8, got ${maxTokens}`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= maxTokens / 2) throw new RangeError(`overlapTokens must be in [0, maxTokens / 2), got ${overlap}`);
  const tokens = tokenize(text);
  const chunks: Chunk[] = [];
  let first = 0;
  while (first < tokens.length) {
    let last = Math.min(first + maxTokens, tokens.length) - 1;
    if (last < tokens.length - 1) {
      // Prefer a boundary in the last quarter of the window; otherwise cut at the token limit.
      for (let i = last; i >= first + Math.floor((maxTokens * 3) / 4); i--) {
        if (boundaryAfter(text, tokens, i)) {
          last = i;
          break;
        }
      }
    }
    const start = tokens[first].start;
    const end = tokens[last].end;
    chunks.push({ index: chunks.length, text: text.slice(start, end), tokens: last - first + 1, start, end });
    if (last === tokens.length - 1) break;
    first = Math.max(last + 1 - overlap, first + 1);
  }
  return chunks;
}
