// Issue 18 item 4, the payload codec on a real dev server: with TICKFLOW_PAYLOAD_KEY set, a bookTrades run completes
// through a worker and a client that share the codec, while its history — read by a client without the codec, as
// anyone with access to Temporal's database or API would — holds only `binary/encrypted` payloads: no portfolio,
// symbol or quantity in plain text. A wrong key fails with a clear error; a retired key still decodes from the key
// ring; `tickflow codec-server` decodes the same payloads over HTTP for the Web UI, with CORS for its origin only.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { insertRawBars, useTestWorker } from '../helpers/services';
import { childEnv, spawnTickflow, waitFor } from '../helpers/processes';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '../../src/security/payload-codec';
import { PortfolioRepository } from '../../src/repositories/portfolio-repository';
import { bookTrades } from '../../workflows';

jest.setTimeout(120_000);

const KEY_1 = randomBytes(32).toString('base64');
const KEY_2 = randomBytes(32).toString('base64');
const codecOf = (currentId: string, keys: Record<string, string>) => ({ payloadCodecs: [new AesGcmPayloadCodec({ currentId, keys })] });
const PORTFOLIO = 'CIPHERPF';
const base64 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('base64');

interface ProtoPayload { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }

/** Every payload object anywhere in a history. */
function payloadsIn(node: unknown, found: ProtoPayload[] = []): ProtoPayload[] {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return found;
  const o = node as Record<string, unknown>;
  if (o.metadata && typeof o.metadata === 'object' && 'encoding' in (o.metadata as object)) found.push(o as ProtoPayload);
  else for (const v of Object.values(o)) payloadsIn(v, found);
  return found;
}

describe('the payload codec', () => {
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
    const raw = JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    for (const word of [PORTFOLIO, 'AAPL', '7919', 'trades.csv']) expect(raw).not.toContain(word);
    await expect(plain.workflow.getHandle(workflowId).result()).rejects.toThrow(/binary\/encrypted/);

    // A wrong key for the id, and an id this process lacks: clear errors, naming the key id.
    await expect(client(codecOf('key-1', { 'key-1': KEY_2 })).workflow.getHandle(workflowId).result())
      .rejects.toThrow('payload encrypted with key id "key-1" does not decrypt with this process\'s key of that id (wrong TICKFLOW_PAYLOAD_KEY, or the payload was altered)');
    await expect(client(codecOf('key-2', { 'key-2': KEY_2 })).workflow.getHandle(workflowId).result())
      .rejects.toThrow('payload encrypted with key id "key-1", which this process does not have (it has key-2: set TICKFLOW_PAYLOAD_OLD_KEYS to decode older payloads)');
    // Rotated: new payloads under key-2, the old ones still decode from the ring.
    expect(await client(codecOf('key-2', { 'key-2': KEY_2, 'key-1': KEY_1 })).workflow.getHandle(workflowId).result()).toEqual(summary);

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
});
