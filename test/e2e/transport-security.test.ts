// Issue 18 item 4 on a real dev server. TLS: every connection Tickflow opens (Temporal client and worker, the
// PostgreSQL pool that COPY uses, Redis) goes over TLS with the config module's variables, through TLS-terminating
// proxies in front of the test's services (the dev server serves no TLS) and a throwaway redis-server --tls-port.
// The payload codec: with TICKFLOW_PAYLOAD_KEY set, a bookTrades run completes
// through a worker and a client that share the codec, while its history — read by a client without the codec, as
// anyone with access to Temporal's database or API would — holds only `binary/encrypted` payloads: no portfolio,
// symbol or quantity in plain text. A wrong key fails with a clear error; a retired key still decodes from the key
// ring; `tickflow codec-server` decodes the same payloads over HTTP for the Web UI, with CORS for its origin only.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config';
import { openDataSource } from '../../src/db/data-source';
import { importPrices, importRepositories } from '../../src/import/import-prices';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { connectWorkerNative, openRuntime } from '../../src/runtime';
import { postgresSsl, temporalTransport } from '../../src/security/transport';
import { freePort, waitForPort } from '../../src/services/net';
import { insertRawBars, testDatabaseUrl, useTestWorker } from '../helpers/services';
import { childEnv, spawnTickflow, waitFor } from '../helpers/processes';
import { grpcTlsProxy, makeTestCerts, postgresTlsProxy } from '../helpers/tls';
import { dataConverterFor, ENCRYPTED_ENCODING } from '../../src/security/payload-codec';
import { PortfolioRepository } from '../../src/repositories/portfolio-repository';
import { bookTrades } from '../../workflows';

jest.setTimeout(120_000);

const KEY_1 = randomBytes(32).toString('base64');
const KEY_2 = randomBytes(32).toString('base64');
/** The converter TICKFLOW_PAYLOAD_KEY gives the client and the worker: the codec and encoded failures. */
const codecOf = (currentId: string, keys: Record<string, string>) => dataConverterFor({ payloadKeys: { currentId, keys } })!;
const PORTFOLIO = 'CIPHERPF';
const base64 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('base64');

interface ProtoPayload { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }

/**
 * Every payload object anywhere in a history, except search attributes (indexed by the server, never encoded) and
 * the SDK's own patch markers (`patched()`: the patch id, written by the SDK core without the codec).
 */
function payloadsIn(node: unknown, found: ProtoPayload[] = [], at = ''): ProtoPayload[] {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return found;
  const o = node as Record<string, unknown>;
  if (o.metadata && typeof o.metadata === 'object' && 'encoding' in (o.metadata as object)) found.push(Object.assign(o as ProtoPayload, { at }));
  else for (const [k, v] of Object.entries(o)) if (k !== 'searchAttributes' && k !== 'patch-data') payloadsIn(v, found, `${at}.${k}`);
  return found;
}

/** Where a payload that is not ciphertext sits, and its encoding. */
const plainOnes = (payloads: ProtoPayload[]) => payloads
  .filter((p) => Buffer.from(p.metadata!.encoding!).toString() !== ENCRYPTED_ENCODING)
  .map((p) => `${(p as { at?: string }).at}: ${Buffer.from(p.metadata!.encoding!).toString()}`);

