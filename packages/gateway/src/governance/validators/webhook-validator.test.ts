import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validationContext } from './validation-context-fixture.ts';
import type { Validator } from './validator.ts';
import type { WebhookRule } from './validators-policy.ts';
import { createWebhookValidator } from './webhook-validator.ts';

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

interface ReceivedRequest {
  method: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

let handler: Handler;
const received: ReceivedRequest[] = [];
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    received.push({ method: request.method, headers: request.headers, body });
    handler(request, response, body);
  });
});
let baseUrl: string;

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

beforeEach(() => {
  received.length = 0;
});

function answerWith(status: number, body: string): Handler {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body);
  };
}

function webhook(overrides: Partial<WebhookRule> = {}): Validator {
  return createWebhookValidator({
    url: `${baseUrl}/check`,
    timeoutMs: 2_000,
    failMode: 'closed',
    onFail: 'reject',
    ...overrides,
  });
}

const context = validationContext({ contentSha256: 'a'.repeat(64), policyVersion: 'v7' });

describe('webhook validator', () => {
  it('posts the answer as JSON with the configured headers and passes on "pass"', async () => {
    handler = answerWith(200, '{"verdict":"pass"}');
    const validator = webhook({ headers: { authorization: 'Bearer token-1' } });
    expect(await validator.validate('Hello 👋', context)).toEqual({
      name: 'webhook',
      passed: true,
    });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.authorization).toBe('Bearer token-1');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      generationId: 'gen_test',
      model: 'simulator',
      provider: 'simulator',
      policyVersion: 'v7',
      finishReason: 'stop',
      text: 'Hello 👋',
      contentSha256: 'a'.repeat(64),
    });
  });

  it('fails on "fail" in either fail mode, passing on a cleaned, shortened reason', async () => {
    const reason = `contains\u0000 medical\nclaims ${'x'.repeat(300)}`;
    handler = answerWith(200, JSON.stringify({ verdict: 'fail', reason, extra: 1 }));
    for (const failMode of ['open', 'closed'] as const) {
      const result = await webhook({ failMode }).validate('text', context);
      expect(result.passed).toBe(false);
      expect(result.detail).toMatch(/^webhook failed the answer: contains medical claims x+…$/);
      expect(result.detail?.length).toBeLessThan(260);
    }
    handler = answerWith(200, '{"verdict":"fail"}');
    expect(await webhook().validate('text', context)).toEqual({
      name: 'webhook',
      passed: false,
      detail: 'webhook failed the answer',
    });
  });

  it('follows the fail mode when the webhook does not answer in time', async () => {
    handler = () => {
      // Never answers: only the validator's deadline ends the wait.
    };
    const startedAt = performance.now();
    const open = await webhook({ failMode: 'open', timeoutMs: 50 }).validate('text', context);
    const closed = await webhook({ failMode: 'closed', timeoutMs: 50 }).validate('text', context);
    expect(performance.now() - startedAt).toBeLessThan(5_000);
    expect(open).toEqual({
      name: 'webhook',
      passed: true,
      detail: 'webhook unavailable (no answer within 50 ms); passed because failMode is open',
    });
    expect(closed).toEqual({
      name: 'webhook',
      passed: false,
      detail: 'webhook unavailable (no answer within 50 ms); failed because failMode is closed',
    });
  });

  it('times out a webhook that sends headers and then stalls in the body', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"verdict":');
    };
    const result = await webhook({ failMode: 'closed', timeoutMs: 50 }).validate('text', context);
    expect(result.passed).toBe(false);
    expect(result.detail).toMatch(/^webhook unavailable \((no answer within 50 ms|reading)/);
  });

  const unavailable: [string, Handler, string][] = [
    ['HTTP 500', answerWith(500, '{"verdict":"pass"}'), 'HTTP 500'],
    ['a redirect', answerWith(302, ''), 'HTTP 302'],
    ['garbage', answerWith(200, '<html>oops</html>'), 'answer is not JSON'],
    [
      'JSON without a verdict',
      answerWith(200, '{"verdict":"maybe"}'),
      'answer lacks a "verdict" of "pass" or "fail"',
    ],
    ['an oversized answer', answerWith(200, ' '.repeat(70_000)), 'answer larger than 64 KiB'],
  ];

  for (const [label, respond, why] of unavailable) {
    it(`follows the fail mode on ${label}`, async () => {
      handler = respond;
      expect(await webhook({ failMode: 'open' }).validate('text', context)).toEqual({
        name: 'webhook',
        passed: true,
        detail: `webhook unavailable (${why}); passed because failMode is open`,
      });
      expect(await webhook({ failMode: 'closed' }).validate('text', context)).toEqual({
        name: 'webhook',
        passed: false,
        detail: `webhook unavailable (${why}); failed because failMode is closed`,
      });
    });
  }

  it('follows the fail mode when the connection is refused', async () => {
    const closedServer = createServer();
    closedServer.listen(0, '127.0.0.1');
    await once(closedServer, 'listening');
    const { port } = closedServer.address() as AddressInfo;
    closedServer.close();
    await once(closedServer, 'close');
    const url = `http://127.0.0.1:${port}/check`;
    const open = await webhook({ url, failMode: 'open' }).validate('text', context);
    const closed = await webhook({ url, failMode: 'closed' }).validate('text', context);
    expect(open.passed).toBe(true);
    expect(open.detail).toBe(
      'webhook unavailable (request failed: ECONNREFUSED); passed because failMode is open',
    );
    expect(closed.passed).toBe(false);
  });
});
