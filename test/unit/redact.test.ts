// Issue 18 item 3, the pure parts: what the redaction net masks, the configuration error that must not echo a
// secret, and activity failures scrubbed (with their causes and stacks) before Temporal records them.
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/contracts/errors';
import { configSecrets, redactText, redactUrl, scrubbingSecrets } from '../../src/security/redact';

describe('redaction', () => {
  it('masks URL passwords and credential query parameters, nothing else', () => {
    expect(redactUrl('postgres://tick:s3cr%40t@db.internal:5432/tickflow?sslmode=verify-full')).toBe('postgres://tick:***@db.internal:5432/tickflow?sslmode=verify-full');
    expect(redactUrl('rediss://:hunter22@cache:6380/0')).toBe('rediss://:***@cache:6380/0');
    expect(redactText('GET https://api.example.com/q?function=X&apikey=K1&symbol=IBM&access_token=T2#x')).toBe('GET https://api.example.com/q?function=X&apikey=***&symbol=IBM&access_token=***#x');
    const plain = 'http://127.0.0.1:8233/namespaces/default user@example.com a:b@c';
    expect(redactText(plain)).toBe(plain);
  });

  it('masks each given secret as is, percent-encoded and form-encoded; shorter than 4 characters is left alone', () => {
    const s = 'a b+c/d';
    expect(redactText(`1 ${s} 2 ${encodeURIComponent(s)} 3 ${new URLSearchParams({ x: s }).toString().slice(2)}`, [s])).toBe('1 *** 2 *** 3 ***');
    expect(redactText('abc abc', ['abc'])).toBe('abc abc');
  });

  it('a configuration error names the variable but never echoes a secret or a URL password', () => {
    const err = (() => {
      try {
        return loadConfig({ DATABASE_URL: 'mysql://tick:pw-db-9f1e@db/x', REDIS_URL: 'http://:pw-redis-77aa@cache', TICKFLOW_DB_POOL_MAX: '0' });
      } catch (e) {
        return e as ConfigError;
      }
    })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('DATABASE_URL="mysql://tick:***@db/x"');
    expect(err.message).toContain('REDIS_URL="http://:***@cache"');
    expect(err.message).toContain('TICKFLOW_DB_POOL_MAX="0"');
    expect(err.message).not.toMatch(/pw-db|pw-redis/);
  });

  it('collects the secrets a configuration holds', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:db%2Fpass@h/x', REDIS_URL: 'redis://:redispass@h', ALPHAVANTAGE_API_KEY: 'avkey1', POLYGON_API_KEY: 'pgkey2', TIINGO_API_KEY: 'tgkey3',
      TICKFLOW_MIGRATION_DATABASE_URL: 'postgres://owner:ddlpass@h/x', TICKFLOW_RUNTIME_ROLE: 'tick', TICKFLOW_RUNTIME_ROLE_PASSWORD: 'rolepass',
      PGVECTOR_URL: 'postgres://v:vecpass@h/v', PINECONE_API_KEY: 'pcnkey4', TICKFLOW_EMBEDDINGS_API_KEY: 'embkey5',
    });
    expect(configSecrets(config).sort()).toEqual(['avkey1', 'db%2Fpass', 'db/pass', 'ddlpass', 'embkey5', 'pcnkey4', 'pgkey2', 'redispass', 'rolepass', 'tgkey3', 'vecpass']);
  });

  it('scrubs what activities throw (message, stack, causes) and passes results through', async () => {
    const acts = scrubbingSecrets({
      async ok(x: number) {
        return x + 1;
      },
      async leaky() {
        throw new Error('outer with key-1234', { cause: new Error('inner https://h/?apikey=key-1234 and pw-5678') });
      },
    }, ['key-1234', 'pw-5678']);
    expect(await acts.ok(1)).toBe(2);
    const err = (await acts.leaky().catch((e) => e)) as Error & { cause: Error };
    expect(err.message).toBe('outer with ***');
    expect(err.stack).not.toContain('key-1234');
    expect(err.cause.message).toBe('inner https://h/?apikey=*** and ***');
  });
});
