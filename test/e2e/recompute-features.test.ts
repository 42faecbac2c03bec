// recomputeFeatures on a real Temporal dev server and PostgreSQL, then the `tickflow features` CLI as a user runs it.
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { compileFeatureSet, computeFeatures } from '../../src/features/compute';
import { DEFAULT_FEATURE_SET, featureSetVersion } from '../../src/features/feature-set';
import { recomputeFeatures } from '../../workflows';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { testDatabaseUrl, useTestWorker } from '../helpers/services';

jest.setTimeout(120_000);

const DAY = 86_400_000;
const START = Date.UTC(2020, 0, 1);
const N = 130;
const closeAt = (s: number, i: number) => 50 + s * 10 + 8 * Math.sin(i / (6 + s)) + i * 0.03;

describe('recomputeFeatures end to end', () => {
  const h = useTestWorker('e2e-recompute', {
    prepare: async ({ ds }) => {
      const rows = ['AAA', 'BBB', 'CCC'].flatMap((symbol, s) => Array.from({ length: N }, (_, i) => {
        const c = closeAt(s, i);
        return [symbol, new Date(START + i * DAY), c - 0.2, c + 0.9, c - 1.1, c, c, 500_000 + ((i * 131) % 7000)];
      }));
      await ds.query(
        `INSERT INTO price_data (symbol, interval, ts, open, high, low, close, adj_close, volume, source)
         SELECT s, '1d', t, o, h, l, c, a, v, 'test' FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[])
           AS x(s, t, o, h, l, c, a, v)`,
        [0, 1, 2, 3, 4, 5, 6, 7].map((k) => rows.map((r) => r[k])),
      );
    },
  });
  const { taskQueue, exportDir } = h;
  const version = featureSetVersion(DEFAULT_FEATURE_SET);

  it('computes a version over every symbol\'s history in chunks, recording the run and one lineage row per chunk', async () => {
    const handle = await h.env.client.workflow.start(recomputeFeatures, { taskQueue, workflowId: 'e2e-recompute', args: [{ featureSet: 'default', chunkSize: 2 }] });
    const summary = await handle.result();
    expect(summary).toMatchObject({ version, featureSet: 'default', features: 27, symbols: 3, rows: 3 * N, written: 3 * N });

    const [run] = await h.ds.query(`SELECT * FROM pipeline_run WHERE id = $1`, [summary.pipelineRunId]);
    expect(run).toMatchObject({ workflow_type: 'recomputeFeatures', status: 'completed', error: null, counts: { features: 3 * N, written: 3 * N } });
    const lineage = await h.ds.query(`SELECT activity_type, rows_out::int AS rows_out FROM data_lineage WHERE pipeline_run_id = $1 ORDER BY id`, [summary.pipelineRunId]);
    expect(lineage).toEqual([{ activity_type: 'recomputeFeatureChunk', rows_out: 2 * N }, { activity_type: 'recomputeFeatureChunk', rows_out: N }]);

    // Values as a pure computation over the same bars gives them.
    const set = compileFeatureSet(DEFAULT_FEATURE_SET, version);
    const bars = Array.from({ length: N }, (_, i) => {
      const c = closeAt(1, i);
      return { symbol: 'BBB', interval: '1d', ts: new Date(START + i * DAY), open: c - 0.2, high: c + 0.9, low: c - 1.1, close: c, adjClose: c, volume: 500_000 + ((i * 131) % 7000) };
    });
    const [last] = await h.ds.query(`SELECT values FROM feature_data WHERE feature_set_version = $1 AND symbol = 'BBB' ORDER BY ts DESC LIMIT 1`, [version]);
    expect(last.values).toEqual(computeFeatures(set, bars)[N - 1].map((v) => expect.closeTo(v!, 9)));
  });

  it('fails bad input at once with a non-retryable error naming the field', async () => {
    const handle = await h.env.client.workflow.start(recomputeFeatures, { taskQueue, workflowId: 'e2e-recompute-bad', args: [{ featureSet: 'default', symbols: ['aapl'] }] });
    const err = await handle.result().catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(err.cause.message).toBe('invalid recompute input: symbols[0]: symbols are upper-case tickers like AAPL or BRK-B');
    expect(err.cause.nonRetryable).toBe(true);
  });

  it('the CLI recomputes new definitions as a new version, diffs it, and reads ranges and as-of vectors', async () => {
    const cli = childEnv({ DATABASE_URL: testDatabaseUrl(), TEMPORAL_ADDRESS: h.env.address, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_URL: undefined });
    const run = async (args: string[]) => {
      const p = spawnTickflow(args, cli);
      return { code: await p.exited, output: p.output() };
    };
    const definitionsFile = path.join(exportDir, 'sma-20.json');
    fs.writeFileSync(definitionsFile, JSON.stringify([{ name: 'sma_20', indicator: 'sma', params: { period: 20 } }, { name: 'rsi_14', indicator: 'rsi', params: { period: 7 } }]));
    const recomputed = await run(['features', 'recompute', '--set', 'default', '--definitions', definitionsFile, '--symbol', 'AAA', '--no-worker', '--json']);
    expect(recomputed.code).toBe(0);
    const summary = JSON.parse(recomputed.output.slice(recomputed.output.indexOf('{')));
    expect(summary).toMatchObject({ status: 'completed', symbols: 1, rows: N, features: 2 });
    expect(summary.version).not.toBe(version);

    const diff = await run(['features', 'diff', '--base', version, '--target', summary.version, '--symbol', 'AAA']);
    expect(diff.code).toBe(0);
    const lines = diff.output.trim().split('\n').filter((l) => !l.startsWith('·'));
    expect(lines[0]).toBe('feature,compared,changed,max_abs_change,presence_changed');
    const byName = Object.fromEntries(lines.slice(1).map((l) => {
      const [name, compared, changed, , presence] = l.split(',');
      return [name, { compared: Number(compared), changed: Number(changed), presence: Number(presence) }];
    }));
    // rsi_14 now has period 7: present from bar 7 instead of 14 (7 bars gain a value), different everywhere after.
    expect(byName).toEqual({ rsi_14: { compared: N, changed: N - 7, presence: 7 }, sma_20: { compared: N, changed: 0, presence: 0 } });

    const got = await run(['features', 'get', '--symbol', 'AAA', '--from', '2020-01-20', '--to', '2020-01-21', '--names', 'sma_20,obv']);
    expect(got.code).toBe(0);
    const csv = got.output.trim().split('\n').filter((l) => !l.startsWith('·'));
    expect(csv[0]).toBe('ts,sma_20,obv');
    expect(csv[1]).toMatch(/^2020-01-20T00:00:00.000Z,[0-9.]+,-?[0-9.e+]+$/);
    const sma20 = Array.from({ length: 20 }, (_, k) => closeAt(0, k)).reduce((a, b) => a + b, 0) / 20;
    expect(Number(csv[1].split(',')[1])).toBeCloseTo(sma20, 9);
    expect(csv[2].split(',')[0]).toBe('2020-01-21T00:00:00.000Z');

    const asOf = await run(['features', 'as-of', '--symbol', 'AAA', '--at', '2020-01-20T12:00:00Z', '--version', summary.version, '--json']);
    expect(asOf.code).toBe(0);
    const vector = JSON.parse(asOf.output.slice(asOf.output.indexOf('{')));
    expect(vector.vectors[0]).toMatchObject({ symbol: 'AAA', ts: '2020-01-20T00:00:00.000Z', values: { sma_20: expect.closeTo(sma20, 9) } });

    const bad = await run(['features', 'get', '--symbol', 'AAA', '--from', '2020-13-01', '--to', '2020-01-21']);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('--from');
  });
});
