/**
 * A body over `limits.bodyBytes` is answered 413 with `Connection: close`, and the client
 * reads that answer: the gateway drains the rest of the body (for a bounded time) before
 * closing, instead of resetting a connection the client is still writing to. Real sockets,
 * since the reset is the point: on the JSON routes and on a Durable Streams append. Every
 * other early refusal (415, 401, a bad URL) is read the same way, and a large JSON body
 * whose media type has a quoted parameter is JSON.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

const TEN_MEGABYTES = 10 * 1024 * 1024;
const ROUTES = ['/v1/generations', '/v1/stream/some-stream'];

interface RawExchange {
  /** Everything the gateway sent, as text. */
  response: string;
  /** The socket error, if the connection broke rather than ended. */
  error?: string;
}

/**
 * Sends a request over a plain socket, writing `sent` bytes of a body announced as
 * `announced` bytes, and collects the answer until the gateway ends the connection.
 */
function rawPost(
  baseUrl: string,
  path: string,
  options: {
    announced: number;
    sent: number;
    onResponse?: 'destroy';
    contentType?: string;
    /** Extra request header lines, each without its CRLF. */
    headers?: string[];
  },
): Promise<RawExchange> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let response = '';
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      response += text;
      // A client that stopped sending reads the answer, then hangs up itself.
      if (options.onResponse === 'destroy' && /\r\n\r\n\{.*\}\}$/s.test(response)) {
        socket.destroy();
        resolve({ response });
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ response, error: error.code ?? error.message }),
    );
    socket.on('end', () => resolve({ response }));
    const extra = (options.headers ?? []).map((line) => `${line}\r\n`).join('');
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: localhost\r\n` +
        `Content-Type: ${options.contentType ?? 'application/json'}\r\n${extra}` +
        `Content-Length: ${options.announced}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(options.sent, 'x'));
  });
}

function expectAnswer(exchange: RawExchange, statusLine: string, code: string): void {
  expect(exchange.error).toBeUndefined();
  const [head = '', body = ''] = exchange.response.split('\r\n\r\n');
  expect(head.split('\r\n')[0]).toBe(statusLine);
  expect(head.toLowerCase()).toContain('\r\nconnection: close');
  expect(JSON.parse(body).error.code).toBe(code);
}

function expectTooLarge(exchange: RawExchange): void {
  expectAnswer(exchange, 'HTTP/1.1 413 Payload Too Large', 'SLUICE_ERR_BODY_TOO_LARGE');
}

describe('a 10 MB body', () => {
  let server: RunningGateway;
  beforeAll(async () => {
    server = await startGateway();
  });
  afterAll(async () => {
    await server.close();
  });

  test.each(ROUTES)('POSTed with fetch to %s: the 413 is read 20 times out of 20', async (path) => {
    const body = Buffer.alloc(TEN_MEGABYTES, 'x');
    for (let attempt = 0; attempt < 20; attempt++) {
      const response = await fetch(`${server.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(413);
      expect(response.headers.get('connection')).toBe('close');
      const answer = (await response.json()) as { error: { code: string } };
      expect(answer.error.code).toBe('SLUICE_ERR_BODY_TOO_LARGE');
    }
  });

  test.each(ROUTES)('written whole to a socket for %s: a 413, then a clean end', async (path) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      expectTooLarge(
        await rawPost(server.baseUrl, path, { announced: TEN_MEGABYTES, sent: TEN_MEGABYTES }),
      );
    }
  });

  test('the gateway keeps serving on new connections', async () => {
    const response = await fetch(`${server.baseUrl}/v1/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'simulator',
        messages: [{ role: 'user', content: 'hi' }],
        maxTokens: 3,
      }),
    });
    expect(response.status).toBe(201);
  });
});

