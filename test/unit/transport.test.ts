// Issue 18 item 4: each transport variable of the config module → the options every connection is opened with.
// (test/e2e/transport-security.test.ts connects with them for real.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/contracts/errors';
import { configSecrets } from '../../src/security/redact';
import { postgresSsl, redisTls, temporalTransport } from '../../src/security/transport';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-transport-'));
const file = (name: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, `-----BEGIN ${name}-----\n`);
  return p;
};
const [ca, cert, key] = [file('ca.pem'), file('cert.pem'), file('key.pem')];
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const configError = (env: Record<string, string>): string => {
  try {
    temporalTransport(loadConfig(env));
    postgresSsl(loadConfig(env));
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('transport configuration', () => {
  it('Temporal: nothing set is plain gRPC; CA, client pair, server name and API key each land in the connection options', () => {
    expect(temporalTransport(loadConfig({}))).toEqual({});
    expect(temporalTransport(loadConfig({ TEMPORAL_TLS: 'true' }))).toEqual({ tls: {} });
    expect(temporalTransport(loadConfig({ TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }))).toEqual({
      tls: { serverRootCACertificate: fs.readFileSync(ca), clientCertPair: { crt: fs.readFileSync(cert), key: fs.readFileSync(key) }, serverNameOverride: 'temporal.internal' },
    });
    expect(temporalTransport(loadConfig({ TEMPORAL_API_KEY: 'cloud-key-123' }))).toEqual({ tls: {}, apiKey: 'cloud-key-123' });
    expect(configError({ TEMPORAL_TLS_CERT: cert })).toContain('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: give both or neither');
    expect(configError({ TEMPORAL_TLS_CA: path.join(dir, 'missing.pem') })).toContain(`TEMPORAL_TLS_CA="${path.join(dir, 'missing.pem')}": cannot read it (ENOENT)`);
  });

  it('PostgreSQL: PGSSLMODE with libpq meanings, the CA and client pair read from their files', () => {
    expect(postgresSsl(loadConfig({}))).toBeUndefined();
    expect(postgresSsl(loadConfig({ PGSSLMODE: 'disable' }))).toBe(false);
    expect(postgresSsl(loadConfig({ PGSSLMODE: 'require' }))).toEqual({ rejectUnauthorized: false });
    const verifyCa = postgresSsl(loadConfig({ PGSSLMODE: 'verify-ca', PGSSLROOTCERT: ca })) as { ca: Buffer; rejectUnauthorized: boolean; checkServerIdentity: () => unknown };
    expect(verifyCa).toMatchObject({ ca: fs.readFileSync(ca), rejectUnauthorized: true });
    expect(verifyCa.checkServerIdentity()).toBeUndefined(); // any host name: the CA is what verify-ca checks
    expect(postgresSsl(loadConfig({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: ca, PGSSLCERT: cert, PGSSLKEY: key }))).toEqual({
      ca: fs.readFileSync(ca), cert: fs.readFileSync(cert), key: fs.readFileSync(key), rejectUnauthorized: true,
    });
    expect(configError({ PGSSLMODE: 'prefer' })).toContain('PGSSLMODE="prefer"');
  });

  it('Redis: rediss:// or a CA turn TLS on', () => {
    expect(redisTls('redis://h:6379', loadConfig({}))).toBeUndefined();
    expect(redisTls('rediss://h:6380', loadConfig({}))).toEqual({});
    expect(redisTls('redis://h:6379', loadConfig({ REDIS_TLS_CA: ca }))).toEqual({ ca: fs.readFileSync(ca) });
  });

  it('payload keys: 32 bytes base64, a key ring of retired ones, secrets never echoed', () => {
    const k1 = Buffer.alloc(32, 1).toString('base64');
    const k2 = Buffer.alloc(32, 2).toString('base64');
    const c = loadConfig({ TICKFLOW_PAYLOAD_KEY: k2, TICKFLOW_PAYLOAD_KEY_ID: 'k2', TICKFLOW_PAYLOAD_OLD_KEYS: `k1=${k1}`, TEMPORAL_API_KEY: 'cloud-key-123' });
    expect(c.payloadKeys).toEqual({ currentId: 'k2', keys: { k1, k2 } });
    expect(configSecrets(c)).toEqual(expect.arrayContaining([k1, k2, 'cloud-key-123']));
    expect(loadConfig({}).payloadKeys).toBeUndefined();
    const short = Buffer.alloc(16, 7).toString('base64');
    const bad = configError({ TICKFLOW_PAYLOAD_KEY: short, TICKFLOW_PAYLOAD_OLD_KEYS: `old=${short}` });
    expect(bad).toContain('TICKFLOW_PAYLOAD_KEY="***": expected 32 bytes in base64');
    expect(bad).toContain('TICKFLOW_PAYLOAD_OLD_KEYS="***"');
    expect(bad).not.toContain(short);
  });
});
