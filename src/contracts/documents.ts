// The ingestDocuments workflow's input and the shapes its activities exchange: pure, so workflows may import it.
import { z } from 'zod';
import { isoDateSchema, tickerSchema } from './schemas';

export const documentSourceSchema = z.discriminatedUnion('kind', [
  /** A folder of .txt/.md/.htm(l) files and EDGAR full submissions (see src/documents/sources.ts for metadata). */
  z.object({ kind: z.literal('folder'), path: z.string().min(1) }).strict(),
  /** News as JSON lines. */
  z.object({ kind: z.literal('news'), path: z.string().min(1) }).strict(),
  /** SEC EDGAR submissions + archives (needs SEC_EDGAR_USER_AGENT). */
  z.object({
    kind: z.literal('sec-edgar'),
    /** @default ['10-K', '10-Q', '8-K'] */
    forms: z.array(z.string().regex(/^[A-Z0-9-]+(\/A)?$/, 'forms are EDGAR form types like 10-K or 8-K')).min(1).optional(),
    /** Only filings on or after this day. */
    since: isoDateSchema.optional(),
    /** Newest filings per symbol. */
    limit: z.number().int().min(1).max(200).default(10),
  }).strict(),
]);
export type DocumentSourceSpec = z.infer<typeof documentSourceSchema>;

export const ingestDocumentsInputSchema = z.object({
  source: documentSourceSchema,
  /** Only these symbols (required for sec-edgar). */
  symbols: z.array(tickerSchema).min(1).max(500).optional(),
  /** use-lite, hashing or openai. @default TICKFLOW_EMBEDDER */
  embedder: z.enum(['use-lite', 'hashing', 'openai']).optional(),
  /** Vector stores to index into. @default ['lancedb'] */
  stores: z.array(z.string().regex(/^[a-z]+$/, 'store names are lower-case, like lancedb')).min(1).max(5).default(['lancedb']),
}).strict().refine((i) => i.source.kind !== 'sec-edgar' || (i.symbols?.length ?? 0) > 0, { message: 'sec-edgar needs symbols', path: ['symbols'] });

export type IngestDocumentsInput = z.infer<typeof ingestDocumentsInputSchema>;
export type EmbedderChoice = NonNullable<IngestDocumentsInput['embedder']>;

export interface IngestSourceArgs {
  pipelineRunId: string;
  source: DocumentSourceSpec;
  symbols?: string[];
}

export interface IngestSourceResult {
  /** Items the source delivered (documents + unreadable). */
  received: number;
  /** New versions written (first versions and changed texts). */
  written: number;
  /** Of those, changed texts of known documents. */
  revised: number;
  unchanged: number;
  quarantined: number;
  chunks: number;
  symbols: string[];
}

/** What every stored document says about itself, whichever source delivered it. */
export interface DocumentMeta {
  symbol: string;
  /** When it became public (for filings EDGAR's acceptance time). */
  publishedAt: Date;
  source: string;
  formType: string | null;
  title: string | null;
  /** URL of the filing or news item, or the file's path. */
  link: string;
}

export interface EmbedChunksArgs {
  pipelineRunId: string;
  embedder?: EmbedderChoice;
  symbols?: string[];
}

export interface EmbedChunksResult {
  model: string;
  version: string;
  dimension: number;
  embedded: number;
}

export interface IndexStoreArgs {
  pipelineRunId: string;
  store: string;
  embedder?: EmbedderChoice;
}

export interface IndexStoreResult {
  store: string;
  collection: string;
  expected: number;
  upserted: number;
  deleted: number;
}

export interface DocumentQualityArgs {
  pipelineRunId: string;
  embedder?: EmbedderChoice;
  stores: string[];
}

export interface DocumentQualityResult {
  rules: { rule: string; passed: boolean; observed: number; detail: string }[];
  failed: string[];
}

export interface IngestDocumentsSummary {
  pipelineRunId: string;
  documents: IngestSourceResult;
  embeddings: EmbedChunksResult;
  stores: IndexStoreResult[];
  quality: DocumentQualityResult;
}
