// Derived data follows its inputs (issue 11, defect 2), on a real Temporal dev server and PostgreSQL: a +1%
// revision of the last 600 bars through the pipeline recomputes the features in the same run, marks another stored
// version stale until `tickflow features recompute --stale`; a plain SQL update of a bar fails the quality gate and
// the export.
import fs from 'node:fs';
import path from 'node:path';
import { StaleDataError } from '../../src/contracts/errors';
import type { DataSource } from 'typeorm';
import { computeFeatures, type CompiledFeatureSet } from '../../src/features/compute';
import { compileDeclaredSet } from '../../src/features/feature-store';
import { exportTrainingData } from '../../src/export/training-export';
import type { Bar } from '../../src/providers/bar';
import { REVISED_BARS as REVISED, barsOf, csvPipelineInput, priceCsv as csv, writePriceCsv } from '../helpers/price-csv';
import { defaultRules } from '../../src/quality/rules';
import { evaluateRules } from '../../src/quality/run-quality';
import { marketDataPipeline, recomputeFeatures } from '../../workflows';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { testDatabaseUrl, useTestWorker } from '../helpers/services';

jest.setTimeout(300_000);

const BARS = 1000;

/** Every stored row of a version equals a fresh computation over `bars` (relative 1e-6: recursive indicators' seeds). */
async function expectFreshValues(ds: DataSource, set: CompiledFeatureSet, bars: Bar[]) {
  const fresh = computeFeatures(set, bars);
  const rows: { ts: Date; values: (number | null)[] }[] = await ds.query(`SELECT ts, values FROM feature_data WHERE feature_set_version = $1 AND symbol = $2 ORDER BY ts`, [set.version, bars[0].symbol]);
  expect(rows).toHaveLength(bars.length);
  let worst = 0;
  rows.forEach((r, i) => {
    expect(r.ts.getTime()).toBe(bars[i].ts.getTime());
    r.values.forEach((v, k) => {
      const want = fresh[i][k];
      if (v === null || want === null) expect(v).toBe(want);
      else worst = Math.max(worst, Math.abs(v - want) / Math.max(1, Math.abs(want)));
    });
  });
  expect(worst).toBeLessThan(1e-6);
}

