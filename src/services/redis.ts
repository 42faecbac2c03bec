// Redis is optional: REDIS_URL when set, else 127.0.0.1:6379 when it answers, else no cache.
import Redis from 'ioredis';
import { ServiceUnavailableError } from '../contracts/errors';

export interface RedisChoice {
  client: Redis | null;
  /** Why the cache is off, for the CLI to say once. */
  reason?: string;
}

async function tryConnect(url: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 1, enableOfflineQueue: true });
  client.on('error', () => {}); // reported through command failures; the cache degrades instead of crashing
  await client.connect();
  await client.ping();
  return client;
}

export async function connectRedis(url: string | undefined, { required = false } = {}): Promise<RedisChoice> {
  const target = url ?? 'redis://127.0.0.1:6379';
  try {
    return { client: await tryConnect(target) };
  } catch (err) {
    const reason = `Redis at ${target} is unreachable (${(err as Error).message})`;
    if (required || url) throw new ServiceUnavailableError('Redis', reason);
    return { client: null, reason: `${reason}; the feature cache is off` };
  }
}
