// The Features page of `tickflow ui` in headless Chromium, over a database the real pipeline filled (AAPL and SPY,
// 2015 Q1, on a Temporal test worker) plus a second version of the same features (values doubled, a hostile set
// name) and a stale mark written by the staleness mechanism: versions flagged, charts drawn, numbers as stored.
import { DerivedStalenessRepository } from '../../src/repositories/derived-staleness-repository';
import { expectNoScriptRan, useUiBrowser } from '../helpers/ui-browser';
import { useUiServer } from '../helpers/ui-server';

jest.setTimeout(120_000);

const HOSTILE = '"><img src=x onerror=window.__x=1><script>window.__x=2</script>';
const V2 = 'test-v2';

describe('tickflow ui: Features', () => {
  let base = '';
  let names: string[] = [];
  const ui = useUiServer('ui-features', {
    seed: async (h) => {
      const [v] = await h.ds.query(`SELECT version, feature_names, definitions, warmup_bars, inputs FROM feature_set WHERE name = 'default'`);
      base = v.version;
      names = v.feature_names;
      await h.ds.query(`INSERT INTO feature_set (version, name, definitions, feature_names, warmup_bars, inputs, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, now() - interval '1 day')`, [V2, HOSTILE, JSON.stringify(v.definitions), v.feature_names, v.warmup_bars, v.inputs]);
      await h.ds.query(`INSERT INTO feature_data (feature_set_version, symbol, interval, ts, values)
        SELECT $1, symbol, interval, ts, ARRAY(SELECT x * 2 FROM unnest(values) WITH ORDINALITY u(x, n) ORDER BY n) FROM feature_data WHERE feature_set_version = $2`, [V2, base]);
      // A revised AAPL bar from 2015-03-02 on: both versions read price_data, so both get a mark.
      await h.ds.transaction((em) => new DerivedStalenessRepository(h.ds).markInputChanged(em, 'price_data', '1d', new Map([['AAPL', new Date('2015-03-02T00:00:00Z')]]), null));
    },
  });
  const browser = useUiBrowser();

  it('lists the versions with their stale marks, and charts a symbol\'s features from two versions with the stored numbers', async () => {
    const { page, status, pageErrors, consoleErrors, requests } = await browser.open(`${ui.url}/features`);
    expect(status).toBe(200);
    const [{ versions }] = await ui.h.ds.query(`SELECT count(*)::int AS versions FROM feature_set`);
    expect(versions).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#versions tbody tr').count()).toBe(versions);
    // The hostile set name shows literally and runs nothing.
    expect(await page.locator(`#versions tr[data-version="${V2}"] td`).nth(1).innerText()).toBe(HOSTILE);
    await expectNoScriptRan(page);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    const marks: { key: string; stale_from: Date }[] = await ui.h.ds.query(`SELECT derived_key AS key, stale_from FROM derived_staleness WHERE cleared_at IS NULL AND derived_kind = 'feature_data' ORDER BY 1`);
    expect(marks.map((m) => m.key)).toEqual(expect.arrayContaining([base, V2]));
    for (const key of [base, V2]) expect(await page.locator(`#versions tr[data-version="${key}"] .badge.bad`).innerText()).toBe('stale from 2015-03-02');
    // A version's page: its first symbol and first four features, one chart each.
    await page.goto(`${ui.url}/features?version=${base}`);
    expect(await page.locator('figure.chart').count()).toBe(4);
    const symbols: { symbol: string }[] = await ui.h.ds.query(`SELECT DISTINCT symbol FROM feature_data WHERE feature_set_version = $1 ORDER BY 1`, [base]);
    expect(await page.locator('select[name="symbol"] option').allInnerTexts()).toEqual(symbols.map((r) => r.symbol));
    expect(await page.locator('figure.chart svg').count()).toBe(4);

    // Click through to a comparison from the form's links: one feature, both versions in one chart.
    const feature = names[0];
    await page.goto(`${ui.url}/features?version=${base}&compare=${V2}&symbol=AAPL&features=${encodeURIComponent(`${names[0]},${names[1]}`)}`);
    const charts = page.locator('figure.chart');
    expect(await charts.count()).toBe(2);
    expect(await charts.first().getAttribute('data-series')).toBe('2');
    const [{ n }] = await ui.h.ds.query(`SELECT count(*)::int AS n FROM feature_data WHERE feature_set_version = $1 AND symbol = 'AAPL'`, [base]);
    expect(await page.locator('#bars').innerText()).toBe(String(n));
    expect(await charts.first().getAttribute('data-points')).toBe(String(2 * n));
    // The last bar's value of each version, as the database holds it.
    const [last] = await ui.h.ds.query(`SELECT ts, values[1] AS a FROM feature_data WHERE feature_set_version = $1 AND symbol = 'AAPL' ORDER BY ts DESC LIMIT 1`, [base]);
    const [last2] = await ui.h.ds.query(`SELECT values[1] AS b FROM feature_data WHERE feature_set_version = $1 AND symbol = 'AAPL' AND ts = $2`, [V2, last.ts]);
    const table: string[][] = await page.locator(`figure[data-chart="${feature}"] details.chart-data tbody tr`)
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')));
    const cell = (series: string) => Number(table.find((r) => r[0] === series && r[2] === (last.ts as Date).toISOString())![3]);
    expect(cell(base)).toBe(last.a);
    expect(cell(V2)).toBe(last2.b);
    // Both versions' marks on AAPL are listed.
    expect(await page.locator('table.stale-marks tbody tr').count()).toBe(2);
    // V2's rows were written after the bars, so only the quality rule's test would catch a bar rewritten since: none yet.
    expect(await page.locator('#older-than-bars').count()).toBe(0);

    // A bar rewritten by plain SQL leaves no mark, but the rows from it on now predate it: flagged as the rule flags them.
    await ui.h.ds.query(`UPDATE price_data SET updated_at = now() WHERE symbol = 'AAPL' AND interval = '1d' AND ts = '2015-03-16'`);
    await page.reload();
    const [{ late }] = await ui.h.ds.query(`SELECT count(*)::int AS late FROM feature_data WHERE feature_set_version = $1 AND symbol = 'AAPL' AND ts >= '2015-03-16'`, [base]);
    expect(await page.locator('#older-than-bars').innerText()).toContain(`${late} rows of ${base} from 2015-03-16 on`);
    expect(await page.locator('#older-than-bars').innerText()).toContain(`${late} rows of ${V2} from 2015-03-16 on`);

    // Links: a feature name link narrows to that feature; a version link switches version.
    await page.locator('p.muted a', { hasText: names[2] }).filter({ hasText: new RegExp(`^${names[2]}$`) }).first().click();
    await page.waitForURL(/features=/);
    expect(await page.locator('figure.chart').count()).toBe(1);
    expect(await page.locator('figure.chart').getAttribute('data-chart')).toBe(names[2]);
    await page.locator(`#versions tr[data-version="${V2}"] a`).click();
    await page.waitForURL(new RegExp(`version=${V2}`));
    expect(await page.locator('h2').first().innerText()).toBe(`AAPL from ${V2}`);
    expect(pageErrors).toEqual([]);
    // Nothing the CSP refused (an inline style or script would be logged), nothing fetched from elsewhere.
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused/i.test(e))).toEqual([]);
    expect(requests.every((u) => u.startsWith(ui.url))).toBe(true);
    await page.close();
  });

  it('answers a bad parameter with 400 and an unknown version with 404', async () => {
    const bad = await browser.open(`${ui.url}/features?from=2015-02-30`);
    expect(bad.status).toBe(400);
    expect(await bad.page.locator('#error-message').innerText()).toContain('from="2015-02-30"');
    const hostile = await browser.open(`${ui.url}/features?symbol=${encodeURIComponent(HOSTILE)}`);
    expect(hostile.status).toBe(400);
    expect(await hostile.page.locator('#error-message').innerText()).toContain('<img src=x onerror=window.__x=1>');
    await expectNoScriptRan(hostile.page);
    const feature = await browser.open(`${ui.url}/features?features=nope`);
    expect(feature.status).toBe(400);
    const missing = await browser.open(`${ui.url}/features?version=nope`);
    expect(missing.status).toBe(404);
    expect(await missing.page.locator('#error-message').innerText()).toContain('no feature-set version "nope"');
    for (const o of [bad, hostile, feature, missing]) await o.page.close();
  });
});
