// The helpers the Features, Portfolios and Documents pages add, without a browser: the scatter chart (the efficient
// frontier) is CSP-safe SVG with its text escaped, a document's link is an anchor only when it is http(s), stale
// marks render escaped, and numbers print as the tests compare them.
import { scatterChart } from '../../src/ui/charts-extra';
import { fmtNumber, pct } from '../../src/ui/format';
import { staleBadge, staleMarksTable } from '../../src/ui/marks';
import { outsideLink } from '../../src/ui/pages/documents';
import type { StaleScope } from '../../src/contracts/derived';

const evil = `<script>alert("x")</script>'\`&`;

describe('scatterChart', () => {
  it('draws groups as CSP-safe SVG, with every label escaped in the SVG and the data table', () => {
    const out = scatterChart({
      title: evil, xName: 'volatility', yName: 'expected return', percent: true,
      groups: [{ name: 'frontier', line: true, points: [{ label: '#1', x: 0.1, y: 0.05 }, { label: '#2', x: 0.2, y: 0.1 }] },
        { name: evil, points: [{ label: evil, x: 0.15, y: 0.02 }], labelPosition: 'left' }],
    }).value;
    expect(out).toContain('<svg');
    expect(out).not.toMatch(/ style="|<style|<script/);
    expect(out).toContain('data-groups="2" data-points="3"');
    expect(out).toContain('<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&#96;&amp;</td>');
  });
});

describe('outsideLink', () => {
  it('links http(s) only; javascript:, data: and paths stay text', () => {
    expect(outsideLink('https://www.sec.gov/a?b=1&c=2').value).toBe('<a href="https://www.sec.gov/a?b=1&amp;c=2" rel="noreferrer noopener" target="_blank" class="outside">https://www.sec.gov/a?b=1&amp;c=2</a>');
    for (const link of ['javascript:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>x</script>', '/data/documents/a.txt']) {
      expect(outsideLink(link).value).not.toContain('<a ');
    }
    expect(outsideLink('data:text/html,<script>x</script>').value).toBe('<span class="link-text">data:text/html,&lt;script&gt;x&lt;/script&gt;</span>');
  });
});

describe('stale marks and numbers', () => {
  const mark = (key: string, staleFrom: string): StaleScope => ({
    kind: 'feature_data', key, scope: 'AAPL', interval: '1d', staleFrom, cause: { input: 'price_data', pipelineRunId: null }, markedAt: '2026-01-01T00:00:00.000Z',
  });
  it('lists marks escaped, and the badge names the earliest stale date', () => {
    const table = staleMarksTable([mark(evil, '2015-03-02T00:00:00.000Z')], evil).value;
    expect(table).not.toContain('<script');
    expect(table).toContain('data-stale="1"');
    expect(staleMarksTable([], 'x').value).toContain('data-stale="0"');
    expect(staleBadge([mark('a', '2015-03-02T00:00:00.000Z'), mark('a', '2015-01-05T00:00:00.000Z')]).value).toContain('stale from 2015-01-05');
    expect(staleBadge([]).value).toContain('fresh');
  });
  it('prints integers as they are, others to 6 significant digits, fractions as percentages', () => {
    expect([fmtNumber(3), fmtNumber('12.5'), fmtNumber(1 / 3), fmtNumber(null), fmtNumber('abc')]).toEqual(['3', '12.5', '0.333333', '–', 'abc']);
    expect([pct(0.045075996), pct(null), pct(Number.NaN)]).toEqual(['4.51 %', '–', '–']);
  });
});
