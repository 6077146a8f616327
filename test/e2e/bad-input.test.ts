/**
 * Every kind of bad input gets a 4xx with a stable code in the catalogue's shape — never
 * a 500, never the framework's own body — and the gateway keeps serving. Runs in-process
 * with app.inject().
 */
import { ERROR_CATALOGUE } from '@sluice/protocol';
import fc from 'fast-check';
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

/** `{ error: { code, message } }` and nothing else, with a code of the catalogue. */
function expectCatalogueShape(response: {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}) {
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = JSON.parse(response.body) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(Object.keys(ERROR_CATALOGUE)).toContain(body.error.code);
  expect(ERROR_CATALOGUE[body.error.code as keyof typeof ERROR_CATALOGUE].status).toBe(
    response.statusCode,
  );
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

describe('framework errors answer in the catalogue', () => {
  test.each([
    ['POST', '/v1/generations/%ZZ/cancel'],
    ['POST', '/v1/generations/%C0%AF/cancel'],
    ['GET', '/v1/generations/%E0%A4%A/events'],
    ['GET', '/v1/stream/%ZZ'],
    ['GET', '/%'],
    ['DELETE', '/v1/admin/keys/%FF'],
  ])('%s %s is a 400 SLUICE_ERR_INVALID_URL', async (method, url) => {
    const response = await gateway.app.inject({ method: method as 'GET', url });
    await expectError(response, 400, 'SLUICE_ERR_INVALID_URL');
    expectCatalogueShape(response);
    expect(response.body).not.toContain('FST_ERR');
    // Answered before routing, yet with the headers every answer carries.
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-request-id']).toEqual(expect.any(String));
  });

  test.each([
    ['text/plain', 415, 'SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['application/x-www-form-urlencoded', 415, 'SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['multipart/form-data; boundary=x', 415, 'SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['application/jsonx', 415, 'SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['application/json-seq', 415, 'SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['json', 415, 'SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['application/json;;;', 201, undefined],
  ])('content type %s', async (contentType, status, code) => {
    const response = await postRaw('/v1/generations', JSON.stringify(valid), contentType);
    expect(response.statusCode).toBe(status);
    if (code !== undefined) {
      await expectError(response, status, code);
      expectCatalogueShape(response);
    }
  });

  test('no content type at all is a 415', async () => {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/generations',
      payload: JSON.stringify(valid),
      headers: { 'content-type': undefined },
    });
    await expectError(response, 415, 'SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('JSON media types with parameters are JSON (RFC 9110)', () => {
  test.each([
    'application/json; charset="utf-8"',
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'APPLICATION/JSON; Charset="UTF-8"',
    'application/json ; charset=utf-8',
    'application/vnd.api+json; charset="utf-8"',
  ])('%s', async (contentType) => {
    const response = await postRaw('/v1/generations', JSON.stringify(valid), contentType);
    expect(response.statusCode).toBe(201);
  });

  test('a quoted charset still gets the strict JSON parser', async () => {
    await expectError(
      await postRaw('/v1/chat/completions', '{"model": ', 'application/json; charset="utf-8"'),
      400,
      'SLUICE_ERR_INVALID_JSON',
    );
  });
});

test('fuzzed paths, methods and content types never bypass the catalogue', async () => {
  const segment = fc.oneof(
    fc.constantFrom('v1', 'generations', 'stream', 'cancel', 'events', 'admin', 'keys'),
    fc.constantFrom('%ZZ', '%C0%AF', '%', '%2', '%E0%A4%A', '%00', '%2F..', '..', '%FF%FE'),
    fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/),
  );
  const contentType = fc.constantFrom(
    undefined,
    'application/json',
    'application/json; charset="utf-8"',
    'text/plain',
    'application/xml',
    'application/json; charset',
    '*/*',
    'application/',
  );
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
      fc.array(segment, { minLength: 1, maxLength: 5 }),
      contentType,
      fc.constantFrom('', '{', '{}', '[]', 'x'.repeat(5000)),
      async (method, segments, type, payload) => {
        const response = await gateway.app.inject({
          method: method as 'GET',
          url: `/${segments.join('/')}`,
          headers: { 'content-type': type },
          ...(method === 'GET' || method === 'HEAD' ? {} : { payload }),
        });
        expect(response.statusCode).toBeLessThan(500);
        if (response.statusCode >= 400 && method !== 'HEAD') expectCatalogueShape(response);
        expect(response.body).not.toContain('FST_ERR');
      },
    ),
    { numRuns: 300 },
  );
});

test('the gateway keeps serving after all of the above', async () => {
  expect((await gateway.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  const response = await postRaw('/v1/chat/completions', JSON.stringify(valid));
  expect(response.statusCode).toBe(200);
  expect((response.json() as { choices: unknown[] }).choices).toHaveLength(1);
});
