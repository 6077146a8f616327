/**
 * The playground in headless Chromium against a real gateway (simulator models, plus a
 * local OpenAI-compatible upstream whose answer carries HTML): streaming, resume after a
 * reload without duplicated text, Stop, Regenerate, Jump to latest, inert model HTML,
 * and a review decided on `/reviews` reaching the chat. Screenshots land in
 * `test-results/browser/`; the first-render figures in `first-render.json` there.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type FakeOpenAiUpstream,
  startFakeOpenAiUpstream,
} from '../helpers/fake-openai-upstream.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import {
  ARTIFACTS_DIR,
  type BrowserSession,
  launchBrowser,
  SKIP_BROWSER_TESTS,
} from './browser-harness.ts';

const HOSTILE_TOKENS = [
  'Look: ',
  '<img src=x onerror="window.__pwned = 1">',
  ' and ',
  '<script>window.__pwned = 2</script>',
  ' then **bold** text.',
];

/** `expect.poll` with room for a busy two-core box (its default is one second). */
const eventually = <T>(read: () => Promise<T> | T) =>
  expect.poll(read, { timeout: 15_000, interval: 50 });

let server: RunningGateway;
let upstream: FakeOpenAiUpstream;
let browser: BrowserSession;

async function admin(method: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function record(id: string): Promise<{ status: string; text: string }> {
  const response = await fetch(`${server.baseUrl}/v1/generations/${id}`);
  return (await response.json()) as { status: string; text: string };
}

/** A fresh playground tab (fresh sessionStorage) with the given request options. */
async function openPlayground(options: Record<string, string>): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${server.baseUrl}/`);
  await eventually(() => page.getByLabel('Model').locator('option').count()).toBeGreaterThan(1);
  for (const [label, value] of Object.entries(options)) {
    if (label === 'Model') await page.getByLabel('Model').selectOption(value);
    else await page.getByLabel(label, { exact: true }).fill(value);
  }
  return page;
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

const lastAnswer = (page: Page) => page.locator('[data-role="assistant"]').last();

async function finished(page: Page): Promise<string> {
  const answer = lastAnswer(page);
  await answer.and(page.locator('[data-phase="finished"]')).waitFor({ timeout: 20_000 });
  const id = await answer.getAttribute('data-generation-id');
  expect(id).toMatch(/^gen_/);
  return id ?? '';
}

const shownText = (page: Page) =>
  lastAnswer(page).locator('[data-testid="answer-source"]').textContent();

describe.skipIf(SKIP_BROWSER_TESTS)('playground in Chromium', () => {
  beforeAll(async () => {
    upstream = await startFakeOpenAiUpstream({ tokens: HOSTILE_TOKENS, intervalMs: 5 });
    server = await startGateway({
      config: {
        models: [
          { name: 'simulator', provider: 'simulator' },
          { name: 'reviewed', provider: 'simulator' },
          { name: 'hostile', provider: 'openai-compatible', baseUrl: upstream.baseUrl },
        ],
      },
    });
    const published = await admin('POST', '/v1/policies/browser-review/versions', {
      validators: { length: { maxChars: 5, onFail: 'flag' } },
      review: { holdStreamUntilDecided: true },
    });
    expect(published.status).toBe(201);
    const bound = await admin('PUT', '/v1/policy-bindings', {
      model: 'reviewed',
      policy: 'browser-review',
    });
    expect(bound.status).toBeLessThan(300);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await upstream?.close();
  });

  test('streams an answer with its verdict, timings and first-render figures', async () => {
    const page = await openPlayground({ 'Max tokens': '30', 'Token interval (ms)': '10' });
    const render = await page.evaluate(() => {
      const navigation = performance.getEntriesByType('navigation')[0] as
        | PerformanceNavigationTiming
        | undefined;
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      return {
        domContentLoadedMs: navigation?.domContentLoadedEventEnd ?? null,
        loadMs: navigation?.loadEventEnd ?? null,
        firstContentfulPaintMs: paint?.startTime ?? null,
      };
    });
    await writeFile(
      join(ARTIFACTS_DIR, 'first-render.json'),
      `${JSON.stringify(render, null, 2)}\n`,
    );
    console.log('playground first render', render);

    await send(page, 'Tell me about rivers.');
    await eventually(() => lastAnswer(page).getAttribute('data-phase')).toMatch(/streaming|fin/);
    const id = await finished(page);
    await lastAnswer(page).locator('[data-verdict="approved"]').waitFor();
    const view = await record(id);
    expect(view.status).toBe('finished');
    expect(view.text.length).toBeGreaterThan(0);
    expect(await shownText(page)).toBe(view.text);
    expect(await lastAnswer(page).getByTestId('message-metrics').textContent()).toMatch(
      /TTFT \d+ ms · [\d.]+ tok\/s · 30 tokens · length/,
    );
    await browser.screenshot(page, 'playground-streamed');
    expect(browser.problems).toEqual([]);
    await page.close();
  });

  test('a reload mid-stream resumes from the stored offset without duplicated text', async () => {
    const page = await openPlayground({ 'Max tokens': '250', 'Token interval (ms)': '15' });
    await send(page, 'A long story, please.');
    await eventually(
      async () => ((await lastAnswer(page).locator('.answer').textContent()) ?? '').length,
    ).toBeGreaterThan(40);
    await page.reload();
    const id = await finished(page);
    expect(await page.locator('[data-role="assistant"]').count()).toBe(1);
    expect(await shownText(page)).toBe((await record(id)).text);
    await browser.screenshot(page, 'playground-resumed');
    await page.close();
  });

  test('Stop cancels the generation', async () => {
    const page = await openPlayground({ 'Max tokens': '3000', 'Token interval (ms)': '20' });
    await send(page, 'Go on forever.');
    await eventually(
      async () => ((await lastAnswer(page).locator('.answer').textContent()) ?? '').length,
    ).toBeGreaterThan(10);
    await page.getByRole('button', { name: 'Stop' }).click();
    const id = await finished(page);
    const view = await record(id);
    expect(view.status).toBe('cancelled');
    expect(await shownText(page)).toBe(view.text);
    expect(await lastAnswer(page).getByTestId('message-metrics').textContent()).toContain(
      'cancelled',
    );
    await page.close();
  });

  test('Regenerate re-runs the last user message as a new generation', async () => {
    const page = await openPlayground({ 'Max tokens': '12', 'Token interval (ms)': '5' });
    await send(page, 'Name a river.');
    const first = await finished(page);
    await page.getByRole('button', { name: 'Regenerate' }).click();
    await eventually(() => lastAnswer(page).getAttribute('data-generation-id')).not.toBe(first);
    const second = await finished(page);
    expect(second).not.toBe(first);
    expect(await page.locator('[data-role="user"]').count()).toBe(1);
    expect(await page.locator('[data-role="assistant"]').count()).toBe(1);
    expect(await shownText(page)).toBe((await record(second)).text);
    await page.close();
  });

  test('Jump to latest appears when scrolled up during a long answer and scrolls to the end', async () => {
    // A hundred tokens a second: long enough to overflow soon, gentle on a shared box.
    const page = await openPlayground({ 'Max tokens': '3000', 'Token interval (ms)': '10' });
    await send(page, 'Write at length.');
    const messages = page.getByTestId('messages');
    await eventually(() =>
      messages.evaluate((element) => element.scrollHeight / element.clientHeight),
    ).toBeGreaterThan(1.5);
    const jump = page.getByRole('button', { name: 'Jump to latest' });
    expect(await jump.count()).toBe(0);
    await messages.evaluate((element) => {
      element.scrollTop = 0;
    });
    await jump.waitFor();
    await browser.screenshot(page, 'playground-jump-to-latest');
    await jump.click();
    const distance = await messages.evaluate(
      (element) => element.scrollHeight - element.scrollTop - element.clientHeight,
    );
    expect(distance).toBeLessThanOrEqual(24);
    await eventually(() => jump.count()).toBe(0);
    await page.getByRole('button', { name: 'Stop' }).click();
    await finished(page);
    await page.close();
  });

  test('HTML in a model answer renders as inert text', async () => {
    const page = await openPlayground({ Model: 'hostile', 'Max tokens': '50' });
    await send(page, 'Say something hostile.');
    await finished(page);
    const answer = lastAnswer(page);
    expect(await answer.locator('.answer').textContent()).toContain(
      '<img src=x onerror="window.__pwned = 1">',
    );
    expect(await answer.locator('.answer').textContent()).toContain('<script>');
    expect(await answer.locator('img, script, iframe').count()).toBe(0);
    expect(await answer.locator('.answer strong').textContent()).toBe('bold');
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    await browser.screenshot(page, 'playground-inert-html');
    expect(browser.problems).toEqual([]);
    await page.close();
  });

  test('a review decided on /reviews reaches the chat', async () => {
    const page = await openPlayground({ Model: 'reviewed', 'Max tokens': '10' });
    await send(page, 'Something a reviewer should see.');
    const id = await finished(page);
    await lastAnswer(page).locator('[data-verdict="flagged"]').waitFor();

    const reviews = await browser.newPage();
    await reviews.goto(`${server.baseUrl}/reviews`);
    const item = reviews.locator(`.review-item[data-generation-id="${id}"]`);
    await item.waitFor();
    await browser.screenshot(reviews, 'reviews-pending');
    await item.getByRole('button', { name: 'Approve' }).click();
    await reviews
      .getByRole('status')
      .filter({ hasText: 'delivered to the waiting stream' })
      .waitFor();

    await lastAnswer(page).locator('[data-verdict="approved"]').waitFor();
    expect(await lastAnswer(page).locator('[data-review-decision]').textContent()).toContain(
      'approved by operator',
    );
    await browser.screenshot(page, 'playground-review-approved');
    await reviews.close();
    await page.close();
  });
});
