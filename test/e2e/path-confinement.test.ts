// Issue 18 item 2, through a real worker: whoever starts a workflow (the Web UI has no login) cannot make the worker
// write outside TICKFLOW_EXPORT_DIR or read outside TICKFLOW_SOURCE_ROOTS, whatever `..` or symlinks the path holds;
// an existing file is kept unless the input says overwrite. Each refusal fails the run at once, not retried.
import { MockActivityEnvironment } from '@temporalio/testing';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../../activities';
import { bookTrades, marketDataPipeline } from '../../workflows';
import { testActivityDeps, useTestWorker } from '../helpers/services';

jest.setTimeout(120_000);

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-confine-')));
const sourceRoot = path.join(tmp, 'sources');
const outside = path.join(tmp, 'outside');
const RANGE = { symbols: ['AAPL'], from: '2016-01-04', to: '2016-03-31', lookbackDays: 30 };

/** The failure a refused path gives: PathNotAllowedError from the first activity that saw it, not retried. */
async function refusal(run: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await run.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const activity = (err as WorkflowFailedError).cause as ActivityFailure;
  expect(activity).toBeInstanceOf(ActivityFailure);
  expect(activity.retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
  const failure = activity.cause as ApplicationFailure;
  expect(failure.type).toBe('PathNotAllowedError');
  return failure;
}

describe('workflow inputs are confined to the operator\'s folders', () => {
  const h = useTestWorker('confine', {
    sourceRoots: [sourceRoot],
    prepare: async (harness) => {
      for (const d of [sourceRoot, outside]) fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(outside, 'AAPL.csv'), fs.readFileSync(path.join(__dirname, '..', '..', '..', 'data', 'prices', 'AAPL.csv')));
      fs.writeFileSync(path.join(outside, 'trades.csv'), 'trade_id,kind,date,symbol,quantity,price,amount\nd1,deposit,2016-01-04,,,,20000\n');
      fs.symlinkSync(outside, path.join(harness.exportDir, 'out-link'));
      fs.symlinkSync(path.join(outside, 'trades.csv'), path.join(sourceRoot, 'trades.csv'));
      fs.mkdirSync(path.join(sourceRoot, 'prices'));
      fs.symlinkSync(path.join(outside, 'AAPL.csv'), path.join(sourceRoot, 'prices', 'AAPL.csv'));
      fs.writeFileSync(path.join(harness.exportDir, 'existing.csv'), 'kept\n');
    },
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const start = (input: object, id: string) => h.env.client.workflow.execute(marketDataPipeline, { taskQueue: h.taskQueue, workflowId: `${id}-${Date.now()}`, args: [input] });
  const outsideFiles = () => fs.readdirSync(outside).sort();

  it('refuses .. escapes, absolute paths outside, symlink escapes and an existing file, before any step runs', async () => {
    const [up, absolute, link, existing, source, trades] = await Promise.all([
      refusal(start({ ...RANGE, export: { path: '../escape.csv' } }, 'up')),
      refusal(start({ ...RANGE, export: { path: path.join(outside, 'abs.csv') } }, 'abs')),
      refusal(start({ ...RANGE, export: { path: path.join(h.exportDir, 'out-link', 'x.csv') } }, 'link')),
      refusal(start({ ...RANGE, export: { path: 'existing.csv' } }, 'exists')),
      refusal(start({ ...RANGE, source: 'csv', sourcePath: outside }, 'src')),
      refusal(h.env.client.workflow.execute(bookTrades, { taskQueue: h.taskQueue, workflowId: `trades-${Date.now()}`, args: [{ portfolioId: 'P1', path: path.join(sourceRoot, 'trades.csv') }] })),
    ]);
    expect(up.message).toBe(`export.path: "../escape.csv" is outside the allowed folders (resolves to ${path.join(path.dirname(h.exportDir), 'escape.csv')}); allowed: ${h.exportDir} (TICKFLOW_EXPORT_DIR)`);
    expect(absolute.message).toContain(`"${path.join(outside, 'abs.csv')}" is outside the allowed folders`);
    expect(link.message).toContain(`resolves to ${path.join(outside, 'x.csv')}`);
    expect(existing.message).toContain(`would replace the existing file ${path.join(h.exportDir, 'existing.csv')}: pass "overwrite": true`);
    expect(source.message).toBe(`sourcePath: "${outside}" is outside the allowed folders; allowed: ${sourceRoot} (TICKFLOW_SOURCE_ROOTS)`);
    expect(trades.message).toContain(`resolves to ${path.join(outside, 'trades.csv')}`);
    expect(outsideFiles()).toEqual(['AAPL.csv', 'trades.csv']);
    expect(fs.readFileSync(path.join(h.exportDir, 'existing.csv'), 'utf8')).toBe('kept\n');
    expect(await h.ds.query('SELECT count(*)::int AS n FROM pipeline_run')).toEqual([{ n: 0 }]);
  });

  it('each activity checks on its own (it may be called without the pre-check), symlinked files in an allowed folder too', async () => {
    const acts = createActivities(testActivityDeps(h.ds, { exportDir: h.exportDir, sourceRoots: [sourceRoot] }));
    const inActivity = (fn: () => Promise<unknown>) => new MockActivityEnvironment({ activityId: 'a1' }).run(fn).then(() => null, (e: Error) => e);
    const scope = { pipelineRunId: '00000000-0000-4000-8000-000000000000', symbols: ['AAPL'], interval: '1d', from: '2016-01-04', to: '2016-03-31' };
    const errors = await Promise.all([
      inActivity(() => acts.exportTrainingData({ ...scope, featureSetVersion: 'v', horizon: 5, qualityResultIds: [], path: `${h.exportDir}/a/../../escape.csv` })),
      inActivity(() => acts.importPrices({ ...scope, source: 'csv', sourcePath: path.join(sourceRoot, 'prices'), seed: 1 })),
      inActivity(() => acts.trainModel({ pipelineRunId: scope.pipelineRunId, datasetPath: '/etc/passwd' })),
      inActivity(() => acts.bookTradeFile({ pipelineRunId: scope.pipelineRunId, portfolioId: 'P1', path: path.join(sourceRoot, 'trades.csv'), strict: false })),
    ]);
    expect(errors.map((e) => e?.name)).toEqual(['PathNotAllowedError', 'PathNotAllowedError', 'PathNotAllowedError', 'PathNotAllowedError']);
    expect(errors[1]!.message).toContain(`resolves to ${path.join(outside, 'AAPL.csv')}`); // the folder is allowed, its AAPL.csv links out
    expect(errors[2]!.message).toContain('allowed: ');
    expect(await h.ds.query('SELECT count(*)::int AS n FROM price_data')).toEqual([{ n: 0 }]);
  });

  it('writes inside the export folder, and replaces a file only with overwrite: true', async () => {
    const first = await start({ ...RANGE, export: { path: 'runs/q1.csv' } }, 'ok');
    const file = path.join(h.exportDir, 'runs', 'q1.csv');
    expect(first.export).toMatchObject({ path: file, manifestPath: `${file}.manifest.json` });
    const written = fs.statSync(file).mtimeMs;
    expect((await refusal(start({ ...RANGE, export: { path: file } }, 'again'))).message).toContain('would replace the existing file');
    expect(fs.statSync(file).mtimeMs).toBe(written);
    const replaced = await start({ ...RANGE, export: { path: file, overwrite: true } }, 'replace');
    expect(replaced.export!.sha256).toBe(first.export!.sha256);
  });
});
