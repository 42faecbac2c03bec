// Synthetic daily price files for revision tests: a Yahoo-layout CSV per symbol, and the same file with its last bars
// revised by +1%, imported through the pipeline's csv source.
import fs from 'node:fs';
import path from 'node:path';
import type { Bar } from '../../src/providers/bar';

const DAY = 86_400_000;
/** The last bar of every file. */
export const LAST_DAY = '2023-12-29';
/** Bars a revised file changes: the last ones. */
export const REVISED_BARS = 600;

/** `bars` weekday bars ending LAST_DAY, distinct per seed; `revised` scales the last REVISED_BARS bars' prices by 1.01. */
export function priceCsv(seed: number, revised: boolean, bars = 1000): string {
  const days: number[] = [];
  for (let t = Date.parse(`${LAST_DAY}T00:00:00Z`); days.length < bars; t -= DAY) if (![0, 6].includes(new Date(t).getUTCDay())) days.unshift(t);
  const lines = days.map((t, i) => {
    const k = revised && i >= bars - REVISED_BARS ? 1.01 : 1;
    const c = (100 + seed * 7 + 10 * Math.sin(i / (11 + seed)) + i * 0.02) * k;
    const o = c * (1 + 0.004 * Math.sin(i / 3));
    const v = 1_000_000 + ((i * 7919 + seed * 104729) % 50_000);
    return [new Date(t).toISOString().slice(0, 10), o, Math.max(o, c) * 1.01, Math.min(o, c) * 0.99, c, c, v].join(',');
  });
  return ['Date,Open,High,Low,Close,Adj Close,Volume', ...lines].join('\n') + '\n';
}

/** The bars a CSV holds, as the importer parses them. */
export function barsOf(symbol: string, text: string): Bar[] {
  return text.trim().split('\n').slice(1).map((l) => {
    const [d, o, h, lo, c, a, v] = l.split(',');
    return { symbol, interval: '1d', ts: new Date(`${d}T00:00:00Z`), open: +o, high: +h, low: +lo, close: +c, adjClose: +a, volume: +v };
  });
}

export function writePriceCsv(dir: string, symbol: string, seed: number, revised: boolean, bars = 1000): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${symbol}.csv`), priceCsv(seed, revised, bars));
}

/** marketDataPipeline input over every bar of such files (no look-back needed: the range starts at the first bar). */
export function csvPipelineInput(dir: string, symbols: string[], { bars = 1000, exportEnabled = true } = {}) {
  return {
    symbols, from: barsOf('X', priceCsv(0, false, bars))[0].ts.toISOString().slice(0, 10), to: LAST_DAY, source: 'csv', sourcePath: dir,
    lookbackDays: 0, export: { enabled: exportEnabled },
  };
}

/** `symbol`'s file of `srcDir` written to `dstDir` as a vendor revision: every bar from `from` on scaled by 1.01. */
export function writeRevisedCopy(srcDir: string, dstDir: string, symbol: string, from: string): void {
  const lines = fs.readFileSync(path.join(srcDir, `${symbol}.csv`), 'utf8').trim().split('\n');
  const up = (x: string) => (Number(x) * 1.01).toFixed(6);
  fs.mkdirSync(dstDir, { recursive: true });
  fs.writeFileSync(path.join(dstDir, `${symbol}.csv`), [lines[0], ...lines.slice(1).map((l) => {
    const c = l.split(',');
    return c[0] < from ? l : [c[0], up(c[1]), up(c[2]), up(c[3]), up(c[4]), up(c[5]), c[6]].join(',');
  })].join('\n') + '\n');
}
