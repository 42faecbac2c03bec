// Bad input to an activity fails it once, as a typed non-retryable InputError, through a real Temporal worker and
// the retry profile production workflows use for it (20 attempts for operational failures).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { compileDeclaredSet } from '../../src/features/feature-store';
import { RunRepository } from '../../src/repositories/run-repository';
import { callActivity, type ActivityProfile } from '../helpers/call-activity-workflow';
import { bundledDataDir, openTestDataSource, resetData, startTemporal, testActivityDeps } from '../helpers/services';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import os from 'node:os';

/** Long enough for a retried activity to be on its second attempt (the profiles retry after 1 s). */
const RETRY_WINDOW_MS = 8_000;

let env: TestWorkflowEnvironment;
let ds: DataSource;
let worker: Worker;
let running: Promise<void>;
let pipelineRunId: string;
const taskQueue = `activity-input-${Date.now()}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-activity-input-'));

beforeAll(async () => {
  [env, ds] = await Promise.all([startTemporal(), openTestDataSource()]);
  await resetData(ds);
  pipelineRunId = await new RunRepository(ds).start({
    workflowId: 'activity-input-errors', runId: 'r1', workflowType: 'test', taskQueue, input: null, startedAt: new Date(),
  });
  worker = await Worker.create({
    connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue,
    workflowsPath: require.resolve('../helpers/call-activity-workflow'),
    activities: createActivities(testActivityDeps(ds, { dataDir: bundledDataDir, exportDir: dir })),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await ds?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  attempts: number;
  type?: string | null;
  nonRetryable?: boolean | null;
  message?: string | null;
}

/** Runs one activity and reports how many attempts it took and how its last one failed. */
async function attempt(profile: ActivityProfile, activity: string, args: unknown[]): Promise<Outcome> {
  const handle = await env.client.workflow.start(callActivity, { taskQueue, workflowId: `${activity}-${Date.now()}`, args: [profile, activity, args] });
  const settled = await Promise.race([
    handle.result().then(() => 'completed', () => 'failed'),
    new Promise((resolve) => setTimeout(() => resolve('still retrying'), RETRY_WINDOW_MS)),
  ]);
  if (settled === 'still retrying') {
    const pending = (await handle.describe()).raw.pendingActivities?.[0];
    await handle.terminate('test over');
    return { attempts: pending?.attempt ?? 0, message: pending?.lastFailure?.message };
  }
  const events = (await handle.fetchHistory()).events ?? [];
  const started = events.find((e) => e.activityTaskStartedEventAttributes)?.activityTaskStartedEventAttributes;
  const failure = events.find((e) => e.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes?.failure;
  return {
    attempts: started?.attempt ?? 0, type: failure?.applicationFailureInfo?.type, nonRetryable: failure?.applicationFailureInfo?.nonRetryable,
    message: failure?.message ?? (settled === 'completed' ? '(completed)' : null),
  };
}

const scope = (over: Record<string, unknown> = {}) => ({ pipelineRunId, symbols: ['AAPL'], interval: '1d', from: '2016-01-04', to: '2016-03-31', ...over });

/** An export whose label is a return, not 0/1: logistic regression on it is the user's mistake. */
function writeDataset(): string {
  const file = path.join(dir, 'returns.csv');
  const rows = ['symbol,ts,split,f1,label', ...[0.3, -0.1, 0.2, 0.05].map((y, i) => `AAPL,2016-01-0${i + 4}T00:00:00.000Z,train,${i},${y}`)];
  fs.writeFileSync(file, `${rows.join('\n')}\n`);
  const sha256 = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  const manifest = {
    file, format: 'csv', rows: 4, sha256, columns: ['symbol', 'ts', 'split', 'f1', 'label'], featureSets: [{ name: 'default', version: 'v' }],
    label: { spec: 'fwd_return:1', kind: 'fwd_return', column: 'label', horizonBars: 1 },
    scope: { symbols: ['AAPL'], interval: '1d', from: '2016-01-04', to: '2016-01-07' },
    splits: { train: { from: '2016-01-04', to: '2016-01-07', rows: 4 }, validation: { from: null, to: null, rows: 0 }, test: { from: null, to: null, rows: 0 } },
  };
  fs.writeFileSync(`${file}.manifest.json`, JSON.stringify(manifest));
  return file;
}

describe('bad input fails an activity once, as InputError', () => {
  const set = compileDeclaredSet('default');
  it.each<[string, ActivityProfile, string, () => unknown[], string]>([
    ['importPrices: a from date that does not exist', 'providerImport', 'importPrices', () => [{ ...scope({ from: '2016-02-30' }), source: 'bundled', seed: 42 }], 'from: date 2016-02-30 does not exist'],
    ['importFundamentals: an unknown source', 'providerImport', 'importFundamentals', () => [{ pipelineRunId, symbols: ['AAPL'], source: 'nope' }], 'source: unknown fundamentals source "nope"'],
    ['computeFeatures: a to date that does not exist', 'sqlBatch', 'computeFeatures', () => [{ ...scope({ to: '2016-04-31' }), featureSet: 'default' }], 'to: date 2016-04-31 does not exist'],
    ['runQualityChecks: a from date that does not exist', 'sqlBatch', 'runQualityChecks', () => [{ ...scope({ from: '2021-02-30' }), featureSetVersion: set.version }], 'from: date 2021-02-30 does not exist'],
    ['exportTrainingData: a to date that does not exist', 'sqlBatch', 'exportTrainingData', () => [{ ...scope({ to: '2016-02-30' }), featureSetVersion: set.version, horizon: 5, qualityResultIds: [] }], 'to: date 2016-02-30 does not exist'],
    ['trainModel: logistic regression on a return label', 'sqlBatch', 'trainModel', () => [{ pipelineRunId, datasetPath: writeDataset(), model: 'logistic' }], 'model: logistic regression needs a 0/1 label; label is not'],
    ['predict: a model id that is not a uuid', 'sqlBatch', 'predict', () => [{ pipelineRunId, modelTrainingRunId: 'latest', symbols: ['AAPL'], interval: '1d' }], 'modelTrainingRunId: "latest" is not a model training run id (a uuid)'],
    ['planFeatureRecompute: an unknown indicator', 'sqlBatch', 'planFeatureRecompute', () => [{ featureSet: 'mine', definitions: [{ name: 'x', indicator: 'astrology' }], interval: '1d' }], 'astrology'],
    ['recomputeFeatureChunk: a from date that does not exist', 'sqlBatch', 'recomputeFeatureChunk', () => [{ ...scope({ from: '2015-02-29' }), version: set.version, name: 'default', definitions: set.spec.features }], 'from: date 2015-02-29 does not exist'],
    ['resolveUniverse: a universe that is not one', 'bookkeeping', 'resolveUniverse', () => ['synthetic:many'], 'universe: universe is "bundled" or "synthetic:N" (got "synthetic:many")'],
  ])('%s', async (_what, profile, activity, args, message) => {
    const outcome = await attempt(profile, activity, args());
    expect(outcome).toEqual({ attempts: 1, type: 'InputError', nonRetryable: false, message: expect.stringContaining(message) });
  });

  it('a failed training leaves one failed ModelTrainingRun, not one per retry', async () => {
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM model_training_run WHERE status = 'failed'`);
    expect(n).toBe(1);
  });
});
