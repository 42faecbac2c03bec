// A local HTTP server that answers provider requests from recorded responses in test/fixtures/api, records what
// it was asked, and can be told to fail a route (429, 500, 404, a stall, a malformed body) to test classification.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fixturesDir } from './services';

export const apiFixturesDir = path.join(fixturesDir, 'api');

export interface ReplayRoute {
  method?: string;
  path: string;
  /** Query parameters that must match (others are ignored). */
  query?: Record<string, string>;
  /** File under test/fixtures/api. */
  file: string;
  contentType?: string;
}

export type Failure =
  | { status: 429; retryAfter?: string }
  | { status: 500 | 502 | 503 | 401 | 403 | 404; body?: string }
  | { delayMs: number }
  | { malformed: string };

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** ms since the server started */
  at: number;
}

function matches(route: { method?: string; path: string; query?: Record<string, string> }, method: string, url: URL): boolean {
  return (route.method ?? 'GET') === method && route.path === url.pathname &&
    Object.entries(route.query ?? {}).every(([k, v]) => url.searchParams.get(k) === v);
}

export class ReplayServer {
  readonly requests: RecordedRequest[] = [];
  private routes: ReplayRoute[] = [];
  private failures: { route: { method?: string; path: string; query?: Record<string, string> }; failure: Failure }[] = [];
  private readonly started = performance.now();
  private readonly server = http.createServer((req, res) => this.answer(req, res));
  private readonly sockets = new Set<import('node:net').Socket>();

  static async start(routes: ReplayRoute[] = []): Promise<ReplayServer> {
    const s = new ReplayServer();
    s.routes = routes;
    s.server.on('connection', (c) => {
      s.sockets.add(c);
      c.on('close', () => s.sockets.delete(c));
    });
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    return s;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  route(r: ReplayRoute): this {
    this.routes.push(r);
    return this;
  }

  /** Answers requests matching `route` with `failure` until cleared. */
  fail(route: { method?: string; path: string; query?: Record<string, string> }, failure: Failure): this {
    this.failures.unshift({ route, failure });
    return this;
  }

  reset(): void {
    this.failures = [];
    this.requests.length = 0;
  }

  async stop(): Promise<void> {
    for (const c of this.sockets) c.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://replay');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, at: performance.now() - this.started });
    const failure = this.failures.find((f) => matches(f.route, method, url))?.failure;
    if (failure && 'delayMs' in failure) {
      const t = setTimeout(() => this.serve(method, url, res), failure.delayMs);
      res.on('close', () => clearTimeout(t));
      return;
    }
    if (failure && 'malformed' in failure) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(failure.malformed);
      return;
    }
    if (failure) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (failure.status === 429 && failure.retryAfter !== undefined) headers['retry-after'] = failure.retryAfter;
      res.writeHead(failure.status, headers).end('body' in failure && failure.body ? failure.body : JSON.stringify({ status: 'ERROR', error: `replayed ${failure.status}` }));
      return;
    }
    this.serve(method, url, res);
  }

  private serve(method: string, url: URL, res: http.ServerResponse): void {
    // The most specific route wins: the one constraining the most query parameters.
    const route = this.routes
      .filter((r) => matches(r, method, url))
      .sort((a, b) => Object.keys(b.query ?? {}).length - Object.keys(a.query ?? {}).length)[0];
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no recorded response for ${method} ${url.pathname}${url.search}` }));
      return;
    }
    const file = path.join(apiFixturesDir, route.file);
    res.writeHead(200, { 'content-type': route.contentType ?? (file.endsWith('.csv') ? 'text/csv' : 'application/json') });
    fs.createReadStream(file).pipe(res);
  }
}
