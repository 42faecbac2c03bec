// Secrets (API keys, passwords in connection URLs, Temporal and payload keys) come from the environment only and must
// not reach anything that is stored or shown: rows, files, logs, Temporal histories. The sources avoid putting them
// into messages; this is the net under them, applied where text leaves a boundary (HTTP errors, activity failures,
// connection errors, printed settings).
import type { Config } from '../config';

export const REDACTED = '***';

/** Values of credential-like query parameters (`?apikey=…`, `&token=…`), anywhere in a text. */
const SECRET_QUERY = /([?&](?:api[_-]?key|apikey|access[_-]?token|token|key|password|passwd|secret|signature|sig)=)[^&#\s"'<>]*/gi;
/** The password of a URL's user info (`postgres://user:password@host`). */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]*:)[^\s@/"'<>]+@/gi;

/** The forms a secret may appear in: as is, percent-encoded in a URL path or in a query string. */
function formsOf(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]);
  try {
    forms.add(decodeURIComponent(secret));
  } catch {
    // not percent-encoded
  }
  return [...forms].filter((f) => f.length >= 4); // shorter strings would mask ordinary text
}

/** `text` with URL passwords, credential query parameters and every form of each of `secrets` replaced by ***. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(URL_PASSWORD, `$1${REDACTED}@`).replace(SECRET_QUERY, `$1${REDACTED}`);
  for (const secret of secrets) for (const form of formsOf(secret)) out = out.split(form).join(REDACTED);
  return out;
}

/** A connection URL fit to print: its password and credential query parameters masked. */
export const redactUrl = (url: string): string => redactText(url);

function urlPassword(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const p = new URL(url).password;
    return p ? [p, decodeURIComponent(p)] : [];
  } catch {
    return [];
  }
}

/**
 * Every secret value a configuration holds: provider keys, the passwords of the database (runtime and migration
 * URLs), of the runtime role and of Redis, the Temporal API key, payload keys.
 */
export function configSecrets(config: Pick<Config, 'databaseUrl' | 'redisUrl' | 'providers'> & {
  migrationDatabaseUrl?: string; runtimeRole?: { password?: string }; temporal?: { apiKey?: string }; payloadKeys?: Config['payloadKeys'];
  vectors?: { pgvectorUrl?: string; pineconeApiKey?: string }; documents?: { remote: { apiKey?: string } };
}): string[] {
  const p = config.providers;
  return [...new Set([
    p.alphavantage.apiKey, p.polygon.apiKey, p.tiingo.apiKey, ...urlPassword(config.databaseUrl), ...urlPassword(config.migrationDatabaseUrl),
    ...urlPassword(config.redisUrl), config.runtimeRole?.password, config.temporal?.apiKey, ...Object.values(config.payloadKeys?.keys ?? {}),
    ...urlPassword(config.vectors?.pgvectorUrl), config.vectors?.pineconeApiKey, config.documents?.remote.apiKey,
  ].filter((s): s is string => !!s && s.length >= 4))];
}

/** Environment variables whose whole value is a secret (never echoed, not even in a configuration error). */
export const isSecretVariable = (name: string): boolean => /(_API_KEY|_PASSWORD|_TOKEN|_SECRET|_PAYLOAD_KEY|_PAYLOAD_OLD_KEYS)$/.test(name);

/**
 * Scrubs `secrets` out of an error and its causes (message and stack) in place, and returns it: what an activity
 * throws becomes a failure in the workflow's history, and log lines print it.
 */
export function scrubError<E>(err: E, secrets: readonly string[]): E {
  const seen = new Set<unknown>();
  for (let e: unknown = err; e instanceof Error && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const clean = redactText(e.message, secrets);
    if (clean !== e.message) Object.defineProperty(e, 'message', { value: clean, writable: true, configurable: true });
    if (e.stack) e.stack = redactText(e.stack, secrets);
  }
  return err;
}

/** `activities` with every rejection scrubbed of `secrets` before Temporal records it (see scrubError). */
export function scrubbingSecrets<T extends object>(activities: T, secrets: readonly string[]): T {
  if (!secrets.length) return activities;
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = typeof fn !== 'function' ? fn : async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>).apply(activities, args);
      } catch (err) {
        throw scrubError(err, secrets);
      }
    };
  }
  return wrapped as T;
}
