import path from 'node:path';
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/contracts/errors';

describe('loadConfig', () => {
  it('fills documented defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.temporal).toMatchObject({ address: undefined, namespace: 'default', taskQueue: 'tickflow', devServerPort: 7233, uiPort: 8233, uiUrl: 'http://localhost:8233' });
    expect(c.embeddedPgPort).toBe(54329);
    expect(c.featureCacheTtlSeconds).toBe(86400);
    expect(c.exportDir).toBe(path.join(c.stateDir, 'exports'));
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', TEMPORAL_ADDRESS: '' }).databaseUrl).toBeUndefined();
  });

  it('names every invalid variable and its value', () => {
    let error: unknown;
    try {
      loadConfig({ TEMPORAL_UI_PORT: 'eighty', DATABASE_URL: 'mysql://x@y/z', TEMPORAL_ADDRESS: 'no-port' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('TEMPORAL_UI_PORT="eighty"');
    expect(message).toContain('DATABASE_URL="mysql://x@y/z": expected a URL starting with postgres:// or postgresql://');
    expect(message).toContain('TEMPORAL_ADDRESS="no-port": expected host:port');
    expect((error as ConfigError).problems).toHaveLength(3);
  });

  it('accepts explicit services', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db', TEMPORAL_ADDRESS: 'temporal:7233', REDIS_URL: 'redis://r:6379', TEMPORAL_PORT: '17233' });
    expect(c.databaseUrl).toBe('postgres://u@h:5432/db');
    expect(c.temporal.address).toBe('temporal:7233');
    expect(c.temporal.devServerPort).toBe(17233);
    expect(c.redisUrl).toBe('redis://r:6379');
  });
});
