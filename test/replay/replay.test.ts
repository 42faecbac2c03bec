// Determinism guard: the kept histories (test/fixtures/histories/*.json, recorded from real runs of every
// workflow) must replay against the current workflow code. A change that alters the commands a running workflow
// would issue fails here; guard such changes with patched().
import { loadFixtures, replayAll } from './histories';

jest.setTimeout(120_000);

describe('recorded workflow histories', () => {
  const fixtures = loadFixtures();

  it('cover every orchestration workflow', () => {
    const types = new Set(fixtures.map((f) => f.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name));
    for (const t of ['backfill', 'marketDataPipeline', 'dailyPipeline', 'reprocess', 'recomputeFeatures']) expect(types).toContain(t);
  });

  it('replay without nondeterminism', async () => {
    expect(await replayAll(fixtures)).toEqual([]);
  });

  it('fail when the code no longer matches: a history whose activity sequence was altered', async () => {
    const original = fixtures.find((f) => f.name.startsWith('market-data-pipeline'))!;
    const tampered = structuredClone(original.history);
    const scheduled = tampered.events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'importPrices')!;
    scheduled.activityTaskScheduledEventAttributes!.activityType!.name = 'computeFeatures';
    const failures = await replayAll([{ name: 'tampered', workflowId: 'replay-tampered', history: tampered }]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^tampered: .*[Nn]ondetermin/);
  });
});
