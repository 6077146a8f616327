/**
 * The operator pages in headless Chromium against a real gateway: the dashboard draws its
 * charts from `/v1/stats` and `/metrics`, and the audit page lists records and verifies
 * the chain. (The review page is exercised with the chat in `playground.test.ts`.)
 * Screenshots land in `test-results/browser/`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { type BrowserSession, launchBrowser, SKIP_BROWSER_TESTS } from './browser-harness.ts';

let server: RunningGateway;
let browser: BrowserSession;

/** Runs one short simulator generation to the end, so stats, metrics and audit have data. */
async function generateOnce(): Promise<string> {
  const response = await fetch(`${server.baseUrl}/v1/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({
      model: 'simulator',
      messages: [{ role: 'user', content: 'Hello' }],
      maxTokens: 8,
      simulator: { ttftMs: 0, tokenIntervalMs: 1 },
    }),
  });
  await response.text(); // the whole stream, through response-final
  return response.headers.get('sluice-generation-id') ?? '';
}

describe.skipIf(SKIP_BROWSER_TESTS)('operator pages in Chromium', () => {
  beforeAll(async () => {
    server = await startGateway();
    await generateOnce();
    await generateOnce();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the dashboard draws live charts from /v1/stats and /metrics', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/dashboard`);
    await page.getByTestId('stats-summary').waitFor();
    for (const title of ['Time to first token', 'Tokens per second', 'Active streams']) {
      // A series with data has points (a lone point draws nothing visible: wait for it in the DOM).
      await page
        .locator(`figure[data-chart="${title}"] polyline[points*=","]`)
        .first()
        .waitFor({ state: 'attached' });
    }
    await page.locator('figure[data-chart="Verdicts"] rect.bar-approved').waitFor();
    expect(await page.getByRole('img', { name: 'Cancel rate' }).count()).toBe(1);
    expect(await page.getByTestId('stats-summary').textContent()).toMatch(/2 started/);
    await browser.screenshot(page, 'dashboard');
    expect(browser.problems).toEqual([]);
    await page.close();
  });

  test('the audit page lists records and verifies the chain', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.baseUrl}/audit`);
    await page.locator('tr[data-sequence="1"]').waitFor();
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const verdict = page.locator('[data-verify]');
    await verdict.waitFor();
    expect(await verdict.getAttribute('data-verify')).toBe('ok');
    expect(await verdict.textContent()).toMatch(/Chain verified: \d+ records/);
    await browser.screenshot(page, 'audit');
    expect(browser.problems).toEqual([]);
    await page.close();
  });
});
