// Issue 11, defect 4: one worker runs several imports at once over ONE set of repositories; no call may keep its state
// on them. Real Temporal dev server and PostgreSQL.
import path from 'node:path';
import { marketDataPipeline } from '../../workflows';
import { REVISED_BARS, barsOf, csvPipelineInput, priceCsv, writePriceCsv } from '../helpers/price-csv';
import { useTestWorker } from '../helpers/services';

jest.setTimeout(300_000);

describe('concurrent re-imports on one worker', () => {
  const h = useTestWorker('e2e-concurrent-reimport', { poolMax: 16, maxConcurrentActivities: 4 });

  it('lands every revision of concurrent re-imports (4 activities at a time)', async () => {
    // Six imports (four run at once), each of one revised symbol and then two unchanged ones, started together: while
    // one reads its unchanged symbols after staging its revisions, the others create their staging tables and merge.
    // A count of staged rows kept on the shared repository was reset by those, and the merge skipped the revisions.
    const dir = path.join(h.exportDir, 'prices');
    const bars = 2500;
    const imports = [0, 1, 2, 3, 4, 5].map((k) => [`R${k}`, `U${k}A`, `U${k}B`]);
    const all = imports.flat();
    const seedOf = (s: string) => 10 + all.indexOf(s);
    const pipeline = (symbols: string[], workflowId: string) => h.env.client.workflow.execute(marketDataPipeline, {
      taskQueue: h.taskQueue, workflowId, args: [csvPipelineInput(dir, symbols, { bars, exportEnabled: false })],
    });
    all.forEach((s) => writePriceCsv(dir, s, seedOf(s), false, bars));
    await pipeline(all, 'concurrent-first');
    imports.forEach(([revised]) => writePriceCsv(dir, revised, seedOf(revised), true, bars));

    const runs = await Promise.all(imports.map((symbols, k) => pipeline(symbols, `concurrent-${k}`)));
    expect(runs.map((r) => r.import.revised)).toEqual(imports.map(() => REVISED_BARS));
    const stored = await h.ds.query(`SELECT symbol, array_agg(close ORDER BY ts) AS closes FROM price_data GROUP BY symbol ORDER BY symbol`);
    expect(stored.map((r: { symbol: string; closes: number[] }) => [r.symbol, r.closes])).toEqual(
      [...all].sort().map((s) => [s, barsOf(s, priceCsv(seedOf(s), s.startsWith('R'), bars)).map((b) => b.close)]));
  });
});
