// Configuration → connection options, for every connection Tickflow opens: Temporal (client and worker), PostgreSQL
// (the pool, which COPY uses too) and Redis. One function per service, so no connection can be opened without them.
import fs from 'node:fs';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import type { Config } from '../config';
import { ConfigError } from '../contracts/errors';

/** A PEM file named by a variable; a missing or unreadable one is a ConfigError naming both. */
function pem(variable: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const problem = `${variable}=${JSON.stringify(file)}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    throw new ConfigError(`Invalid configuration:\n  ${problem}`, [problem]);
  }
}

/** What Connection.connect and NativeConnection.connect take besides the address: TLS and the API key. */
export interface TemporalTransport {
  tls?: TLSConfig;
  apiKey?: string;
}

export function temporalTransport(config: Pick<Config, 'temporal'>): TemporalTransport {
  const t = config.temporal;
  if (!t.tls) return {};
  const tls: TLSConfig = {};
  if (t.tls.caPath) tls.serverRootCACertificate = pem('TEMPORAL_TLS_CA', t.tls.caPath);
  if (t.tls.certPath && t.tls.keyPath) tls.clientCertPair = { crt: pem('TEMPORAL_TLS_CERT', t.tls.certPath), key: pem('TEMPORAL_TLS_KEY', t.tls.keyPath) };
  if (t.tls.serverName) tls.serverNameOverride = t.tls.serverName;
  return { tls, ...(t.apiKey ? { apiKey: t.apiKey } : {}) };
}

/**
 * node-postgres `ssl` for PGSSLMODE (libpq's meanings): disable → off; require → encrypted, the certificate not
 * checked; verify-ca → it must chain to PGSSLROOTCERT (or a system CA), any host name; verify-full → and name the host.
 * undefined when PGSSLMODE is unset: the URL's own sslmode applies.
 */
export function postgresSsl(config: Pick<Config, 'postgresTls'>): false | TlsConnectionOptions | undefined {
  const p = config.postgresTls;
  if (!p) return undefined;
  if (p.mode === 'disable') return false;
  const files: TlsConnectionOptions = {
    ...(p.caPath ? { ca: pem('PGSSLROOTCERT', p.caPath) } : {}),
    ...(p.certPath && p.keyPath ? { cert: pem('PGSSLCERT', p.certPath), key: pem('PGSSLKEY', p.keyPath) } : {}),
  };
  if (p.mode === 'require') return { ...files, rejectUnauthorized: false };
  if (p.mode === 'verify-ca') return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ...files, rejectUnauthorized: true };
}

/** ioredis `tls` for the URL: rediss:// or a REDIS_TLS_CA turn it on; undefined means plain TCP. */
export function redisTls(url: string, config: Pick<Config, 'redisTlsCaPath'>): TlsConnectionOptions | undefined {
  const ca = config.redisTlsCaPath ? pem('REDIS_TLS_CA', config.redisTlsCaPath) : undefined;
  if (!ca && !url.startsWith('rediss:')) return undefined;
  return ca ? { ca } : {};
}