describe('derived data follows its inputs', () => {
  const h = useTestWorker('e2e-staleness', { poolMax: 8 });
  const { taskQueue, exportDir } = h;
  const dir = () => path.join(exportDir, 'prices');
  const write = (symbol: string, seed: number, revised: boolean) => writePriceCsv(dir(), symbol, seed, revised, BARS);
  const pipeline = (symbols: string[], workflowId: string) =>
    h.env.client.workflow.execute(marketDataPipeline, { taskQueue, workflowId, args: [csvPipelineInput(dir(), symbols, { bars: BARS })] });
  const defaultSet = compileDeclaredSet('default');
  const otherDefinitions = [{ name: 'ema_30', indicator: 'ema', params: { period: 30 } }, { name: 'obv', indicator: 'obv' }];
  const otherSet = compileDeclaredSet('mini', otherDefinitions);
  const cli = () => childEnv({ DATABASE_URL: testDatabaseUrl(), TEMPORAL_ADDRESS: h.env.address, TEMPORAL_TASK_QUEUE: taskQueue, REDIS_URL: undefined });
  const tickflow = async (args: string[]) => {
    const p = spawnTickflow(args, cli());
    const code = await p.exited;
    const output = p.output();
    return { code, output, json: () => JSON.parse(output.slice(output.search(/[[{]/))) };
  };
  let revisionRunId = '';

  it('a +1% revision of the last 600 bars recomputes the features in the same run; another version is marked stale', async () => {
    write('AAA', 1, false);
    write('BBB', 2, false);
    await pipeline(['AAA', 'BBB'], 'stale-first');
    await h.env.client.workflow.execute(recomputeFeatures, {
      taskQueue, workflowId: 'stale-other-version', args: [{ featureSet: 'mini', definitions: otherDefinitions, symbols: ['AAA'] }],
    });

    write('AAA', 1, true);
    write('BBB', 2, true);
    const summary = await pipeline(['AAA', 'BBB'], 'stale-revision');
    revisionRunId = summary.pipelineRunId;
    const revisedAAA = barsOf('AAA', csv(1, true));
    const firstRevised = revisedAAA[BARS - REVISED].ts.toISOString();
    expect(summary.import).toMatchObject({ revised: 2 * REVISED, inserted: 0, changedFrom: { AAA: firstRevised, BBB: barsOf('BBB', csv(2, true))[BARS - REVISED].ts.toISOString() } });
    expect(summary.features.recomputedSymbols).toEqual(['AAA', 'BBB']);
    // The pipeline passed its quality gate and exported: its own version is fresh, in this run.
    expect(summary.quality.blockingFailures).toEqual([]);
    expect(summary.export!.rows).toBeGreaterThan(0);
    await expectFreshValues(h.ds, defaultSet, revisedAAA);
    await expectFreshValues(h.ds, defaultSet, barsOf('BBB', csv(2, true)));

    const marks = await h.ds.query(
      `SELECT derived_key, scope_key, stale_from, input_dataset, pipeline_run_id, cleared_at IS NOT NULL AS cleared, cleared_by_run_id
       FROM derived_staleness ORDER BY derived_key, scope_key`);
    expect(marks).toEqual(expect.arrayContaining([
      { derived_key: otherSet.version, scope_key: 'AAA', stale_from: new Date(firstRevised), input_dataset: 'price_data', pipeline_run_id: revisionRunId, cleared: false, cleared_by_run_id: null },
      expect.objectContaining({ derived_key: defaultSet.version, scope_key: 'AAA', cleared: true, cleared_by_run_id: revisionRunId }),
    ]));
    expect(marks.filter((m: { cleared: boolean }) => !m.cleared)).toHaveLength(1);
  });

  it('the CLI shows the stale version, `recompute --stale` recomputes it from the revision on, and it is clear after', async () => {
    const versions = await tickflow(['features', 'versions', '--json']);
    expect(versions.code).toBe(0);
    const byVersion = new Map(versions.json().map((v: { version: string; stale: unknown[] }) => [v.version, v.stale]));
    expect(byVersion.get(otherSet.version)).toEqual([{ symbol: 'AAA', staleFrom: barsOf('AAA', csv(1, true))[BARS - REVISED].ts.toISOString(), cause: { input: 'price_data', pipelineRunId: revisionRunId } }]);
    expect(byVersion.get(defaultSet.version)).toEqual([]);
    const text = await tickflow(['features', 'versions']);
    expect(text.output).toMatch(new RegExp(`${otherSet.version} .*STALE AAA from ${barsOf('AAA', csv(1, true))[BARS - REVISED].ts.toISOString().slice(0, 10)}`));

    const recomputed = await tickflow(['features', 'recompute', '--stale', '--no-worker', '--json']);
    expect(recomputed.code).toBe(0);
    expect(recomputed.json()).toMatchObject({ status: 'completed', versions: [otherSet.version], symbols: 1, rows: REVISED });
    await expectFreshValues(h.ds, otherSet, barsOf('AAA', csv(1, true)));

    const after = await tickflow(['features', 'versions', '--json']);
    expect(after.json().every((v: { stale: unknown[] }) => v.stale.length === 0)).toBe(true);
    const verdict = await h.ds.transaction((em) => evaluateRules(em, defaultRules, {
      symbols: ['AAA'], interval: '1d', from: '2020-01-01', to: '2023-12-29', featureSetVersion: otherSet.version,
    }, { pipelineRunId: null, workflowId: null }));
    expect(verdict.outcomes.find((o) => o.rule === 'feature.older_than_bars')).toMatchObject({ passed: true });
  });

  it('a plain SQL update of a bar fails the blocking quality rule and the export refuses, naming the symbol and date', async () => {
    const bar = barsOf('AAA', csv(1, true))[700];
    await h.ds.query(`UPDATE price_data SET open = open * 1.001, high = high * 1.001, low = low * 1.001, close = close * 1.001
      WHERE symbol = 'AAA' AND interval = '1d' AND ts = $1`, [bar.ts]);
    const scope = { symbols: ['AAA', 'BBB'], interval: '1d', from: '2020-01-01', to: '2023-12-29' };
    const verdict = await h.ds.transaction((em) => evaluateRules(em, defaultRules, { ...scope, featureSetVersion: defaultSet.version },
      { pipelineRunId: null, workflowId: null }));
    expect(verdict.blockingFailures).toEqual(['feature.older_than_bars']);
    const outcome = verdict.outcomes.find((o) => o.rule === 'feature.older_than_bars')!;
    expect(outcome).toMatchObject({ passed: false, failingRows: BARS - 700 });

    const refused = await h.ds.transaction((em) => exportTrainingData(em, {
      ...scope, featureSetVersions: [defaultSet.version], label: 'fwd_return:5', format: 'csv', splits: { train: 0.7, validation: 0.15 },
      outPath: path.join(exportDir, 'refused.csv'), pipelineRunId: null, qualityResultIds: [], gate: { decision: 'skipped', reason: 'the staleness check runs first' },
    })).catch((e) => e);
    expect(refused).toBeInstanceOf(StaleDataError);
    expect(refused.stale).toEqual([{ key: defaultSet.version, scope: 'AAA', staleFrom: bar.ts.toISOString() }]);
    expect(refused.message).toContain(`AAA from ${bar.ts.toISOString()}`);
    expect(fs.existsSync(path.join(exportDir, 'refused.csv'))).toBe(false);
  });
});
