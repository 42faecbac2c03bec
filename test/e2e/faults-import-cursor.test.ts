// The import's heartbeat cursor: a long import commits in segments of 25 symbols and heartbeats how many are
// committed; an attempt that dies mid-way (here: the process "dies" inside segment 2) leaves segment 1 committed
// and no lineage row, and the retry, given the dead attempt's last heartbeat, resumes after segment 1 and ends
// with exactly the source's rows, counted once, and one lineage row.
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { RunRepository } from '../../src/repositories/run-repository';
import { openTestDataSource, resetData, testActivityDeps } from '../helpers/services';

jest.setTimeout(120_000);

class WorkerDied extends Error {}

describe('importPrices heartbeat cursor', () => {
  let ds: DataSource;
  beforeAll(async () => {
    ds = await openTestDataSource();
    await resetData(ds);
  });
  afterAll(async () => ds?.destroy());

  it('resumes after the last committed segment when a retry gets the dead attempt\'s heartbeat', async () => {
    const activities = createActivities(testActivityDeps(ds, { exportDir: '/tmp' }));
    const info = { workflowExecution: { workflowId: 'cursor-wf', runId: 'cursor-run' }, activityId: '2', activityType: 'importPrices', workflowType: 'marketDataPipeline', taskQueue: 'q' };
    const pipelineRunId = await new RunRepository(ds).start({ workflowId: 'cursor-wf', runId: 'cursor-run', workflowType: 'marketDataPipeline', taskQueue: 'q', input: {}, startedAt: new Date() });
    const symbols = Array.from({ length: 60 }, (_, i) => `CUR${String(i).padStart(2, '0')}`); // segments of 25, 25, 10
    const args = { pipelineRunId, symbols, interval: '1d', from: '2015-01-02', to: '2018-12-31', source: 'synthetic' as const, seed: 4 };
    const bars = SyntheticProvider.tradingDays({ from: args.from, to: args.to }).length;

    // Attempt 1 dies at the 30th symbol: inside segment 2, after segment 1 committed.
    const first = new MockActivityEnvironment({ ...info, attempt: 1 });
    let last: unknown;
    first.on('heartbeat', (d: { done?: number }) => {
      if (d.done === 30) throw new WorkerDied('worker killed');
      last = d;
    });
    await expect(first.run(activities.importPrices, args)).rejects.toThrow('worker killed');
    const [mid] = await ds.query(`SELECT count(*)::int AS n, count(DISTINCT symbol)::int AS s FROM price_data`);
    expect(mid).toEqual({ n: 25 * bars, s: 25 });
    expect((await ds.query(`SELECT 1 FROM data_lineage`)).length).toBe(0);
    expect(last).toMatchObject({ cursor: { segmentsDone: 1 } });

    // Attempt 2 gets the dead attempt's last heartbeat (as Temporal hands it over) and resumes after segment 1.
    const resumedSymbols: string[] = [];
    const second = new MockActivityEnvironment({ ...info, attempt: 2, heartbeatDetails: last });
    second.on('heartbeat', (d: { symbol?: string }) => void (d.symbol && resumedSymbols.push(d.symbol)));
    const result = await second.run(activities.importPrices, args);
    expect(resumedSymbols[0]).toBe('CUR25');
    expect(resumedSymbols).toHaveLength(35);
    expect(result).toMatchObject({ received: 60 * bars, stored: 60 * bars, inserted: 60 * bars, unchanged: 0, quarantined: 0 });
    const [p] = await ds.query(`SELECT count(*)::int AS n, count(DISTINCT (symbol, ts))::int AS d FROM price_data`);
    expect(p).toEqual({ n: 60 * bars, d: 60 * bars });
    const lineage = await ds.query(`SELECT attempt, rows_out::int AS rows, details FROM data_lineage`);
    expect(lineage).toHaveLength(1);
    expect(lineage[0]).toMatchObject({ attempt: 2, rows: 60 * bars, details: { segments: 3, resumedAfterSegments: 1 } });
    const [run] = await ds.query(`SELECT counts FROM pipeline_run WHERE id = $1`, [pipelineRunId]);
    expect(run.counts.imported).toBe(60 * bars);
  });
});
