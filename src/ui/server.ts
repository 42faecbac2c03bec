// `tickflow ui`: a read-only web app over the repositories. Hono routes, server-rendered HTML, SVG charts, one
// stylesheet; no script is served, and the Content-Security-Policy says so. Off loopback a token is required.
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { ConfigError } from '../contracts/errors';
import type { UiApp, UiDeps } from './deps';
import { UiNotFoundError, UiParamError } from './params';
import { pages } from './pages';
import { errorPage } from './respond';
import { FAVICON, STYLESHEET } from './ui-css';

export type { UiApp, UiDeps } from './deps';

/** Strict: nothing but our own stylesheet and images; no script at all, no framing, forms only to ourselves. */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
export const TOKEN_COOKIE = 'tickflow_ui_token';
const DEFAULT_ALLOWED_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

export const isLoopbackHost = (host: string) => host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);

/** Compares secrets in constant time (over their SHA-256, so lengths do not leak either). */
export function tokensMatch(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function createUiApp(deps: UiDeps): UiApp {
  const app: UiApp = new Hono();
  const allowedHosts = new Set(deps.allowedHosts ?? DEFAULT_ALLOWED_HOSTS);

  app.use('*', async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    c.header('Cache-Control', 'no-store');
  });

  app.use('*', async (c, next) => {
    if (!deps.token) {
      // Without a token the app trusts whoever reaches loopback; a page elsewhere must not reach it by rebinding DNS.
      const host = (c.req.header('host') ?? '').replace(/:\d+$/, '');
      if (!allowedHosts.has(host)) return errorPage(c, 400, 'Bad request', `Host "${host}" is not served here (set TICKFLOW_UI_TOKEN to serve other names)`);
      return next();
    }
    const url = new URL(c.req.url);
    const fromQuery = url.searchParams.get('token');
    if (fromQuery !== null) {
      if (!tokensMatch(fromQuery, deps.token)) return errorPage(c, 401, 'Unauthorized', 'wrong token');
      // Set the cookie once and drop the token from the address bar (and so from history and Referer).
      url.searchParams.delete('token');
      c.header('Set-Cookie', `${TOKEN_COOKIE}=${encodeURIComponent(deps.token)}; HttpOnly; SameSite=Strict; Path=/`);
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    const auth = c.req.header('authorization');
    const given = auth?.startsWith('Bearer ') ? auth.slice(7) : readCookie(c.req.header('cookie'), TOKEN_COOKIE);
    if (given === undefined || !tokensMatch(given, deps.token)) {
      c.header('WWW-Authenticate', 'Bearer realm="tickflow ui"');
      return errorPage(c, 401, 'Unauthorized', 'this Tickflow UI needs its token: open the link `tickflow ui` printed (…?token=…) or send Authorization: Bearer');
    }
    return next();
  });

  app.get('/assets/ui.css', (c) => c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
  app.get('/assets/favicon.svg', (c) => c.body(FAVICON, 200, { 'Content-Type': 'image/svg+xml' }));
  // Browsers ask for it whatever the page says.
  app.get('/favicon.ico', (c) => c.redirect('/assets/favicon.svg', 301));
  app.get('/', (c) => c.redirect('/runs', 302));
  for (const p of pages) p.register(app, deps);

  app.notFound((c) => errorPage(c, 404, 'Not found', `nothing at ${new URL(c.req.url).pathname}`));
  app.onError((e, c) => {
    if (e instanceof UiParamError) return errorPage(c, 400, 'Bad request', e.message);
    if (e instanceof UiNotFoundError) return errorPage(c, 404, 'Not found', e.message);
    process.stderr.write(`tickflow ui: ${c.req.method} ${new URL(c.req.url).pathname}: ${e.stack ?? e.message}\n`);
    return errorPage(c, 500, 'Error', `the page failed: ${e.message}`);
  });
  return app;
}

export interface UiServerOptions {
  host: string;
  port: number;
  token?: string;
}

/** Refuses what must not start: a host other than loopback without a token. */
export function checkUiServerOptions(o: UiServerOptions): void {
  if (!isLoopbackHost(o.host) && !o.token) {
    throw new ConfigError(`refusing to serve the UI on ${o.host} without TICKFLOW_UI_TOKEN: off loopback anyone who can reach the port could read `
      + 'the database. Set TICKFLOW_UI_TOKEN (a long random secret, environment only), or bind --host 127.0.0.1', ['TICKFLOW_UI_TOKEN']);
  }
}

export interface RunningUi {
  url: string;
  close(): Promise<void>;
}

/** Serves the app; port 0 picks a free one (see `url`). */
export async function startUiServer(deps: UiDeps, o: UiServerOptions): Promise<RunningUi> {
  checkUiServerOptions(o);
  // The address it is bound to is a name it serves (e.g. 127.0.0.2), besides the usual loopback names.
  const bound = o.host.includes(':') ? `[${o.host.replace(/^\[|\]$/g, '')}]` : o.host;
  const app = createUiApp({ ...deps, token: o.token, allowedHosts: deps.allowedHosts ?? [...DEFAULT_ALLOWED_HOSTS, bound] });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: o.host, port: o.port }, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${shownHost}:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    }),
  };
}
