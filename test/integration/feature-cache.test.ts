// The latest-features cache on the real Redis, and its degradation when Redis is gone.
import Redis from 'ioredis';
import { FeatureCache } from '../../src/features/feature-cache';
import { freePort } from '../../src/services/net';
import { testRedisUrl } from '../helpers/services';

/** Redis tests run only with Redis; under CI global setup already failed when it is missing. Declared here, not in the
 * helpers, so the benchmarks (plain node, no jest globals) can import the helpers. */
const describeWithRedis = testRedisUrl() ? describe : describe.skip;

describeWithRedis('FeatureCache', () => {
  let redis: Redis;
  const version = `test-${Date.now()}`;
  beforeAll(() => {
    redis = new Redis(testRedisUrl()!);
  });
  afterAll(async () => {
    const keys = await redis.keys(`tickflow:features:latest:${version}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('writes with a TTL and reads back', async () => {
    const cache = new FeatureCache(redis, 120);
    const latest = { ts: '2017-12-29T00:00:00.000Z', values: { rsi_14: 55.5, sma_50: null } };
    expect(await cache.put(version, 'AAPL', '1d', latest)).toBe(true);
    expect(await cache.get(version, 'AAPL', '1d')).toEqual(latest);
    const ttl = await redis.ttl(FeatureCache.key(version, 'AAPL', '1d'));
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
  });

  it('reads through to the loader on a miss and caches the answer', async () => {
    const cache = new FeatureCache(redis, 120);
    let loads = 0;
    const load = async () => {
      loads++;
      return { ts: '2017-01-03T00:00:00.000Z', values: { x: 1 } };
    };
    expect(await cache.getOrLoad(version, 'GOOG', '1d', load)).toEqual({ ts: '2017-01-03T00:00:00.000Z', values: { x: 1 } });
    expect(await cache.getOrLoad(version, 'GOOG', '1d', load)).toEqual({ ts: '2017-01-03T00:00:00.000Z', values: { x: 1 } });
    expect(loads).toBe(1);
  });

  it('degrades to the loader with one warning when Redis is unreachable', async () => {
    const dead = new Redis(`redis://127.0.0.1:${await freePort()}`, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    dead.on('error', () => {});
    const warnings: string[] = [];
    const cache = new FeatureCache(dead, 120, (m) => warnings.push(m));
    const value = { ts: '2017-01-03T00:00:00.000Z', values: { x: 2 } };
    expect(await cache.getOrLoad(version, 'SPY', '1d', async () => value)).toEqual(value);
    expect(await cache.put(version, 'SPY', '1d', value)).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^feature cache: Redis (read|write) failed .*; using PostgreSQL$/);
    dead.disconnect();
  });
});
