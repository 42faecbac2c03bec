// The compliance report as a user gets it: `tickflow quality report` writes a self-contained HTML page, and headless
// Chromium (Debian's package, no browser download) renders it offline: charts present, numbers equal to the database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { DataSource } from 'typeorm';
import { nyseCalendar } from '../../src/calendar/nyse-calendar';
import { evaluateRules } from '../../src/quality/run-quality';
import { defaultRules } from '../../src/quality/rules';
import { childEnv, spawnTickflow } from '../helpers/processes';
import { openTestDataSource, resetData, testDatabaseUrl } from '../helpers/services';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') {
  // Under CI a missing browser is a broken machine, not a reason to skip: scripts/bootstrap.js installs it.
  throw new Error(`${CHROMIUM} is missing: run \`node scripts/bootstrap.js\` as root (it apt-get installs chromium)`);
}
const describeWithChromium = haveChromium ? describe : describe.skip;

describeWithChromium('quality compliance report in headless Chromium', () => {
  let ds: DataSource;
  let context: BrowserContext;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-report-'));
  const runIds: string[] = [];

  beforeAll(async () => {
    ds = await openTestDataSource();
    await resetData(ds);
    const days = nyseCalendar(2019, 2019).filter((d) => d.trading && d.day <= '2019-03-29').map((d) => d.day);
    for (const symbol of ['GOOD', 'BAD']) {
      for (const [i, day] of days.entries()) {
        let c = 50 + i * 0.2;
        if (symbol === 'BAD' && day === '2019-02-12') c *= 100; // a 100× unit error: a jump there and back
        const [open, high, low] = symbol === 'BAD' && (day === '2019-01-15' || day === '2019-03-05') ? [c + 5, c + 1, c - 1] : [c, c + 1, c - 1];
        await ds.query(`INSERT INTO price_data (symbol, interval, ts, open, high, low, close, adj_close, volume, source)
          VALUES ($1, '1d', $2, $3, $4, $5, $6, $6, $7, 'test')`, [symbol, `${day}T00:00:00Z`, open, high, low, c, 1000 + (i % 5) * 10]);
      }
    }
    // Two pipeline runs over the same scope, so every rule's trend has two points.
    for (const n of [1, 2]) {
      const [run] = await ds.query(`INSERT INTO pipeline_run (workflow_id, run_id, workflow_type, task_queue, status, input, started_at)
        VALUES ($1, $2, 'marketDataPipeline', 'q', 'completed', '{}', now()) RETURNING id`, [`wf-report-${n}`, `run-${n}`]);
      runIds.push(run.id);
      await ds.transaction((em) => evaluateRules(em, defaultRules, { symbols: ['GOOD', 'BAD'], interval: '1d', from: '2019-01-01', to: '2019-03-29' },
        { pipelineRunId: run.id, workflowId: `wf-report-${n}` }));
    }
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await context?.close();
    await ds?.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function report(args: string[]): Promise<string> {
    const p = spawnTickflow(['quality', 'report', ...args], childEnv({ DATABASE_URL: testDatabaseUrl() }));
    const code = await p.exited;
    if (code !== 0) throw new Error(`tickflow quality report exited ${code}:\n${p.output()}`);
    return p.output();
  }

  it('renders the run\'s results, trends and the failing bars offline, with the numbers stored in the database', async () => {
    const file = path.join(tmp, 'run.html');
    expect(await report(['--run', runIds[1], '--format', 'html', '--out', file])).toMatch(/wrote html report to .*run\.html: \d+\/\d+ results passed/);
    const stored: { id: string; rule: string; passed: boolean; observed: number; failing_rows: string; rows_checked: string }[] = await ds.query(
      `SELECT id::text, rule, passed, observed, failing_rows, rows_checked FROM validation_result WHERE pipeline_run_id = $1 ORDER BY id`, [runIds[1]]);
    expect(stored.length).toBe(defaultRules.filter((r) => r.targetTable !== 'feature_data').length);

    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);

    const rows = await page.$$eval('#summary tbody tr', (trs) => trs.map((tr) => ({
      id: tr.getAttribute('data-result-id'), rule: tr.getAttribute('data-rule'), status: tr.querySelector('.status')!.textContent,
      observed: Number(tr.querySelector('.observed')!.textContent), failing: tr.querySelector('.failing')!.textContent, checked: tr.querySelector('.checked')!.textContent,
    })));
    expect(rows).toEqual(stored.map((s) => ({ id: s.id, rule: s.rule, status: s.passed ? 'pass' : 'FAIL', observed: s.observed, failing: s.failing_rows, checked: s.rows_checked })));
    expect(await page.textContent('#passed-count')).toBe(String(stored.filter((s) => s.passed).length));
    expect(await page.textContent('#blocking')).toBe('price.ohlc_consistency');

    // One trend chart per rule, each with a point per run, drawn with a real size.
    const trends = await page.$$eval('svg.chart.trend', (svgs) => svgs.map((s) => ({
      rule: s.getAttribute('data-rule'), points: s.querySelectorAll('circle.point').length, width: s.getBoundingClientRect().width,
    })));
    expect(trends.map((t) => t.rule).sort()).toEqual(stored.map((s) => s.rule).sort());
    for (const t of trends) expect(t).toMatchObject({ points: 2, width: 640 });

    // BAD's price chart marks its failing bars: the two OHLC violations and the jump there and back.
    const marked = await page.$$eval('svg.chart.price[data-symbol="BAD"] circle.failing-bar', (cs) => cs.map((c) => c.getAttribute('data-ts')!.slice(0, 10)).sort());
    expect(marked).toEqual(['2019-01-15', '2019-02-12', '2019-02-13', '2019-03-05']);
    expect(await page.$$('svg.chart.price[data-symbol="GOOD"]')).toHaveLength(0);
    const cell = await page.$eval('#matrix tr[data-rule="price.ohlc_consistency"] td[data-symbol="BAD"]', (td) => td.textContent);
    expect(cell).toBe('2 / 61');
    await page.close();
  });

  it('writes Markdown and JSON for machines from the same data, and --since spans both runs', async () => {
    const md = path.join(tmp, 'since.md');
    const json = path.join(tmp, 'since.json');
    await report(['--since', '2000-01-01', '--format', 'md', '--out', md]);
    await report(['--since', '2000-01-01', '--format', 'json', '--out', json]);
    const data = JSON.parse(fs.readFileSync(json, 'utf8'));
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM validation_result`);
    expect(data.results).toHaveLength(n);
    expect(data.summary.blockingFailures).toEqual(['price.ohlc_consistency']);
    expect(data.failingSymbols.map((f: { symbol: string }) => f.symbol)).toEqual(['BAD']);
    const text = fs.readFileSync(md, 'utf8');
    expect(text).toContain('| price.ohlc_consistency | 2 / 61 | 0 / 61 |');
    expect(text.match(/\| FAIL \|/g)).toHaveLength(data.results.filter((r: { passed: boolean }) => !r.passed).length);
  });

  it('manages custom rules and shows a rule\'s history from the command line', async () => {
    const cli = async (args: string[], expectedCode = 0) => {
      const p = spawnTickflow(['quality', ...args], childEnv({ DATABASE_URL: testDatabaseUrl() }));
      expect(await p.exited).toBe(expectedCode);
      return p.output();
    };
    expect(await cli(['rules', 'add', '--name', 'custom.cheap_bars', '--description', 'closes under 1', '--severity', 'warn',
      '--max-failing-rows', '0', '--sql', 'SELECT symbol, ts, close FROM price_data WHERE symbol = ANY($1) AND close < 1'])).toContain(
      'added custom rule custom.cheap_bars (warn, at most 0 failing rows)');
    expect(await cli(['rules', 'add', '--name', 'custom.evil', '--description', 'x', '--sql', 'UPDATE price_data SET close = 0'], 2))
      .toContain('sql="UPDATE price_data SET close = 0": must be a single SELECT');
    const listing = await cli(['rules', 'list', '--json']);
    const listed = JSON.parse(listing.slice(listing.indexOf('{')));
    expect(listed.custom.map((r: { name: string }) => r.name)).toEqual(['custom.cheap_bars']);
    expect(listed.default.map((r: { name: string }) => r.name)).toEqual(defaultRules.map((r) => r.name));
    expect(await cli(['rules', 'remove', 'custom.cheap_bars'])).toContain('removed custom rule custom.cheap_bars');
    expect(await cli(['rules', 'remove', 'custom.cheap_bars'], 1)).toContain('no custom rule custom.cheap_bars');

    const history = await cli(['history', '--rule', 'price.ohlc_consistency', '--symbol', 'BAD', '--since', '2000-01-01']);
    expect(history.match(/FAIL {2}price\.ohlc_consistency/g)).toHaveLength(2);
    expect(history).toContain(`run ${runIds[0]}`);
    expect(history).toMatch(/trend \(oldest → newest\): 0\.016\d* → 0\.016\d*/);
    expect(await cli(['history', '--since', 'yesterday'], 2)).toContain('--since="yesterday": expected a date YYYY-MM-DD');
  });

  it('refuses a report without a selection, naming the flags', async () => {
    const p = spawnTickflow(['quality', 'report', '--format', 'pdf', '--since', '2020-01-01', '--out', path.join(tmp, 'x')], childEnv({ DATABASE_URL: testDatabaseUrl() }));
    expect(await p.exited).toBe(2);
    expect(p.output()).toContain('--format="pdf"');
    const q = spawnTickflow(['quality', 'report', '--out', path.join(tmp, 'x')], childEnv({ DATABASE_URL: testDatabaseUrl() }));
    expect(await q.exited).toBe(2);
    expect(q.output()).toContain('give exactly one of --run or --since');
  });
});
