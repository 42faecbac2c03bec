// Headless Chromium for the `tickflow ui` page tests and the screenshot script: Debian's /usr/bin/chromium through
// playwright-core (no browser download), launched exactly as test/e2e/quality-report.test.ts launches it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { projectRoot } from './services';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
export const screenshotDir = path.join(projectRoot, 'docs', 'ui');

export interface UiBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchUiBrowser(): Promise<UiBrowser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`node scripts/bootstrap.js\` as root (it apt-get installs chromium)`);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickflow-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** An open page and what happened while it loaded: every request, console errors, uncaught errors, CSP reports. */
export interface OpenedPage {
  page: Page;
  status: number | null;
  requests: string[];
  consoleErrors: string[];
  pageErrors: string[];
}

export async function openPage(context: BrowserContext, url: string): Promise<OpenedPage> {
  const page = await context.newPage();
  const opened: OpenedPage = { page, status: null, requests: [], consoleErrors: [], pageErrors: [] };
  page.on('request', (r) => opened.requests.push(r.url()));
  page.on('console', (m) => void (m.type() === 'error' && opened.consoleErrors.push(m.text())));
  page.on('pageerror', (e) => opened.pageErrors.push(e.message));
  const response = await page.goto(url, { waitUntil: 'load' });
  opened.status = response?.status() ?? null;
  return opened;
}

/** Writes docs/ui/<name>.png (the whole page). */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Registers beforeAll/afterAll for one browser per test file. */
export function useUiBrowser(): { readonly context: BrowserContext; open(url: string): Promise<OpenedPage> } {
  let browser: UiBrowser | undefined;
  beforeAll(async () => {
    browser = await launchUiBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get context() {
      if (!browser) throw new Error('the browser starts in beforeAll');
      return browser.context;
    },
    open(url: string) {
      return openPage(this.context, url);
    },
  };
}

/** The hostile payloads the UI tests plant set window.__x when they run: it must stay unset. */
export async function expectNoScriptRan(page: Page): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __x?: number }).__x)).toBeUndefined();
}

/** Each [path, status, text]: the page answers with that status, its #error-message contains the text, no script ran. */
export async function expectErrorPages(browser: { open(url: string): Promise<OpenedPage> }, base: string, cases: readonly (readonly [string, number, string])[]): Promise<void> {
  for (const [url, code, text] of cases) {
    const o = await browser.open(`${base}${url}`);
    expect([url, o.status]).toEqual([url, code]);
    expect(await o.page.locator('#error-message').innerText()).toContain(text);
    await expectNoScriptRan(o.page);
    await o.page.close();
  }
}