describe('a client that stops sending its large body', () => {
  let server: RunningGateway;
  beforeAll(async () => {
    // A short window, so the test does not wait long for the drain to give up.
    server = await startGateway({ config: { limits: { bodyDrainMs: 200 } } });
  });
  afterAll(async () => {
    await server.close();
  });

  test.each(ROUTES)('still gets its 413 from %s once the drain window ends', async (path) => {
    const exchange = await rawPost(server.baseUrl, path, {
      announced: TEN_MEGABYTES,
      sent: 2 * 1024 * 1024,
      onResponse: 'destroy',
    });
    expectTooLarge(exchange);
  });
});

describe('early refusals other than 413', () => {
  let server: RunningGateway;
  beforeAll(async () => {
    server = await startGateway();
  });
  afterAll(async () => {
    await server.close();
  });

  test('a 600 KB chat completion sent as application/json; charset="utf-8" is JSON', async () => {
    const body = JSON.stringify({
      model: 'simulator',
      messages: [{ role: 'user', content: 'x'.repeat(600 * 1024) }],
      maxTokens: 3,
    });
    for (const contentType of [
      'application/json; charset="utf-8"',
      'application/json; charset=utf-8',
    ]) {
      const response = await fetch(`${server.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
      });
      expect(response.status, contentType).toBe(200);
      const answer = (await response.json()) as { choices: unknown[] };
      expect(answer.choices).toHaveLength(1);
    }
  });

  test.each(['/v1/generations', '/v1/chat/completions'])(
    'a wrong content type with a 10 MB body: the 415 is read 20 times out of 20 (%s)',
    async (path) => {
      const body = Buffer.alloc(TEN_MEGABYTES, 'x');
      for (let attempt = 0; attempt < 20; attempt++) {
        const response = await fetch(`${server.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body,
        });
        expect(response.status).toBe(415);
        expect(response.headers.get('connection')).toBe('close');
        const answer = (await response.json()) as { error: { code: string } };
        expect(answer.error.code).toBe('SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE');
      }
    },
  );

  test('a 415 to a client that asked for Connection: close is read, not reset', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const exchange = await rawPost(server.baseUrl, '/v1/chat/completions', {
        announced: TEN_MEGABYTES,
        sent: TEN_MEGABYTES,
        contentType: 'text/plain',
        headers: ['Connection: close'],
      });
      expectAnswer(
        exchange,
        'HTTP/1.1 415 Unsupported Media Type',
        'SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE',
      );
    }
  });

  test('a bad URL with a large body: the 400 is read, in the catalogue', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const exchange = await rawPost(server.baseUrl, '/v1/generations/%ZZ/cancel', {
        announced: TEN_MEGABYTES,
        sent: TEN_MEGABYTES,
        headers: ['Connection: close'],
      });
      expectAnswer(exchange, 'HTTP/1.1 400 Bad Request', 'SLUICE_ERR_INVALID_URL');
    }
    const response = await fetch(`${server.baseUrl}/v1/generations/%C0%AF/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(TEN_MEGABYTES, 'x'),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'SLUICE_ERR_INVALID_URL',
    );
  });
});

describe('an unauthenticated large body in keys mode', () => {
  let server: RunningGateway;
  beforeAll(async () => {
    server = await startGateway();
    // The first key, made through the admin API, turns keys mode on.
    const created = await fetch(`${server.baseUrl}/v1/admin/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'acme', name: 'k', scopes: ['generate'] }),
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await server.close();
  });

  test('gets its 401 read, with fetch and over a socket that asked for Connection: close', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await fetch(`${server.baseUrl}/v1/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.alloc(TEN_MEGABYTES, 'x'),
      });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'SLUICE_ERR_UNAUTHENTICATED',
      );
    }
    const exchange = await rawPost(server.baseUrl, '/v1/generations', {
      announced: TEN_MEGABYTES,
      sent: TEN_MEGABYTES,
      headers: ['Connection: close'],
    });
    expectAnswer(exchange, 'HTTP/1.1 401 Unauthorized', 'SLUICE_ERR_UNAUTHENTICATED');
  });
});
