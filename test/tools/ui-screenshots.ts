// Screenshots of every `tickflow ui` page, for docs/ui/*.png: serves the UI over the configured database (the demo
// one after `npm run demo`), opens each page in headless Chromium and writes a full-page PNG. Run through
// scripts/ui-screenshots.js. Add a page: append to SHOTS.
import { loadConfig } from '../../src/config';
import { OptimizationRepository } from '../../src/repositories/optimization-repository';
import { RunRepository } from '../../src/repositories/run-repository';
import { openRuntime } from '../../src/runtime';
import { startUiServer } from '../../src/ui/server';
import type { DataSource } from 'typeorm';
import { launchUiBrowser, screenshot } from '../helpers/ui-browser';

export interface ShotContext {
  dataSource: DataSource;
  /** The newest completed marketDataPipeline run. */
  pipelineRunId: string;
}

export const SHOTS: { name: string; path: (ctx: ShotContext) => Promise<string> | string }[] = [
  { name: 'runs', path: () => '/runs' },
  { name: 'run-detail', path: (c) => `/runs/${c.pipelineRunId}` },
  { name: 'lineage', path: (c) => `/lineage?run=${c.pipelineRunId}` },
  { name: 'quality', path: (c) => `/quality?run=${c.pipelineRunId}` },
  { name: 'features', path: () => '/features?symbol=AAPL' },
  { name: 'portfolios', path: () => '/portfolios' },
  // The demo's portfolio and its riskRun (historical 99 % 1-day is the page's default series).
  { name: 'portfolio-demo', path: () => '/portfolios/demo' },
  { name: 'optimization', path: async (c) => {
    const [latest] = await new OptimizationRepository(c.dataSource).list(1);
    if (!latest) throw new Error('no portfolio optimization in this database: run `npm run demo` first');
    return `/optimizations/${latest.id}`;
  } },
  { name: 'documents', path: () => '/documents?q=Macintosh%20sales%20and%20new%20products&as_of=2000-12-31&k=8&hybrid=1' },
  { name: 'document', path: () => '/documents/1' },
];

export async function main(): Promise<void> {
  const config = loadConfig();
  const rt = await openRuntime(config, { migrate: true, log: (m) => process.stderr.write(`· ${m}\n`) });
  try {
    const { rows } = await new RunRepository(rt.dataSource).search({ status: 'completed', workflowType: 'marketDataPipeline', limit: 1 });
    if (rows.length === 0) throw new Error('no completed pipeline run in this database: run `npm run demo` first');
    const ctx: ShotContext = { dataSource: rt.dataSource, pipelineRunId: rows[0].id };
    const ui = await startUiServer({ dataSource: rt.dataSource, config: rt.config }, { host: '127.0.0.1', port: 0 });
    const browser = await launchUiBrowser();
    try {
      for (const shot of SHOTS) {
        const page = await browser.context.newPage();
        const response = await page.goto(`${ui.url}${await shot.path(ctx)}`);
        if (response?.status() !== 200) throw new Error(`${shot.name}: HTTP ${response?.status()} for ${page.url()}`);
        process.stderr.write(`· ${shot.name}: ${await screenshot(page, shot.name)}\n`);
        await page.close();
      }
    } finally {
      await browser.close();
      await ui.close();
    }
  } finally {
    await rt.close();
  }
}
