/**
 * A body over `limits.bodyBytes` is answered 413 with `Connection: close`, and the client
 * reads that answer: the gateway drains the rest of the body (for a bounded time) before
 * closing, instead of resetting a connection the client is still writing to. Real sockets,
 * since the reset is the point: on the JSON routes and on a Durable Streams append.
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
  options: { announced: number; sent: number; onResponse?: 'destroy' },
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
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: sluice.test\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${options.announced}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(options.sent, 'x'));
  });
}

function expectTooLarge(exchange: RawExchange): void {
  expect(exchange.error).toBeUndefined();
  const [head = '', body = ''] = exchange.response.split('\r\n\r\n');
  expect(head.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
  expect(head.toLowerCase()).toContain('\r\nconnection: close');
  expect(JSON.parse(body).error.code).toBe('SLUICE_ERR_BODY_TOO_LARGE');
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
