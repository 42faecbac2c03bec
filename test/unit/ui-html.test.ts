// The UI's escaping, CSP-safe charts and query parsing, without a browser.
import { z } from 'zod';
import { barChart, cspSafeSvg, lineChart } from '../../src/ui/charts';
import { renderDag } from '../../src/ui/dag';
import { escapeHtml, href, html, layout, trusted } from '../../src/ui/html';
import { parseQuery, q, UiParamError } from '../../src/ui/params';

const evil = `<script>alert("x")</script>'\`&`;

describe('html``', () => {
  it('escapes every interpolation, joins arrays, renders nothing for null/undefined/false, keeps Html as is', () => {
    const out = html`<p title="${evil}">${evil}${[evil, html`<b>${1}</b>`]}${null}${undefined}${false}${0}${trusted('<i>ok</i>')}</p>`.value;
    const e = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&#96;&amp;';
    expect(out).toBe(`<p title="${e}">${e}${e}<b>1</b>0<i>ok</i></p>`);
    expect(escapeHtml('"><img src=x onerror=alert(1)>')).toBe('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('builds links with every query value encoded and empty ones left out', () => {
    expect(href('/lineage', { dataset: 'file:/a b&c=d', depth: 3, run: undefined, x: '' })).toBe('/lineage?dataset=file%3A%2Fa%20b%26c%3Dd&depth=3');
  });

  it('wraps pages in the shell: the stylesheet, six nav links, the active one marked, no script', () => {
    const page = layout({ title: evil, active: 'quality', body: html`<p>x</p>` }).value;
    expect(page).toContain('<link rel="stylesheet" href="/assets/ui.css">');
    expect(page.match(/data-nav="/g)).toHaveLength(6);
    expect(page).toContain('data-nav="quality" class="active"');
    expect(page).not.toContain('<script');
  });
});

describe('charts and the DAG', () => {
  it('renders SVG with no inline style attribute or <style> element (the CSP forbids both), text escaped', () => {
    const line = lineChart({ title: evil, series: [{ name: evil, points: [['2020-01-01', 1], ['2020-01-02', 2]] }], markers: [{ name: 'm', points: [['2020-01-02', 2]] }] }).value;
    const bar = barChart({ title: 't', categories: ['a', evil], series: [{ name: 's', values: [1, 2] }] }).value;
    for (const svg of [line, bar]) {
      expect(svg).toContain('<svg');
      expect(svg).not.toMatch(/ style="|<style|<script/);
    }
    expect(line).toContain('data-points="2" data-markers="1"');
    expect(cspSafeSvg('<text style="font: normal bold 12px sans-serif;fill:red">x</text>')).toBe('<text font-style="normal" font-weight="bold" font-size="12px" font-family="sans-serif" fill="red">x</text>');
  });

  it('lays out a DAG with every node and edge, names escaped', () => {
    const svg = renderDag([{ id: evil, kind: 'file', label: evil }, { id: 'b', kind: 'price_data', label: 'b', href: '/lineage?dataset=b' }],
      [{ from: evil, to: 'b', label: 'importPrices', href: '/runs/1' }]).value;
    expect(svg).toContain('data-nodes="2" data-edges="1"');
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;script&gt;');
  });
});

describe('parseQuery', () => {
  const shape = { status: q.optional(z.enum(['a', 'b'])), from: q.optional(q.date), symbols: q.optional(q.symbols), depth: q.optional(q.int(1, 5)) };
  it('parses what it knows, treats empty fields as absent', () => {
    expect(parseQuery('/x?status=a&from=2020-02-29&symbols=aapl,%20spy&depth=2', shape)).toEqual({ status: 'a', from: '2020-02-29', symbols: ['AAPL', 'SPY'], depth: 2 });
    expect(parseQuery('/x?status=&from=', shape)).toEqual({});
  });
  it('refuses bad, unknown and repeated parameters, naming each', () => {
    const fails = (url: string) => {
      try {
        parseQuery(url, shape);
      } catch (e) {
        expect(e).toBeInstanceOf(UiParamError);
        return (e as Error).message;
      }
      throw new Error('expected a UiParamError');
    };
    expect(fails('/x?from=2021-02-29')).toContain('from="2021-02-29": not a calendar date');
    expect(fails('/x?depth=9')).toContain('depth="9"');
    expect(fails('/x?symbols=%3Cb%3E')).toContain('symbols="<b>"');
    expect(fails('/x?sql=select')).toContain('sql: unknown parameter');
    expect(fails('/x?status=a&status=b')).toContain('status: given more than once');
  });
});
