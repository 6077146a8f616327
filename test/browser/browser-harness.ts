/**
 * Headless Debian Chromium for the browser tests, driven by `playwright-core` (never a
 * downloaded browser): a fresh user-data directory per launch, screenshots under
 * `test-results/browser/`, and a record of console errors and CSP violations so a test
 * can assert the pages ran clean. Without `/usr/bin/chromium` the suites skip, except
 * in CI, where they must run.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Skip only on a developer box without Chromium; CI must run the browser tests. */
export const SKIP_BROWSER_TESTS = !existsSync(CHROMIUM_PATH) && !process.env.CI;
if (SKIP_BROWSER_TESTS) {
  console.warn(
    `Browser tests skipped: ${CHROMIUM_PATH} is missing (apt-get install chromium). ` +
      'They never skip when CI is set.',
  );
}

export const ARTIFACTS_DIR = resolve(import.meta.dirname, '..', '..', 'test-results', 'browser');

export interface BrowserSession {
  context: BrowserContext;
  /** Console errors and page errors seen so far, CSP violations included. */
  problems: string[];
  newPage(): Promise<Page>;
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<BrowserSession> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'sluice-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 700 },
  });
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
  };
  context.on('page', watch);
  for (const page of context.pages()) watch(page);
  return {
    context,
    problems,
    newPage: () => context.newPage(),
    screenshot: async (page, name) => {
      await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
