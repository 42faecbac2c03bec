// A local fake of the Pinecone data-plane endpoints the PineconeStore uses, with the documented request and
// response shapes (API version 2025-01, docs.pinecone.io/reference/api/2025-01/data-plane/: upsert, query,
// delete, describeindexstats, list). One index of a fixed dimension, cosine metric, exact search, metadata
// filters with $eq, $in, $lte and $and. It checks the Api-Key header and answers 401 without it, like Pinecone.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cosine } from './vector-data';

type Scalar = string | number | boolean;
interface StoredVector { id: string; values: number[]; metadata: Record<string, Scalar> }

export interface PineconeFake {
  url: string;
  apiKey: string;
  /** Requests received, for tests that check what was sent. */
  requests: Array<{ method: string; path: string; body: unknown }>;
  close(): Promise<void>;
}

/** Pinecone's metadata filter language, the subset the store sends: {$and: [...]}, {field: {$eq|$in|$lte: v}}. */
function matches(metadata: Record<string, Scalar>, filter: Record<string, unknown> | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([key, cond]) => {
    if (key === '$and') return (cond as Record<string, unknown>[]).every((f) => matches(metadata, f));
    const value = metadata[key];
    return Object.entries(cond as Record<string, unknown>).every(([op, arg]) => {
      switch (op) {
        case '$eq': return value === arg;
        case '$in': return (arg as Scalar[]).includes(value);
        case '$lte': return typeof value === 'number' && value <= (arg as number);
        default: throw new Error(`unsupported filter operator ${op}`);
      }
    });
  });
}

export async function startPineconeFake(dimension: number, apiKey = 'test-key'): Promise<PineconeFake> {
  const namespaces = new Map<string, Map<string, StoredVector>>();
  const requests: PineconeFake['requests'] = [];
  const ns = (name: string | undefined) => {
    const key = name ?? '';
    if (!namespaces.has(key)) namespaces.set(key, new Map());
    return namespaces.get(key)!;
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const body = raw ? JSON.parse(raw) : undefined;
      requests.push({ method: req.method ?? '', path: url.pathname, body });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.headers['api-key'] !== apiKey) return send(401, { code: 16, message: 'Invalid API Key', details: [] });
      const route = `${req.method} ${url.pathname}`;
      if (route === 'POST /vectors/upsert') {
        const target = ns(body.namespace);
        for (const v of body.vectors as StoredVector[]) {
          if (v.values.length !== dimension) {
            return send(400, { code: 3, message: `Vector dimension ${v.values.length} does not match the dimension of the index ${dimension}`, details: [] });
          }
          target.set(v.id, { id: v.id, values: v.values, metadata: v.metadata ?? {} });
        }
        return send(200, { upsertedCount: body.vectors.length });
      }
      if (route === 'POST /query') {
        const hits = [...ns(body.namespace).values()]
          .filter((v) => matches(v.metadata, body.filter))
          .map((v) => ({ id: v.id, score: cosine(v.values, body.vector), metadata: body.includeMetadata ? v.metadata : undefined }))
          .sort((a, b) => b.score - a.score)
          .slice(0, body.topK);
        return send(200, { matches: hits, namespace: body.namespace ?? '', usage: { readUnits: 1 } });
      }
      if (route === 'POST /vectors/delete') {
        if (body.deleteAll) namespaces.delete(body.namespace ?? '');
        else for (const id of body.ids ?? []) ns(body.namespace).delete(id);
        return send(200, {});
      }
      if (route === 'POST /describe_index_stats') {
        const stats = Object.fromEntries([...namespaces].filter(([, m]) => m.size > 0).map(([name, m]) => [name, { vectorCount: m.size }]));
        const total = Object.values(stats).reduce((s, n) => s + n.vectorCount, 0);
        return send(200, { namespaces: stats, dimension, indexFullness: 0, totalVectorCount: total, metric: 'cosine', vectorType: 'dense' });
      }
      if (route === 'GET /vectors/list') {
        const ids = [...ns(url.searchParams.get('namespace') ?? undefined).keys()].sort();
        const limit = Number(url.searchParams.get('limit') ?? 100);
        const start = Number(url.searchParams.get('paginationToken') ?? 0);
        const page = ids.slice(start, start + limit);
        const next = start + limit < ids.length ? String(start + limit) : undefined;
        return send(200, { vectors: page.map((id) => ({ id })), ...(next ? { pagination: { next } } : {}), namespace: url.searchParams.get('namespace') ?? '', usage: { readUnits: 1 } });
      }
      return send(404, { code: 5, message: `no route ${route}`, details: [] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
