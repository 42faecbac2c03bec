// One named options object per kind of activity, instead of timeouts sprinkled across calls.
import type { ActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../src/contracts/errors';

const NON_RETRYABLE = NON_RETRYABLE_ERROR_TYPES;

/** Row-level SQL bookkeeping (PipelineRun rows): fast, retried patiently through database restarts. */
export const bookkeeping: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE },
};

/** Reads a provider and bulk-writes prices: may be slow; heartbeats per symbol so a dead worker is noticed quickly. */
export const providerImport: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
};

/** Set-based SQL over a run's scope (features, quality, export). */
export const sqlBatch: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
};

/**
 * Long resumable passes that heartbeat a cursor after each committed window (portfolio valuation): a short heartbeat
 * timeout, so the SDK sends the cursor to the server every few seconds and a dead worker's successor resumes near it.
 */
export const resumableBatch: ActivityOptions = {
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
};

/**
 * Embedding chunks on the CPU (Universal Sentence Encoder): one batch blocks the worker's event loop for seconds on
 * a busy machine, so heartbeats (the cursor: the last chunk id embedded) get a longer timeout than resumableBatch.
 */
export const documentEmbedding: ActivityOptions = {
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
};
