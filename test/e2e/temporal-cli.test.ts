// The three orchestration workflows driven by the real Temporal CLI, as an operator would: `temporal workflow
// start` with a JSON input, query/signal/describe/list by search attribute, and `temporal schedule ...`.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { waitFor } from '../helpers/processes';
import { temporalCliPath, useTestWorker } from '../helpers/services';

jest.setTimeout(180_000);
const run = promisify(execFile);

describe('the Temporal CLI', () => {
  const h = useTestWorker('tcli');
  const { taskQueue } = h;

  const temporal = async (...args: string[]): Promise<string> =>
    (await run(temporalCliPath(), [...args, '--address', h.env.address, '--namespace', 'default'], { env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' } })).stdout;
  const describeJson = async (id: string) => JSON.parse(await temporal('workflow', 'describe', '--workflow-id', id, '--output', 'json'));
  const awaitClosed = (id: string) => waitFor(`${id} to close`, async () => {
    const d = await describeJson(id);
    return d.workflowExecutionInfo.status !== 'WORKFLOW_EXECUTION_STATUS_RUNNING' && d;
  }, 120_000);

  it('starts backfill, dailyPipeline and reprocess with a JSON input and finds them by search attribute', async () => {
    const backfillInput = { universe: 'synthetic:6', from: '2019-01-02', to: '2019-12-31', source: 'synthetic', lookbackDays: 0, batchSize: 3 };
    await temporal('workflow', 'start', '--type', 'backfill', '--task-queue', taskQueue, '--workflow-id', 'tcli-backfill', '--input', JSON.stringify(backfillInput));
    const progress = JSON.parse(await temporal('workflow', 'query', '--workflow-id', 'tcli-backfill', '--name', 'backfillProgress', '--output', 'json'));
    expect(progress.queryResult[0]).toMatchObject({ symbolsTotal: expect.any(Number) });
    const bf = await awaitClosed('tcli-backfill');
    expect(bf.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');
    const days = SyntheticProvider.tradingDays({ from: '2019-01-02', to: '2019-12-31' }).length;
    const [p] = await h.ds.query(`SELECT count(*)::int AS n FROM price_data`);
    expect(p.n).toBe(6 * days);

    await temporal('workflow', 'start', '--type', 'dailyPipeline', '--task-queue', taskQueue, '--workflow-id', 'tcli-daily',
      '--input', JSON.stringify({ symbols: ['SYN0000'], source: 'synthetic', date: '2020-01-10', export: { enabled: false } }));
    expect((await awaitClosed('tcli-daily')).workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');
    // Since the last stored bar (2019-12-31) through 2020-01-10.
    const [after] = await h.ds.query(`SELECT count(*)::int AS n FROM price_data WHERE symbol = 'SYN0000'`);
    expect(after.n).toBe(days + SyntheticProvider.tradingDays({ from: '2020-01-01', to: '2020-01-10' }).length);

    await temporal('workflow', 'start', '--type', 'reprocess', '--task-queue', taskQueue, '--workflow-id', 'tcli-reprocess',
      '--input', JSON.stringify({ featureSet: 'cli', definitions: [{ name: 'ema_5', indicator: 'ema', params: { period: 5 } }] }));
    expect((await awaitClosed('tcli-reprocess')).workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');

    // Search attributes: the UI's and the CLI's filters.
    const listed = await temporal('workflow', 'list', '--query', `WorkflowType = 'backfill' AND TickflowStage = 'completed' AND TickflowSource = 'synthetic'`, '--output', 'json');
    expect(JSON.parse(listed).map((w: { execution: { workflowId: string } }) => w.execution.workflowId)).toEqual(['tcli-backfill']);
    const bySymbol = JSON.parse(await temporal('workflow', 'list', '--query', `TickflowSymbols = 'SYN0004' AND WorkflowType = 'marketDataPipeline'`, '--output', 'json'));
    expect(bySymbol).toHaveLength(1);
    const rp = await describeJson('tcli-reprocess');
    const featureSet = JSON.parse(Buffer.from(rp.workflowExecutionInfo.searchAttributes.indexedFields.TickflowFeatureSet.data, 'base64').toString());
    expect(featureSet).toMatch(/^cli-[0-9a-f]{12}$/);
    const byVersion = JSON.parse(await temporal('workflow', 'list', '--query', `TickflowFeatureSet = '${featureSet}'`, '--output', 'json'));
    expect(byVersion.map((w: { execution: { workflowId: string } }) => w.execution.workflowId)).toEqual(['tcli-reprocess']);
  });

  it('manages a schedule: create with cron and time zone, describe, trigger, list, delete', async () => {
    await temporal('schedule', 'create', '--schedule-id', 'tcli-nightly', '--cron', '30 18 * * 1-5', '--time-zone', 'America/New_York',
      '--overlap-policy', 'Skip', '--type', 'dailyPipeline', '--task-queue', taskQueue, '--workflow-id', 'tcli-nightly-run',
      '--input', JSON.stringify({ symbols: ['SYN0001'], source: 'synthetic', date: '2020-01-10', export: { enabled: false } }));
    const described = JSON.parse(await temporal('schedule', 'describe', '--schedule-id', 'tcli-nightly', '--output', 'json'));
    expect(described.schedule.spec.timezoneName).toBe('America/New_York');
    await temporal('schedule', 'trigger', '--schedule-id', 'tcli-nightly');
    const row = await waitFor('the triggered run', async () => (await h.ds.query(`SELECT schedule_id, nominal_time, status FROM pipeline_run WHERE schedule_id = 'tcli-nightly' AND status = 'completed'`))[0], 60_000);
    expect(row.nominal_time).not.toBeNull();
    expect(await temporal('schedule', 'list')).toContain('tcli-nightly');
    await temporal('schedule', 'delete', '--schedule-id', 'tcli-nightly');
    await waitFor('the schedule to disappear', async () => !(await temporal('schedule', 'list')).includes('tcli-nightly'), 30_000);
  });
});
