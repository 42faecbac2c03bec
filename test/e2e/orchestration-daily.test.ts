// dailyPipeline and Temporal Schedules through the `tickflow schedule` CLI: runs import only since the last stored
// bar, carry the schedule id and nominal time on their PipelineRun rows, and a schedule backfill takes every tick.
import fs from 'node:fs';
import path from 'node:path';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { dailyPipeline } from '../../workflows';
import { minusDays } from '../../workflows/pipeline-input';
import { childEnv, spawnTickflow, waitFor } from '../helpers/processes';
import { record, replayAll } from '../replay/histories';
import { testDatabaseUrl, useTestWorker } from '../helpers/services';

jest.setTimeout(240_000);

const days = (from: string, to: string) => SyntheticProvider.tradingDays({ from, to }).length;

describe('dailyPipeline and schedules', () => {
  const h = useTestWorker('daily');
  const { taskQueue } = h;

  const cli = async (...args: string[]) => {
    const p = spawnTickflow(args, childEnv({ DATABASE_URL: testDatabaseUrl(), TEMPORAL_ADDRESS: h.env.address, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_URL: undefined }));
    const code = await p.exited;
    return { code, output: p.output() };
  };

  it('imports only the bars since the last stored one, updates features incrementally, checks and exports', async () => {
    const base = { symbols: ['DA', 'DB'], source: 'synthetic', seed: 5, windowDays: 30, lookbackDays: 60 };
    const first = await h.env.client.workflow.execute(dailyPipeline, { taskQueue, workflowId: 'daily-1', args: [{ ...base, date: '2020-03-02' }] });
    expect(first.import.stored).toBe(2 * days(minusDays('2020-03-02', 90), '2020-03-02'));
    expect(first.export?.rows).toBeGreaterThan(0);

    const second = await h.env.client.workflow.execute(dailyPipeline, { taskQueue, workflowId: 'daily-2', args: [{ ...base, date: '2020-03-06' }] });
    // Each symbol re-reads its last stored bar (2020-03-02) and the 4 new ones.
    expect(second.import).toMatchObject({ received: 2 * days('2020-03-02', '2020-03-06'), inserted: 2 * 4, unchanged: 2 });
    const [p] = await h.ds.query(`SELECT count(*)::int AS n, count(DISTINCT (symbol, ts))::int AS d FROM price_data`);
    expect(p).toEqual({ n: 2 * days(minusDays('2020-03-02', 90), '2020-03-06'), d: 2 * days(minusDays('2020-03-02', 90), '2020-03-06') });
    const [f] = await h.ds.query(`SELECT count(*)::int AS n, max(ts) AS last FROM feature_data WHERE feature_set_version = $1`, [second.features.featureSetVersion]);
    expect(f.n).toBe(2 * days(minusDays('2020-03-02', 30), '2020-03-06'));
    expect(new Date(f.last).toISOString().slice(0, 10)).toBe('2020-03-06');
    expect(await replayAll([await record(h.env.client, 'daily-pipeline', 'daily-2')])).toEqual([]);
  });

  it('creates, lists, triggers, backfills, pauses and deletes a schedule from the CLI', async () => {
    const input = JSON.stringify({ symbols: ['SA'], source: 'synthetic', seed: 9, windowDays: 10, lookbackDays: 20, export: { enabled: false } });
    const created = await cli('schedule', 'create', 'nightly', '--input', input, '--cron', '0 12 * * *', '--tz', 'UTC', '--catchup', '1 day');
    expect(created).toMatchObject({ code: 0 });
    const bad = await cli('schedule', 'create', 'broken', '--input', '{"symbols":["lower"]}');
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('symbols[0]: symbols are upper-case tickers');

    // Three missed days, taken with BUFFER_ALL: none is skipped even though the schedule's own policy is SKIP.
    expect((await cli('schedule', 'backfill', 'nightly', '--start', '2021-06-01T00:00:00Z', '--end', '2021-06-03T23:59:00Z')).code).toBe(0);
    const rows = await waitFor('three scheduled runs', async () => {
      const r: { nominal_time: Date; status: string; workflow_id: string; input: unknown }[] = await h.ds.query(
        `SELECT nominal_time, status, workflow_id, input FROM pipeline_run WHERE schedule_id = 'nightly' ORDER BY nominal_time`);
      return r.length === 3 && r.every((x) => x.status === 'completed') && r;
    }, 120_000);
    expect(rows.map((r) => new Date(r.nominal_time).toISOString())).toEqual(['2021-06-01T12:00:00.000Z', '2021-06-02T12:00:00.000Z', '2021-06-03T12:00:00.000Z']);
    expect(rows.every((r) => r.workflow_id.startsWith('tickflow-sched-nightly'))).toBe(true);
    expect(await replayAll([await record(h.env.client, 'daily-pipeline-scheduled', rows[0].workflow_id)])).toEqual([]);
    // Each run processed its nominal day: the last stored bar is the last nominal day.
    const [last] = await h.ds.query(`SELECT max(ts) AS t FROM price_data WHERE symbol = 'SA'`);
    expect(new Date(last.t).toISOString().slice(0, 10)).toBe('2021-06-03');

    expect((await cli('schedule', 'trigger', 'nightly')).code).toBe(0);
    await waitFor('the triggered run', async () => (await h.ds.query(`SELECT 1 FROM pipeline_run WHERE schedule_id = 'nightly' AND status = 'completed'`)).length === 4, 120_000);

    const listed = await cli('schedule', 'list', '--json');
    expect(listed.code).toBe(0);
    const [entry] = JSON.parse(listed.output.slice(listed.output.indexOf('[')));
    expect(entry).toMatchObject({ scheduleId: 'nightly', workflowType: 'dailyPipeline', paused: false, timeZone: 'UTC' });
    expect(new Date(entry.nextActionTimes[0]).getUTCHours()).toBe(12);

    expect((await cli('schedule', 'pause', 'nightly')).code).toBe(0);
    expect((await h.env.client.schedule.getHandle('nightly').describe()).state.paused).toBe(true);
    expect((await cli('schedule', 'resume', 'nightly')).code).toBe(0);
    expect((await h.env.client.schedule.getHandle('nightly').describe()).state.paused).toBe(false);
    expect((await cli('schedule', 'delete', 'nightly')).code).toBe(0);
    const after = await cli('schedule', 'list');
    expect(after.output).toContain('no schedules');
  });
});
