// The codec endpoint Temporal's Web UI (and `temporal workflow show --codec-endpoint`) calls to show encrypted
// payloads: POST /encode and POST /decode with {"payloads": [{metadata: {k: base64}, data: base64}]} (Temporal's
// proto JSON), CORS for the UI's origin only. It holds the key: run it where the operator's browser can reach it and
// nobody else can (it binds to 127.0.0.1 by default).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';

interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: metadata ? Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])) : {},
  data: data ? Buffer.from(data, 'base64') : undefined,
});

const toJson = ({ metadata, data }: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
  data: data ? Buffer.from(data).toString('base64') : null,
});

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Browser origins allowed to call (the Web UI's, e.g. http://localhost:8233). */
  origins: string[];
  port: number;
  /** @default 127.0.0.1 */
  host?: string;
  /** Bodies above this many bytes are refused. @default 8 MiB (a little over Temporal's 4 MiB payload limit, base64) */
  maxBodyBytes?: number;
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(Object.assign(new Error(`body over ${limit} bytes`), { status: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startCodecServer(o: CodecServerOptions): Promise<CodecServer> {
  const limit = o.maxBodyBytes ?? 8 * 1024 * 1024;
  const server = http.createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && o.origins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'origin');
    }
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' }).end(body === undefined ? undefined : JSON.stringify(body));
    };
    const route = new URL(req.url ?? '/', 'http://codec').pathname.replace(/\/+$/, '');
    if (req.method === 'OPTIONS') {
      // Preflight: the UI sends content-type, its namespace and (optionally) its access token.
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      return send(origin && o.origins.includes(origin) ? 204 : 403);
    }
    if (origin && !o.origins.includes(origin)) return send(403, { error: `origin ${origin} is not allowed (allowed: ${o.origins.join(', ')})` });
    if (req.method !== 'POST' || (route !== '/encode' && route !== '/decode')) return send(404, { error: 'POST /encode or POST /decode' });
    readBody(req, limit)
      .then(async (raw) => {
        const body = JSON.parse(raw) as { payloads?: JsonPayload[] };
        if (!Array.isArray(body.payloads)) return send(400, { error: 'expected {"payloads": [...]}' });
        const payloads = body.payloads.map(fromJson);
        const out = route === '/encode' ? await o.codec.encode(payloads) : await o.codec.decode(payloads);
        send(200, { payloads: out.map(toJson) });
      })
      .catch((err: Error & { status?: number }) => send(err.status ?? 400, { error: err.message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
