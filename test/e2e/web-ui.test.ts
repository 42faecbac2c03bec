// The Temporal Web UI in headless Chromium: start a backfill through its Start Workflow form with a short JSON,
// watch it complete on the workflow page, and find it in the list by a Tickflow search attribute.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type BrowserContext } from 'playwright-core';
import { SyntheticProvider } from '../../src/providers/synthetic';
import { freePort } from '../../src/services/net';
import { installWorkerLogging } from '../../src/worker';
import { searchAttributeKeys } from '../../workflows/search-attributes';
import { waitFor } from '../helpers/processes';
import { temporalCliPath, useTestWorker } from '../helpers/services';

jest.setTimeout(180_000);
const CHROMIUM = '/usr/bin/chromium';

describe('the Temporal Web UI', () => {
  beforeAll(() => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`node scripts/bootstrap.js\` as root (it apt-get installs chromium)`);
  });
  let context: BrowserContext;
  let ui: string;
  const h = useTestWorker('webui', {
    startEnv: async () => {
      installWorkerLogging('WARN');
      const uiPort = await freePort();
      ui = `http://127.0.0.1:${uiPort}`;
      return TestWorkflowEnvironment.createLocal({
        server: { executable: { type: 'existing-path', path: temporalCliPath() }, ip: '127.0.0.1', searchAttributes: searchAttributeKeys, ui: true, uiPort },
      });
    },
  });
  const { taskQueue } = h;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-chromium-'));

  beforeAll(async () => {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM, headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await context?.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  });
  it('starts a backfill from the Start Workflow form, shows it completed, and finds it by TickflowSource', async () => {
    const page = await context.newPage();
    await page.goto(`${ui}/namespaces/default/workflows/start-workflow`);
    await page.getByTestId('workflowId').fill('ui-backfill');
    await page.getByTestId('taskQueue').fill(taskQueue);
    await page.getByTestId('workflowType').fill('backfill');
    const input = { universe: 'synthetic:4', from: '2019-01-02', to: '2019-06-28', source: 'synthetic', lookbackDays: 0, batchSize: 2 };
    await page.locator('[contenteditable="true"]').first().click();
    await page.keyboard.insertText(JSON.stringify(input));
    await page.getByText('Data', { exact: true }).click(); // blur the editor: it reformats the JSON, moving the button
    await page.waitForTimeout(300);
    await page.getByTestId('start-workflow-button').click();

    await waitFor('the UI to start the workflow', () => h.env.client.workflow.getHandle('ui-backfill').describe().then(() => true, () => false), 30_000)
      .catch(async (e) => {
        throw new Error(`${(e as Error).message}\npage text: ${(await page.innerText('body')).slice(300, 3000)}`);
      });
    // The run really started with that input, and its children stored every bar.
    const result = await h.env.client.workflow.getHandle('ui-backfill').result();
    expect(result).toMatchObject({ stage: 'completed', symbolsDone: 4, batchesDone: 2 });
    const [p] = await h.ds.query(`SELECT count(*)::int AS n FROM price_data`);
    expect(p.n).toBe(4 * SyntheticProvider.tradingDays({ from: '2019-01-02', to: '2019-06-28' }).length);

    // The workflow page shows it completed.
    await page.goto(`${ui}/namespaces/default/workflows/ui-backfill`);
    await page.getByText('Completed', { exact: true }).first().waitFor({ timeout: 30_000 });

    // The list filtered by a Tickflow search attribute has it (and not its marketDataPipeline children).
    const query = `WorkflowType="backfill" AND TickflowSource="synthetic" AND TickflowStage="completed"`;
    await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
    await page.getByText('ui-backfill', { exact: true }).first().waitFor({ timeout: 30_000 });
    expect(await page.getByText(/^tickflow-bf-/).count()).toBe(0);
    await page.close();
  });
});
