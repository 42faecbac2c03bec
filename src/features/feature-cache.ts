// Latest feature vector per (symbol, set version) in Redis: written after features commit, read through on query.
// Redis is a cache, not a store: any Redis failure degrades to PostgreSQL with a warning, never an error.
import type Redis from 'ioredis';

export interface LatestFeatures {
  ts: string;
  values: Record<string, number | null>;
}

export class FeatureCache {
  private warned = false;
  constructor(
    private readonly redis: Redis | null,
    private readonly ttlSeconds: number,
    private readonly warn: (msg: string) => void = (m) => console.warn(m),
  ) {}

  static key(version: string, symbol: string, interval: string): string {
    return `tickflow:features:latest:${version}:${interval}:${symbol}`;
  }

  get enabled(): boolean {
    return this.redis !== null;
  }

  private degrade(op: string, err: unknown): void {
    if (!this.warned) this.warn(`feature cache: Redis ${op} failed (${(err as Error).message}); using PostgreSQL`);
    this.warned = true;
  }

  async put(version: string, symbol: string, interval: string, latest: LatestFeatures): Promise<boolean> {
    if (!this.redis) return false;
    try {
      await this.redis.set(FeatureCache.key(version, symbol, interval), JSON.stringify(latest), 'EX', this.ttlSeconds);
      return true;
    } catch (err) {
      this.degrade('write', err);
      return false;
    }
  }

  async get(version: string, symbol: string, interval: string): Promise<LatestFeatures | null> {
    if (!this.redis) return null;
    try {
      const raw = await this.redis.get(FeatureCache.key(version, symbol, interval));
      return raw ? (JSON.parse(raw) as LatestFeatures) : null;
    } catch (err) {
      this.degrade('read', err);
      return null;
    }
  }

  /**
   * Drops every cached vector of a version (or of some of its symbols): called when a version is recomputed, so a
   * reader never sees a vector the new computation replaced. Returns the number of keys removed.
   */
  async invalidate(version: string, scope?: { interval: string; symbols: string[] }): Promise<number> {
    if (!this.redis) return 0;
    try {
      if (scope) {
        if (scope.symbols.length === 0) return 0;
        return await this.redis.del(...scope.symbols.map((s) => FeatureCache.key(version, s, scope.interval)));
      }
      let removed = 0;
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(cursor, 'MATCH', `tickflow:features:latest:${version}:*`, 'COUNT', 1000);
        if (keys.length > 0) removed += await this.redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      return removed;
    } catch (err) {
      this.degrade('invalidate', err);
      return 0;
    }
  }

  /** Read-through: cache first, then the loader (PostgreSQL), whose answer is cached. */
  async getOrLoad(version: string, symbol: string, interval: string, load: () => Promise<LatestFeatures | null>): Promise<LatestFeatures | null> {
    const hit = await this.get(version, symbol, interval);
    if (hit) return hit;
    const loaded = await load();
    if (loaded) await this.put(version, symbol, interval, loaded);
    return loaded;
  }
}
