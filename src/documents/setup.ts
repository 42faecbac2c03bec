// Builds embedders and document sources from configuration and workflow input (what activities and the CLI share).
import type { Config } from '../config';
import type { DocumentSourceSpec, EmbedderChoice } from '../contracts/documents';
import { InputError } from '../contracts/errors';
import { HttpClient } from '../providers/http-client';
import { HashingEmbedder, OpenAiCompatibleEmbedder, UseLiteEmbedder, type Embedder } from './embedders';
import { EdgarFilingsSource, FolderSource, NewsJsonlSource, type DocumentSource } from './sources';

// One embedder per kind and settings per process: the USE model takes seconds to load and should load once.
const cache = new Map<string, Embedder>();

/** The embedder `choice` names (default: TICKFLOW_EMBEDDER). The remote one needs TICKFLOW_EMBEDDINGS_API_KEY. */
export function createEmbedder(config: Config, choice?: EmbedderChoice): Embedder {
  const d = config.documents;
  const name = choice ?? d.embedder;
  const key = `${name}|${d.hashingDimension}|${d.remote.baseUrl}|${d.remote.model}|${d.remote.dimension}`;
  let e = cache.get(key);
  if (!e) {
    if (name === 'hashing') e = new HashingEmbedder(d.hashingDimension);
    else if (name === 'use-lite') e = new UseLiteEmbedder();
    else {
      if (!d.remote.apiKey) throw new InputError('the openai embedder needs TICKFLOW_EMBEDDINGS_API_KEY: set it in the environment', 'embedder');
      const http = new HttpClient({
        provider: 'embeddings', baseUrl: d.remote.baseUrl, timeoutMs: config.providers.timeoutMs, requestsPerMinute: d.remote.requestsPerMinute,
        headers: { authorization: `Bearer ${d.remote.apiKey}` },
      });
      e = new OpenAiCompatibleEmbedder(http, d.remote.model, d.remote.dimension);
    }
    cache.set(key, e);
  }
  return e;
}

/** The source a workflow input names. */
/** `isStored`: whether PostgreSQL holds a document under a key (EDGAR then skips fetching it). */
export function createDocumentSource(spec: DocumentSourceSpec, symbols: string[] | undefined, config: Config, isStored?: (key: string) => Promise<boolean>): DocumentSource {
  switch (spec.kind) {
    case 'folder':
      return new FolderSource(spec.path, symbols);
    case 'news':
      return new NewsJsonlSource(spec.path, symbols);
    case 'sec-edgar': {
      const p = config.providers.secEdgar;
      if (!p.userAgent) throw new InputError('sec-edgar needs SEC_EDGAR_USER_AGENT: set it in the environment', 'source sec-edgar');
      if (!symbols?.length) throw new InputError('sec-edgar needs symbols', 'symbols');
      const client = (baseUrl: string) => new HttpClient({
        provider: 'sec-edgar', baseUrl, timeoutMs: config.providers.timeoutMs, requestsPerMinute: p.requestsPerMinute, headers: { 'user-agent': p.userAgent! },
      });
      return new EdgarFilingsSource(client(p.baseUrl), client(p.wwwUrl), { symbols, forms: spec.forms, since: spec.since, limit: spec.limit, isStored });
    }
  }
}

export const chunkingOf = (config: Config) => ({ maxTokens: config.documents.chunkTokens, overlapTokens: config.documents.chunkOverlap });
