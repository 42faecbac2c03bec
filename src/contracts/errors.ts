// Errors split by cause, so callers (and Temporal's retry policy) can tell them apart:
// user errors are never retried, operational ones are.
import { ApplicationFailure } from '@temporalio/common';

/** Thrown at start when an environment variable is invalid. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(message: string, readonly problems: string[]) {
    super(message);
  }
}

/** Thrown when input (a file, a flag, a workflow argument) is malformed; retrying cannot help. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(message: string, readonly where?: string) {
    super(where ? `${where}: ${message}` : message);
  }
}

/**
 * Thrown when a path in workflow or activity input resolves (symlinks and `..` followed) outside the folders the
 * operator allowed, or names an existing file without `overwrite: true`. Names the path, the roots and the variable.
 */
export class PathNotAllowedError extends InputError {
  override name = 'PathNotAllowedError';
  constructor(readonly field: string, readonly path: string, message: string, readonly roots: string[], readonly variable: string) {
    super(`${JSON.stringify(path)} ${message}; allowed: ${roots.join(', ')} (${variable})`, field);
  }
}

/**
 * Thrown when a vector store is asked about a collection it does not hold (nothing was indexed there yet, or it was
 * dropped): names the store and collection and the command that builds it from PostgreSQL.
 */
export class CollectionNotFoundError extends InputError {
  override name = 'CollectionNotFoundError';
  constructor(readonly store: string, readonly collection: string) {
    super(`no such collection: nothing is indexed in it yet; build it from PostgreSQL with \`tickflow docs reindex --store ${store}\``
      + ` (or ingest with --stores ${store})`, `${store} ${collection}`);
  }
}

/** Thrown when a required service (PostgreSQL, Temporal, Redis under CI) cannot be reached or started. */
export class ServiceUnavailableError extends Error {
  override name = 'ServiceUnavailableError';
  constructor(readonly service: string, message: string) {
    super(`${service}: ${message}`);
  }
}

/**
 * Thrown by a market-data provider when retrying cannot help: a 4xx answer (other than 429), an unknown symbol,
 * a payload that does not have the documented shape. The message names provider, symbol and what was wrong.
 */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(readonly provider: string, readonly symbol: string | undefined, message: string) {
    super(`${provider}${symbol ? ` ${symbol}` : ''}: ${message}`);
  }
}

/** Thrown by a provider on a failure that may pass: 429, 5xx, timeouts, connection resets. Retried by Temporal. */
export class TransientProviderError extends Error {
  override name = 'TransientProviderError';
  constructor(readonly provider: string, readonly symbol: string | undefined, message: string, readonly retryAfterMs?: number) {
    super(`${provider}${symbol ? ` ${symbol}` : ''}: ${message}`);
  }
}

/** Thrown when a blocking data-quality rule fails; downstream stages must not run. */
export class QualityGateError extends Error {
  override name = 'QualityGateError';
  constructor(readonly failedRules: string[], readonly validationResultIds: string[] = []) {
    super(`quality gate blocked the export: ${failedRules.join(', ')} failed${validationResultIds.length ? ` (ValidationResult ids ${validationResultIds.join(', ')})` : ''}`);
  }
}

/** Thrown when derived rows (features, …) a step would read were computed from inputs that changed since; recompute first. */
export class StaleDataError extends Error {
  override name = 'StaleDataError';
  constructor(readonly what: string, readonly stale: { key: string; scope: string; staleFrom: string }[], remedy = '`tickflow features recompute --stale`') {
    super(`${what} is stale (computed before its inputs changed): ${stale.map((s) => `${s.key} ${s.scope} from ${s.staleFrom}`).join(', ')}; `
      + `run ${remedy}`);
  }
}

/** Names of error types the workflow's retry policies treat as non-retryable. */
export const NON_RETRYABLE_ERROR_TYPES = ['ConfigError', 'InputError', 'CollectionNotFoundError', 'ProviderError', 'QualityGateError', 'StaleDataError', 'PathNotAllowedError'];

/**
 * A typed error as the failure a workflow throws: same type name and message, never retried. Workflows must throw
 * ApplicationFailure (any other error only fails the workflow task, which Temporal retries forever).
 */
export function nonRetryableFailure(err: Error): ApplicationFailure {
  return ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true });
}