describe('transport security and the payload codec', () => {
  const h = useTestWorker('codec', {
    dataConverter: codecOf('key-1', { 'key-1': KEY_1 }),
    prepare: async ({ ds, exportDir }) => {
      const days = ['2016-01-04', '2016-01-05', '2016-01-06', '2016-01-07', '2016-01-08'];
      await insertRawBars(ds, days.map((d, i) => ({ symbol: 'AAPL', interval: '1d', ts: new Date(`${d}T00:00:00Z`), open: 100 + i, high: 102 + i, low: 99 + i, close: 101 + i, adjClose: 101 + i, volume: 1e6 })));
      await new PortfolioRepository(ds).create({ id: PORTFOLIO, name: 'codec', currency: 'USD', lotMethod: 'fifo', allowShort: false, benchmarkSymbol: null });
      fs.writeFileSync(path.join(exportDir, 'trades.csv'), 'trade_id,kind,date,symbol,quantity,price,amount\nd1,deposit,2016-01-04,,,,900000\nb1,buy,2016-01-05,AAPL,7919,101.5,\n');
    },
  });
  const client = (converter?: ReturnType<typeof codecOf>) => new Client({ connection: h.env.connection, namespace: h.env.namespace ?? 'default', ...(converter ? { dataConverter: converter } : {}) });

  it('runs with the codec, stores ciphertext only, refuses a wrong key, decodes a retired one, and serves the Web UI over HTTP', async () => {
    const withCodec = client(codecOf('key-1', { 'key-1': KEY_1 }));
    const workflowId = `codec-book-${Date.now()}`;
    const summary = await withCodec.workflow.execute(bookTrades, { taskQueue: h.taskQueue, workflowId, args: [{ portfolioId: PORTFOLIO, path: path.join(h.exportDir, 'trades.csv') }] });
    expect(summary.booking.booked).toBe(2);
    expect(summary.valuation?.sessions).toBeGreaterThan(0);

    // Without the codec: every payload is ciphertext under key-1, and the trade data shows nowhere.
    const plain = client();
    const history = await plain.workflow.getHandle(workflowId).fetchHistory();
    const payloads = payloadsIn(history);
    expect(payloads.length).toBeGreaterThan(10); // input, every activity's arguments and result, the workflow's result
    expect([...new Set(payloads.map((p) => Buffer.from(p.metadata!.encoding!).toString()))]).toEqual([ENCRYPTED_ENCODING]);
    expect([...new Set(payloads.map((p) => Buffer.from(p.metadata!['encryption-key-id']!).toString()))]).toEqual(['key-1']);
    // Ciphertext is searched as bytes, the rest of the history as text: base64 of random bytes spells a short word
    // such as '7919' now and then, which is no leak.
    const ciphertexts = payloads.map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('latin1'));
    const rest = JSON.stringify(history, (k, v: unknown) => (k === 'data' ? '<ciphertext>' : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    for (const word of [PORTFOLIO, 'AAPL', '7919', 'trades.csv']) {
      expect(rest).not.toContain(word);
      for (const c of ciphertexts) expect(c).not.toContain(word);
    }
    await expect(plain.workflow.getHandle(workflowId).result()).rejects.toThrow(/binary\/encrypted/);

    // A failure's message and stack are encrypted too: they may name what the input held.
    const failing = `codec-fail-${Date.now()}`;
    const missing = path.join(h.exportDir, 'confidential-trades.csv');
    const failure = await withCodec.workflow.execute(bookTrades, { taskQueue: h.taskQueue, workflowId: failing, args: [{ portfolioId: PORTFOLIO, path: missing }] }).catch((e) => e);
    expect(failure.cause?.cause?.message).toContain(`cannot read the trade file: ENOENT`);
    const failedHistory = JSON.stringify(await plain.workflow.getHandle(failing).fetchHistory(), (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    expect(failedHistory).toContain('Encoded failure');
    expect(failedHistory).not.toContain('confidential-trades');

    // A wrong key for the id, and an id this process lacks: clear errors, naming the key id.
    await expect(client(codecOf('key-1', { 'key-1': KEY_2 })).workflow.getHandle(workflowId).result())
      .rejects.toThrow('payload encrypted with key id "key-1" does not decrypt with this process\'s key of that id (wrong TICKFLOW_PAYLOAD_KEY, or the payload was altered)');
    await expect(client(codecOf('key-2', { 'key-2': KEY_2 })).workflow.getHandle(workflowId).result())
      .rejects.toThrow('payload encrypted with key id "key-1", which this process does not have (it has key-2: set TICKFLOW_PAYLOAD_OLD_KEYS to decode older payloads)');
    // Rotated: new payloads under key-2, the old ones still decode from the ring.
    expect(await client(codecOf('key-2', { 'key-2': KEY_2, 'key-1': KEY_1 })).workflow.getHandle(workflowId).result()).toEqual(summary);

    // The CLI's own client and in-process worker (src/runtime.ts, src/worker.ts) pick the codec up from the environment.
    const cliRun = spawnTickflow(['run', '--symbols', 'SYN0001', '--source', 'synthetic', '--from', '2016-01-04', '--to', '2016-02-26', '--no-export',
      '--workflow-id', `codec-cli-${Date.now()}`, '--json'], childEnv({
      DATABASE_URL: testDatabaseUrl(), TEMPORAL_ADDRESS: h.env.address, TEMPORAL_TASK_QUEUE: `codec-cli-${Date.now()}`, REDIS_URL: undefined,
      TICKFLOW_PAYLOAD_KEY: KEY_1, TICKFLOW_PAYLOAD_KEY_ID: 'key-1',
    }));
    expect(await cliRun.closed).toBe(0);
    const cliSummary = JSON.parse(cliRun.stdout()) as { workflowId: string; import: { stored: number } };
    expect(cliSummary.import.stored).toBeGreaterThan(30);
    const cliPayloads = payloadsIn(await plain.workflow.getHandle(cliSummary.workflowId).fetchHistory());
    expect(cliPayloads.length).toBeGreaterThan(5);
    expect(plainOnes(cliPayloads)).toEqual([]);

    // The codec endpoint, as the Web UI calls it.
    const server = spawnTickflow(['codec-server', '--port', '0', '--json', '--origin', 'http://localhost:8233'], childEnv({
      TICKFLOW_PAYLOAD_KEY: KEY_2, TICKFLOW_PAYLOAD_KEY_ID: 'key-2', TICKFLOW_PAYLOAD_OLD_KEYS: `key-1=${KEY_1}`,
    }));
    try {
      const { url } = JSON.parse(await waitFor('the codec server URL', async () => server.stdout().split('\n').find((l) => l.startsWith('{')))) as { url: string };
      const post = (route: string, body: unknown, origin = 'http://localhost:8233') => fetch(`${url}${route}`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin }, body: JSON.stringify(body),
      });
      const input = payloads[0];
      const decoded = await post('/decode', { payloads: [{ metadata: Object.fromEntries(Object.entries(input.metadata!).map(([k, v]) => [k, base64(v)])), data: base64(input.data) }] });
      expect(decoded.status).toBe(200);
      expect(decoded.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
      const [p] = ((await decoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
      expect(Buffer.from(p.metadata.encoding, 'base64').toString()).toBe('json/plain');
      expect(JSON.parse(Buffer.from(p.data, 'base64').toString())).toEqual({ portfolioId: PORTFOLIO, path: path.join(h.exportDir, 'trades.csv') });

      // Round trip through /encode (now under key-2), preflight, a foreign origin, a bad body.
      const encoded = ((await (await post('/encode', { payloads: [p] })).json()) as { payloads: { metadata: Record<string, string> }[] }).payloads[0];
      expect(Buffer.from(encoded.metadata['encryption-key-id'], 'base64').toString()).toBe('key-2');
      const preflight = await fetch(`${url}/decode`, { method: 'OPTIONS', headers: { origin: 'http://localhost:8233', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')).toContain('x-namespace');
      const foreign = await post('/decode', { payloads: [] }, 'http://evil.example');
      expect(foreign.status).toBe(403);
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      expect((await post('/decode', { nope: 1 })).status).toBe(400);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.closed).toBe(0);
  });

  it('connects over TLS: Temporal with mTLS (client and worker), PostgreSQL verify-full (COPY included), Redis over rediss://', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-tls-'));
    const certs = makeTestCerts(tmp);
    const db = new URL(testDatabaseUrl());
    const [temporalProxy, pgProxy, redisPort] = await Promise.all([
      grpcTlsProxy(h.env.address, certs), postgresTlsProxy(db.hostname, Number(db.port || 5432), certs), freePort(),
    ]);
    const redis = spawn('redis-server', ['--port', '0', '--tls-port', String(redisPort), '--tls-cert-file', certs.serverCert, '--tls-key-file', certs.serverKey,
      '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--dir', tmp], { stdio: 'ignore' });
    const viaProxy = (host: string) => Object.assign(new URL(testDatabaseUrl()), { hostname: host, port: String(pgProxy.port) }).toString();
    try {
      expect(await waitForPort(redisPort, '127.0.0.1', 10_000)).toBe(true);
      const config = loadConfig({
        TICKFLOW_STATE_DIR: tmp, DATABASE_URL: viaProxy('localhost'), PGSSLMODE: 'verify-full', PGSSLROOTCERT: certs.ca,
        TEMPORAL_ADDRESS: `127.0.0.1:${temporalProxy.port}`, TEMPORAL_TLS_CA: certs.ca, TEMPORAL_TLS_CERT: certs.clientCert, TEMPORAL_TLS_KEY: certs.clientKey,
        TEMPORAL_TLS_SERVER_NAME: 'localhost', REDIS_URL: `rediss://localhost:${redisPort}`, REDIS_TLS_CA: certs.ca,
      });
      const rt = await openRuntime(config, { temporal: true });
      try {
        expect(await rt.redis!.ping()).toBe('PONG');
        expect((await rt.temporal!.connection.workflowService.getSystemInfo({})).serverVersion).toBeTruthy();
        const native = await connectWorkerNative(config, config.temporal.address!);
        await native.close();
        // A COPY (the importer stages bars with COPY FROM STDIN) through the TLS pool.
        const imported = await rt.dataSource.transaction((em) => importPrices(em, importRepositories(rt.dataSource), new SyntheticProvider(5),
          { symbols: ['TLSX'], interval: '1d', range: { from: '2020-01-01', to: '2020-01-31' }, pipelineRunId: null, now: new Date('2024-01-01T00:00:00Z') }));
        expect(imported.stored).toBeGreaterThan(15);
      } finally {
        await rt.close();
      }
      expect(temporalProxy.handshakes.length).toBeGreaterThanOrEqual(2); // the client's and the worker's connection
      expect(temporalProxy.handshakes.every((x) => x.authorized && x.alpn === 'h2')).toBe(true);
      expect(pgProxy.handshakes.length).toBeGreaterThanOrEqual(1);

      // The checks are real: no client certificate, no TLS, or a host name the certificate does not carry all fail.
      const noCert = temporalTransport(loadConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${temporalProxy.port}`, TEMPORAL_TLS_CA: certs.ca, TEMPORAL_TLS_SERVER_NAME: 'localhost' }));
      await expect(Connection.connect({ address: `127.0.0.1:${temporalProxy.port}`, ...noCert, connectTimeout: '3s' })).rejects.toThrow();
      await expect(openDataSource({ url: viaProxy('localhost') })).rejects.toThrow();
      const wrongHost = postgresSsl(loadConfig({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: certs.ca }));
      await expect(openDataSource({ url: viaProxy('127.0.0.1'), ssl: wrongHost })).rejects.toThrow(/localhost|altnames|IP/i);
      const anyHost = postgresSsl(loadConfig({ PGSSLMODE: 'verify-ca', PGSSLROOTCERT: certs.ca }));
      await (await openDataSource({ url: viaProxy('127.0.0.1'), ssl: anyHost })).destroy();
    } finally {
      redis.kill('SIGTERM');
      await Promise.all([temporalProxy.close(), pgProxy.close()]);
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
