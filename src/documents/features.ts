// Document-derived features at each bar, point in time: only documents published at or before the bar are known.
// - text_similarity: cosine similarity of the latest filing's term vector to the previous filing of the same form
//   (a "text changed" signal: Cohen, Malloy & Nguyen, "Lazy Prices", J. Finance 2020, use the same cosine of
//   term-frequency vectors); NaN until a form has two filings;
// - days_since_8k: calendar days since the latest 8-K (NaN before the first);
// - filings_30d: documents published in the 30 days up to the bar.
import { HashingEmbedder, cosine } from './embedders';

export interface DocumentFactInput {
  publishedAt: Date;
  formType: string | null;
  text: string;
}

export const DOCUMENT_FEATURE_SUFFIXES = ['text_similarity', 'days_since_8k', 'filings_30d'] as const;

const DAY = 86_400_000;
/** A bag-of-words vector wide enough that collisions barely move a cosine between long filings. */
const terms = new HashingEmbedder(4096);

/** The form a document is compared within: an amendment (10-Q/A) belongs to its base form. */
const baseForm = (form: string | null) => (form ?? '').toUpperCase().replace(/\/A$/, '');

/** Each document's similarity to the previous document of its form (NaN for the first of a form), in the given order. */
export function similarityToPrevious(docs: DocumentFactInput[]): number[] {
  const last = new Map<string, number[]>();
  return docs.map((d) => {
    const v = terms.counts(d.text);
    const form = baseForm(d.formType);
    const prev = last.get(form);
    last.set(form, v);
    return prev ? cosine(v, prev) : NaN;
  });
}

/** Filings have a form; news items and notes (form "news" or none) do not count as filings. */
const isFiling = (d: DocumentFactInput) => d.formType !== null && d.formType !== 'news';

/** One column per suffix, aligned to `ts` (epoch ms, ascending); `all` in publication order. */
export function documentFeatureColumns(ts: ArrayLike<number>, all: DocumentFactInput[]): Float64Array[] {
  const docs = all.filter(isFiling);
  const n = ts.length;
  const similarity = new Float64Array(n).fill(NaN);
  const since8k = new Float64Array(n).fill(NaN);
  const recent = new Float64Array(n);
  const sims = similarityToPrevious(docs);
  const at = docs.map((d) => d.publishedAt.getTime());
  let next = 0; // first document not yet published at bar i
  let windowStart = 0; // first document inside (t − 30 days, t]
  let latestSimilarity = NaN;
  let last8k = NaN;
  for (let i = 0; i < n; i++) {
    const t = ts[i];
    while (next < docs.length && at[next] <= t) {
      latestSimilarity = sims[next];
      if (baseForm(docs[next].formType) === '8-K') last8k = at[next];
      next++;
    }
    while (windowStart < next && at[windowStart] <= t - 30 * DAY) windowStart++;
    similarity[i] = latestSimilarity;
    since8k[i] = Number.isNaN(last8k) ? NaN : (t - last8k) / DAY;
    recent[i] = next - windowStart;
  }
  return [similarity, since8k, recent];
}
