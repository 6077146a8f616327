/**
 * Every kind of bad input gets a 4xx with a stable code, never a 500, and the gateway
 * keeps serving. Runs in-process with app.inject().
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../../packages/gateway/src/config/load-config.ts';
import { buildGateway, type Gateway } from '../../packages/gateway/src/http/app.ts';

let gateway: Gateway;

beforeAll(async () => {
  gateway = await buildGateway({
    config: parseConfig({ dataDir: ':memory:', limits: { bodyBytes: 4096, messages: 3 } }),
  });
});
afterAll(async () => {
  await gateway.app.close();
});

const valid = { model: 'simulator', messages: [{ role: 'user', content: 'hi' }], maxTokens: 3 };

async function expectError(
  response: { statusCode: number; json(): unknown },
  status: number,
  code: string,
) {
  expect(response.statusCode).toBe(status);
  const body = response.json() as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
}

function postRaw(url: string, payload: string | Buffer, contentType = 'application/json') {
  return gateway.app.inject({
    method: 'POST',
    url,
    payload,
    headers: { 'content-type': contentType },
  });
}

describe.each(['/v1/generations', '/v1/chat/completions'])('bad bodies on %s', (url) => {
  test('invalid JSON', async () => {
    await expectError(await postRaw(url, '{"model": '), 400, 'SLUICE_ERR_INVALID_JSON');
  });
  test('empty body', async () => {
    await expectError(await postRaw(url, ''), 400, 'SLUICE_ERR_INVALID_JSON');
  });
  test('invalid UTF-8', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"model":"simulator","messages":[{"role":"user","content":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}]}'),
    ]);
    await expectError(await postRaw(url, bytes), 400, 'SLUICE_ERR_INVALID_UTF8');
  });
  test('wrong types', async () => {
    const response = await postRaw(url, JSON.stringify({ ...valid, messages: 'hello' }));
    await expectError(response, 400, 'SLUICE_ERR_INVALID_REQUEST');
    expect((response.json() as { error: { message: string } }).error.message).toContain('messages');
  });
  test('missing model', async () => {
    const { model: _model, ...rest } = valid;
    await expectError(await postRaw(url, JSON.stringify(rest)), 400, 'SLUICE_ERR_INVALID_REQUEST');
  });
  test('unknown model', async () => {
    await expectError(
      await postRaw(url, JSON.stringify({ ...valid, model: 'no-such-model' })),
      404,
      'SLUICE_ERR_MODEL_NOT_FOUND',
    );
  });
  test('empty messages', async () => {
    await expectError(
      await postRaw(url, JSON.stringify({ ...valid, messages: [] })),
      400,
      'SLUICE_ERR_INVALID_REQUEST',
    );
  });
  test('too many messages', async () => {
    const messages = Array.from({ length: 4 }, () => ({ role: 'user', content: 'x' }));
    await expectError(
      await postRaw(url, JSON.stringify({ ...valid, messages })),
      413,
      'SLUICE_ERR_TOO_MANY_MESSAGES',
    );
  });
  test('oversized body', async () => {
    const big = JSON.stringify({
      ...valid,
      messages: [{ role: 'user', content: 'x'.repeat(10_000) }],
    });
    await expectError(await postRaw(url, big), 413, 'SLUICE_ERR_BODY_TOO_LARGE');
  });
  test('a body that is not JSON', async () => {
    await expectError(
      await postRaw(url, 'hello', 'text/plain'),
      415,
      'SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE',
    );
  });
  test('a JSON array instead of an object', async () => {
    await expectError(await postRaw(url, '[1,2]'), 400, 'SLUICE_ERR_INVALID_REQUEST');
  });
});

describe('bad fields on /v1/generations', () => {
  test.each([
    ['negative maxTokens', { maxTokens: -1 }],
    ['fractional maxTokens', { maxTokens: 1.5 }],
    ['temperature out of range', { temperature: 9 }],
    ['unknown onDisconnect', { onDisconnect: 'explode' }],
    ['unknown field', { max_tokens: 3 }],
    ['bad simulator option', { simulator: { ttftMs: 'soon' } }],
    ['bad role', { messages: [{ role: 'wizard', content: 'hi' }] }],
  ])('%s', async (_name, patch) => {
    await expectError(
      await postRaw('/v1/generations', JSON.stringify({ ...valid, ...patch })),
      400,
      'SLUICE_ERR_INVALID_REQUEST',
    );
  });
});

describe('unknown generations and bad offsets', () => {
  const unknown = 'gen_0123456789abcdef0123456789abcdef';
  test.each([
    ['GET', `/v1/generations/${unknown}`],
    ['GET', `/v1/generations/${unknown}/events`],
    ['POST', `/v1/generations/${unknown}/cancel`],
    ['GET', '/v1/generations/not-an-id/events'],
    ['GET', '/v1/generations/..%2F..%2Fetc/events'],
  ])('%s %s is 404', async (method, url) => {
    const response = await gateway.app.inject({ method: method as 'GET', url });
    await expectError(response, 404, 'SLUICE_ERR_GENERATION_NOT_FOUND');
  });

  test('malformed and out-of-range offsets are 400', async () => {
    const created = await postRaw('/v1/generations', JSON.stringify(valid));
    const { id } = created.json() as { id: string };
    for (const offset of ['abc', '-2', '99999999999999999999999', '9999999999999999']) {
      const response = await gateway.app.inject({
        method: 'GET',
        url: `/v1/generations/${id}/events?offset=${offset}`,
      });
      await expectError(response, 400, 'SLUICE_ERR_INVALID_OFFSET');
    }
    const viaHeader = await gateway.app.inject({
      method: 'GET',
      url: `/v1/generations/${id}/events`,
      headers: { 'last-event-id': 'garbage' },
    });
    await expectError(viaHeader, 400, 'SLUICE_ERR_INVALID_OFFSET');
  });

  test('unknown routes are 404 with a code', async () => {
    await expectError(
      await gateway.app.inject({ url: '/v2/nothing' }),
      404,
      'SLUICE_ERR_ROUTE_NOT_FOUND',
    );
  });
});

test('the gateway keeps serving after all of the above', async () => {
  expect((await gateway.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  const response = await postRaw('/v1/chat/completions', JSON.stringify(valid));
  expect(response.statusCode).toBe(200);
  expect((response.json() as { choices: unknown[] }).choices).toHaveLength(1);
});
