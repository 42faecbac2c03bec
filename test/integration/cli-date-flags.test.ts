// CLI flags that name a day which does not exist are refused before anything starts, naming the flag or field.
import { childEnv, spawnTickflow } from '../helpers/processes';
import { testDatabaseUrl } from '../helpers/services';

async function tickflow(args: string[]): Promise<{ code: number | null; output: string }> {
  // Pointed at the test database and no Temporal: a flag check that came too late would try to reach them.
  const p = spawnTickflow(args, childEnv({ DATABASE_URL: testDatabaseUrl(), TEMPORAL_ADDRESS: '127.0.0.1:1' }));
  const code = await p.exited;
  return { code, output: p.output().trim() };
}

describe('date flags', () => {
  it.each([
    [['export', '--symbols', 'AAPL', '--from', '2016-02-30', '--to', '2016-03-31'], 'tickflow: --from: date 2016-02-30 does not exist (got "2016-02-30")'],
    [['export', '--symbols', 'AAPL', '--from', '2016-02-01', '--to', '2016-04-31'], 'tickflow: --to: date 2016-04-31 does not exist (got "2016-04-31")'],
    [['backfill', 'start', '--symbols', 'AAPL', '--from', '2016-02-30', '--to', '2016-03-31', '--no-worker'], 'tickflow: tickflow backfill start: from: date 2016-02-30 does not exist'],
    [['run', '--symbols', 'AAPL', '--from', '2016-04-31', '--to', '2016-12-30'], 'tickflow: tickflow run: from: date 2016-04-31 does not exist'],
    [['reprocess', '--to', '2015-02-29'], 'tickflow: tickflow reprocess: to: date 2015-02-29 does not exist'],
    [['features', 'recompute', '--from', '2021-02-30'], 'tickflow: tickflow features recompute: from: date 2021-02-30 does not exist'],
    [['quality', 'history', '--since', '2021-02-30'], 'tickflow: tickflow quality history: --since="2021-02-30": date 2021-02-30 does not exist'],
    [['schedule', 'backfill', 'nightly', '--start', '2021-02-30', '--end', '2021-03-31'], 'tickflow: --start: expected a date YYYY-MM-DD or a timestamp with a zone: date 2021-02-30 does not exist'],
    [['portfolio', 'pnl', 'demo', '--from', '2021-02-30'], 'tickflow: tickflow portfolio pnl: --from="2021-02-30": date 2021-02-30 does not exist'],
  ])('tickflow %j', async (args, expected) => {
    const r = await tickflow(args);
    expect(r).toEqual({ code: 2, output: expected });
  });
});
