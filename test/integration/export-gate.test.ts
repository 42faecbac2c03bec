// `tickflow export` is gated like the pipeline's export: the quality rules run over its scope first, the manifest
// lists their results, a blocking failure writes no file (exit 1 from the CLI), and --no-gate is recorded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { createFeatureActivities } from '../../activities/features';
import { runStandaloneExport, type StandaloneExport } from '../../src/export/standalone-export';
import { readManifest } from '../../src/export/training-export';
import type { Bar } from '../../src/providers/bar';
import { RunRepository } from '../../src/repositories/run-repository';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { insertRawBars, openTestDataSource, resetData, testActivityDeps, testDatabaseUrl } from '../helpers/services';

jest.setTimeout(120_000);

const DAY = 86_400_000;
const START = Date.UTC(2019, 0, 1);
const day = (i: number) => new Date(START + i * DAY).toISOString().slice(0, 10);
const N = 120;

function makeBars(symbol: string, phase: number): Bar[] {
  return Array.from({ length: N }, (_, i) => {
    const close = 100 + 10 * Math.sin((i + phase) / 9) + i * 0.05;
    return { symbol, interval: '1d', ts: new Date(START + i * DAY), open: close - 0.3, high: close + 1, low: close - 1, close, adjClose: close, volume: 1_000_000 + i };
  });
}

describe('tickflow export: the quality gate', () => {
  let ds: DataSource;
  let seq = 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-export-gate-'));
  const request = (over: Partial<StandaloneExport> = {}): StandaloneExport => ({
    symbols: ['AAA', 'BBB'], interval: '1d', from: day(20), to: day(N - 1), featureSetVersions: ['default'], label: 'fwd_return:5', format: 'csv',
    splits: { train: 0.7, validation: 0.15 }, outPath: path.join(dir, `gate-${++seq}.csv`), gate: true, ...over,
  });
  const cli = async (...args: string[]) => {
    const p = spawnTickflow(['export', '--symbols', 'AAA,BBB', '--from', day(20), '--to', day(N - 1), ...args],
      childEnv({ DATABASE_URL: testDatabaseUrl(), REDIS_URL: undefined }));
    return { code: await p.closed, stdout: p.stdout(), stderr: p.stderr() };
  };
  const resultsOf = async (pipelineRunId: string) =>
    (await ds.query(`SELECT id::text, rule, passed FROM validation_result WHERE pipeline_run_id = $1 ORDER BY validation_result.id`, [pipelineRunId])) as
      { id: string; rule: string; passed: boolean }[];

  beforeAll(async () => {
    ds = await openTestDataSource();
    await resetData(ds);
    await insertRawBars(ds, [...makeBars('AAA', 0), ...makeBars('BBB', 13)]);
    const features = createFeatureActivities(testActivityDeps(ds, { exportDir: dir }));
    const runId = await new RunRepository(ds).start({ workflowId: 'gate-test', runId: 'r1', workflowType: 'test', taskQueue: 'test', input: {}, startedAt: new Date() });
    const inActivity = <T>(fn: () => Promise<T>): Promise<T> => new MockActivityEnvironment({ activityId: `x${++seq}` }).run(fn) as Promise<T>;
    const plan = await inActivity(() => features.planFeatureRecompute({ featureSet: 'default', interval: '1d' }));
    await inActivity(() => features.recomputeFeatureChunk({ pipelineRunId: runId, ...plan, interval: '1d' }));
  });
  afterAll(async () => {
    await ds?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the rules over the scope first and lists their results in the manifest', async () => {
    const r = await runStandaloneExport(ds, request());
    if (r.status !== 'exported') throw new Error(`expected an export, got ${JSON.stringify(r)}`);
    const stored = await resultsOf(r.pipelineRunId);
    expect(stored.map((s) => s.rule)).toEqual(expect.arrayContaining(['price.ohlc_consistency', 'price.freshness', 'feature.non_finite']));
    const manifest = readManifest(r.path);
    expect(manifest.gate).toEqual({ decision: 'pass', by: 'tickflow export', warnings: r.gate!.warnings });
    expect(manifest.qualityResultIds).toEqual(stored.map((s) => s.id));
    expect(manifest.qualityResults.map(({ id, rule, passed }) => ({ id, rule, passed }))).toEqual(stored);
    expect(manifest.rows).toBeGreaterThan(0);
    const run = await new RunRepository(ds).get(r.pipelineRunId);
    expect(run).toMatchObject({ status: 'completed', gate: { decision: 'pass', validationResultIds: manifest.qualityResultIds } });
  });

  it('--no-gate exports without running a rule, and the manifest says so', async () => {
    const r = await runStandaloneExport(ds, request({ gate: false }));
    if (r.status !== 'exported') throw new Error(`expected an export, got ${JSON.stringify(r)}`);
    expect(r.gate).toBeNull();
    expect(await resultsOf(r.pipelineRunId)).toEqual([]);
    expect(readManifest(r.path)).toMatchObject({ gate: { decision: 'skipped', reason: '--no-gate' }, qualityResultIds: [], qualityResults: [] });

    const out = path.join(dir, 'cli-no-gate.csv');
    const c = await cli('--out', out, '--no-gate');
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('gate       skipped (--no-gate)');
    expect(readManifest(out).gate).toEqual({ decision: 'skipped', reason: '--no-gate' });
  });

  it('a blocking failure refuses the export: no file, a failed run, exit 1 with what to do', async () => {
    // A bar whose high is below its low: price.ohlc_consistency is a blocking error rule. The plain UPDATE also leaves
    // the features computed before it older than their bars, so feature.older_than_bars blocks as well (as it should).
    await ds.query(`UPDATE price_data SET high = low - 5 WHERE symbol = 'AAA' AND ts = $1`, [`${day(60)}T00:00:00Z`]);
    const req = request();
    const r = await runStandaloneExport(ds, req);
    expect(r).toMatchObject({ status: 'blocked', gate: { decision: 'block', blockingFailures: ['price.ohlc_consistency', 'feature.older_than_bars'] } });
    expect(fs.existsSync(req.outPath)).toBe(false);
    expect(fs.existsSync(`${req.outPath}.manifest.json`)).toBe(false);
    expect((await resultsOf(r.pipelineRunId)).filter((s) => !s.passed).map((s) => s.rule)).toContain('price.ohlc_consistency');
    const run = await new RunRepository(ds).get(r.pipelineRunId);
    expect(run).toMatchObject({ status: 'failed', error: 'quality gate blocked the export: price.ohlc_consistency, feature.older_than_bars failed', gate: { decision: 'block' } });

    const out = path.join(dir, 'cli-blocked.csv');
    const c = await cli('--out', out);
    expect(c.code).toBe(1);
    expect(c.stdout).toBe('');
    expect(c.stderr).toMatch(/✗ export refused: the quality gate blocked it: price\.ohlc_consistency, feature\.older_than_bars failed/);
    expect(c.stderr).toMatch(/what to do: .*tickflow quality history --run [0-9a-f-]{36}.*--no-gate/);
    expect(fs.existsSync(out)).toBe(false);
  });
});
