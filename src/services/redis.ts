// Redis is optional: REDIS_URL when set, else 127.0.0.1:6379 when it answers, else no cache.
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import Redis from 'ioredis';
import { ServiceUnavailableError } from '../contracts/errors';
import { redactText, redactUrl } from '../security/redact';

export interface RedisChoice {
  client: Redis | null;
  /** Why the cache is off, for the CLI to say once. */
  reason?: string;
}

async function tryConnect(url: string, tls: TlsConnectionOptions | undefined): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 1, enableOfflineQueue: true, ...(tls ? { tls } : {}) });
  client.on('error', () => {}); // reported through command failures; the cache degrades instead of crashing
  await client.connect();
  await client.ping();
  return client;
}

/** `tls`: from src/security/transport.ts redisTls (rediss:// alone is enough for the system's CAs). */
export async function connectRedis(url: string | undefined, { required = false, tls }: { required?: boolean; tls?: TlsConnectionOptions } = {}): Promise<RedisChoice> {
  const target = url ?? 'redis://127.0.0.1:6379';
  try {
    return { client: await tryConnect(target, tls) };
  } catch (err) {
    // The URL may hold the Redis password: it is masked in everything this says.
    const reason = `Redis at ${redactUrl(target)} is unreachable (${redactText((err as Error).message, [target])})`;
    if (required || url) throw new ServiceUnavailableError('Redis', reason);
    return { client: null, reason: `${reason}; the feature cache is off` };
  }
}
