// `tickflow ui` as a user starts it: off loopback it refuses to start without TICKFLOW_UI_TOKEN; with one, every
// request needs it (bearer header, or the cookie a one-time ?token= link sets); headers forbid scripts and framing.
import crypto from 'node:crypto';
import http from 'node:http';
import { CONTENT_SECURITY_POLICY, TOKEN_COOKIE } from '../../src/ui/server';
import { childEnv, spawnTickflow, waitFor, type Spawned } from '../helpers/processes';
import { testDatabaseUrl } from '../helpers/services';
import { useUiBrowser } from '../helpers/ui-browser';

jest.setTimeout(60_000);

describe('tickflow ui: binding and the token', () => {
  const token = crypto.randomBytes(24).toString('base64url');
  const started: Spawned[] = [];
  const browser = useUiBrowser();
  afterAll(async () => {
    for (const p of started) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  });

  async function serve(args: string[], env: Record<string, string>): Promise<string> {
    const p = spawnTickflow(['ui', '--port', '0', '--json', ...args], childEnv({ DATABASE_URL: testDatabaseUrl(), ...env }));
    started.push(p);
    const line = await waitFor('tickflow ui to print its URL', async () => p.stdout().split('\n').find((l) => l.startsWith('{')) ?? (p.child.exitCode !== null ? 'exit' : null), 30_000);
    if (line === 'exit') throw new Error(`tickflow ui exited:\n${p.output()}`);
    return JSON.parse(line).url;
  }

  it('refuses to bind a non-loopback address without a token, or with a short one, naming the variable', async () => {
    const p = spawnTickflow(['ui', '--host', '0.0.0.0', '--port', '0'], childEnv({ DATABASE_URL: testDatabaseUrl(), TICKFLOW_UI_TOKEN: undefined }));
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain('refusing to serve the UI on 0.0.0.0 without TICKFLOW_UI_TOKEN');
    const short = spawnTickflow(['ui', '--host', '0.0.0.0'], childEnv({ DATABASE_URL: testDatabaseUrl(), TICKFLOW_UI_TOKEN: 'hunter2' }));
    expect(await short.exited).toBe(2);
    expect(short.stderr()).toContain('TICKFLOW_UI_TOKEN="***": expected at least 16 characters');
    expect(short.output()).not.toContain('hunter2');
  });

  it('with a token, answers 401 without it or with a wrong one, and serves the bearer or the cookie', async () => {
    const url = (await serve(['--host', '0.0.0.0'], { TICKFLOW_UI_TOKEN: token })).replace('0.0.0.0', '127.0.0.1');
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${url}${path}`, { headers, redirect: 'manual' });
    expect((await get('/runs')).status).toBe(401);
    expect((await get('/assets/ui.css')).status).toBe(401);
    expect((await get('/runs', { authorization: `Bearer ${token}x` })).status).toBe(401);
    expect((await get('/runs', { authorization: `Bearer ${token.slice(0, -1)}` })).status).toBe(401);
    expect((await get('/runs', { cookie: `${TOKEN_COOKIE}=wrong` })).status).toBe(401);
    expect((await get(`/runs?token=wrong`)).status).toBe(401);
    const ok = await get('/runs', { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(ok.headers.get('x-frame-options')).toBe('DENY');
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await get('/runs', { cookie: `other=1; ${TOKEN_COOKIE}=${encodeURIComponent(token)}` })).status).toBe(200);
    // ?token= sets an HttpOnly cookie once and redirects to the same page without the token.
    const link = await get(`/runs?status=completed&token=${encodeURIComponent(token)}`);
    expect(link.status).toBe(303);
    expect(link.headers.get('location')).toBe('/runs?status=completed');
    expect(link.headers.get('set-cookie')).toMatch(new RegExp(`^${TOKEN_COOKIE}=[^;]+; HttpOnly; SameSite=Strict; Path=/$`));

    // In a browser: the printed link once, then plain navigation on the cookie; the token leaves the address bar.
    const o = await browser.open(`${url}/runs?token=${encodeURIComponent(token)}`);
    expect(o.status).toBe(200);
    expect(o.page.url()).toBe(`${url}/runs`);
    await Promise.all([o.page.waitForURL('**/lineage'), o.page.click('header nav a[data-nav="lineage"]')]);
    expect(await o.page.textContent('h1')).toBe('Lineage');
    await o.page.close();
  });

  it('on loopback without a token, serves only loopback Host names (no DNS rebinding)', async () => {
    const url = await serve([], { TICKFLOW_UI_TOKEN: '' });
    expect((await fetch(`${url}/runs`)).status).toBe(200);
    const port = new URL(url).port;
    // fetch() may not set Host: a plain request does, as a browser at a rebound name would.
    const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/runs', headers: { host: `evil.example:${port}` } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      }).on('error', reject);
    });
    expect(rebound.status).toBe(400);
    expect(rebound.body).toContain('Host &quot;evil.example&quot; is not served here');
  });
});
