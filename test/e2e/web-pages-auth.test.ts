/**
 * In keys mode the pages themselves are public — a browser cannot put a bearer token on a
 * navigation, and the pages hold no data — while every API they call still needs a key.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startGateway({ config: { auth: { mode: 'keys' } } });
});

afterAll(async () => {
  await gateway.close();
});

test('pages and their assets load without a key; the APIs behind them do not', async () => {
  for (const page of ['/', '/dashboard', '/reviews', '/audit']) {
    const response = await fetch(`${gateway.baseUrl}${page}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    expect((await fetch(`${gateway.baseUrl}${asset}`)).status).toBe(200);
  }
  for (const api of ['/v1/stats', '/v1/reviews', '/v1/audit/records', '/v1/models']) {
    const response = await fetch(`${gateway.baseUrl}${api}`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'SLUICE_ERR_UNAUTHENTICATED' } });
  }
});
