/**
 * HTTP hygiene: SSE over HTTP/2 (no hop-by-hop headers), CORS allowlist (Durable Streams
 * included), security headers, request ids and trace context carried to the upstream;
 * the DNS-rebinding defence of open mode and duplicate credentials, over real sockets.
 */
import { type IncomingHttpHeaders, request } from 'node:http';
import { connect } from 'node:http2';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type FakeOpenAiUpstream,
  startFakeOpenAiUpstream,
} from '../helpers/fake-openai-upstream.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request through `node:http`, which (unlike fetch) sends any Host and repeated headers. */
function rawRequest(
  baseUrl: string,
  path: string,
  options: { method?: string; headers?: Record<string, string | string[]> } = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: hostname, port, path, method: options.method ?? 'GET' },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (text: string) => {
          body += text;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    // An array value is sent as one header line per item.
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      outgoing.setHeader(name, value);
    }
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function corsHeadersOf(headers: Headers): string[] {
  return [...headers.keys()].filter((name) => name.startsWith('access-control-'));
}

describe('HTTP/2', () => {
  let server: RunningGateway;
  beforeAll(async () => {
    server = await startGateway({ config: { http: { http2: true } } });
  });
  afterAll(async () => {
    await server.close();
  });

  test('streams SSE over h2c without hop-by-hop headers', async () => {
    const session = connect(server.baseUrl);
    try {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/v1/generations',
        'content-type': 'application/json',
        accept: 'text/event-stream',
      });
      stream.end(
        JSON.stringify({
          model: 'simulator',
          messages: [{ role: 'user', content: 'hi' }],
          maxTokens: 5,
        }),
      );
      const headers = await new Promise<Record<string, unknown>>((resolve) =>
        stream.once('response', resolve),
      );
      expect(headers[':status']).toBe(200);
      expect(headers['content-type']).toContain('text/event-stream');
      expect(headers.connection).toBeUndefined();
      const events: EventSourceMessage[] = [];
      const parser = createParser({ onEvent: (event) => events.push(event) });
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => parser.feed(chunk));
      await new Promise((resolve) => stream.once('end', resolve));
      expect(events.map((event) => event.event)).toContain('response-finish');
      expect(events.at(-1)?.event).toBe('response-final');
    } finally {
      session.close();
    }
  });
});

describe('HTTP/1.1 hygiene', () => {
  let upstream: FakeOpenAiUpstream;
  let server: RunningGateway;
  beforeAll(async () => {
    upstream = await startFakeOpenAiUpstream({ tokens: ['ok'] });
    server = await startGateway({
      config: {
        http: { cors: { allowedOrigins: ['https://app.example'] } },
        models: [{ name: 'up', provider: 'openai-compatible', baseUrl: upstream.baseUrl }],
      },
    });
  });
  afterAll(async () => {
    await server.close();
    await upstream.close();
  });

  test('CORS answers only allowed origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.baseUrl}/v1/generations`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      });
    const allowed = await preflight('https://app.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const denied = await preflight('https://evil.example');
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('security headers and request ids on answers; ids and trace context go upstream', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const response = await fetch(`${server.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-123', traceparent },
      body: JSON.stringify({ model: 'up', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-request-id')).toBe('req-123');
    const forwarded = upstream.requests.at(-1)?.headers;
    expect(forwarded?.['x-request-id']).toBe('req-123');
    // The upstream call is a child of the caller's trace.
    expect(String(forwarded?.traceparent)).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-/);
  });

  test('a request id that is not an id is replaced', async () => {
    const response = await fetch(`${server.baseUrl}/healthz`, {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('CORS on Durable Streams follows http.cors', () => {
  let closed: RunningGateway;
  let allowing: RunningGateway;
  beforeAll(async () => {
    closed = await startGateway();
    allowing = await startGateway({
      config: { http: { cors: { allowedOrigins: ['https://app.example'] } } },
    });
    for (const server of [closed, allowing]) {
      const created = await fetch(`${server.baseUrl}/v1/stream/cors-test`, {
        method: 'PUT',
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      });
      expect(created.status).toBe(201);
    }
  });
  afterAll(async () => {
    await closed.close();
    await allowing.close();
  });

  test('without http.cors a stream answer carries no CORS header, preflight included', async () => {
    const read = await fetch(`${closed.baseUrl}/v1/stream/cors-test?offset=-1`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(read.status).toBe(200);
    expect(corsHeadersOf(read.headers)).toEqual([]);
    const preflight = await fetch(`${closed.baseUrl}/v1/stream/cors-test`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(corsHeadersOf(preflight.headers)).toEqual([]);
  });

  test('with http.cors only the allowed origin is named, never *', async () => {
    const read = await fetch(`${allowing.baseUrl}/v1/stream/cors-test?offset=-1`, {
      headers: { origin: 'https://app.example' },
    });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(read.headers.get('access-control-expose-headers')).toContain('Stream-Next-Offset');
    expect(read.headers.get('vary')).toContain('Origin');

    const preflight = await fetch(`${allowing.baseUrl}/v1/stream/cors-test`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'stream-ttl, producer-id',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('stream-ttl');

    for (const origin of ['https://evil.example', 'null']) {
      const foreign = await fetch(`${allowing.baseUrl}/v1/stream/cors-test?offset=-1`, {
        headers: { origin },
      });
      expect(foreign.status).toBe(200);
      expect(corsHeadersOf(foreign.headers), origin).toEqual([]);
      const foreignPreflight = await fetch(`${allowing.baseUrl}/v1/stream/cors-test`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
      expect(corsHeadersOf(foreignPreflight.headers), origin).toEqual([]);
    }
  });
});

describe('open mode answers loopback names only (DNS rebinding)', () => {
  let server: RunningGateway;
  beforeAll(async () => {
    server = await startGateway();
  });
  afterAll(async () => {
    await server.close();
  });

  test('Host: evil.example is refused, on every route', async () => {
    for (const [method, path] of [
      ['GET', '/v1/models'],
      ['GET', '/v1/admin/keys'],
      ['POST', '/v1/generations'],
      ['GET', '/v1/stream/generations/gen_0123456789abcdef0123456789abcdef'],
      ['GET', '/metrics'],
    ] as const) {
      const answer = await rawRequest(server.baseUrl, path, {
        method,
        headers: { host: 'evil.example', 'content-type': 'application/json' },
      });
      expect(answer.status, path).toBe(403);
      expect(JSON.parse(answer.body).error.code).toBe('SLUICE_ERR_HOST_NOT_ALLOWED');
    }
    const { port } = new URL(server.baseUrl);
    const rebound = await rawRequest(server.baseUrl, '/v1/models', {
      headers: { host: `evil.example:${port}` },
    });
    expect(rebound.status).toBe(403);
  });

  test('loopback names and addresses are served', async () => {
    const { port } = new URL(server.baseUrl);
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      'app.localhost',
    ]) {
      const answer = await rawRequest(server.baseUrl, '/v1/models', { headers: { host } });
      expect(answer.status, host).toBe(200);
    }
  });
});

test('two Authorization headers are a 400 with a stable code', async () => {
  const server = await startGateway();
  try {
    const created = await fetch(`${server.baseUrl}/v1/admin/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'acme', name: 'k', scopes: ['read'] }),
    });
    const { key } = (await created.json()) as { key: string };
    const single = await rawRequest(server.baseUrl, '/v1/models', {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(single.status).toBe(200);
    for (const authorization of [
      [`Bearer ${key}`, 'Bearer sk-sluice-someone-else'],
      ['Bearer sk-sluice-someone-else', `Bearer ${key}`],
    ]) {
      const answer = await rawRequest(server.baseUrl, '/v1/models', { headers: { authorization } });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toEqual({
        error: {
          code: 'SLUICE_ERR_DUPLICATE_CREDENTIALS',
          message:
            'The request presents a credential header (Authorization or x-api-key) more than once',
        },
      });
    }
  } finally {
    await server.close();
  }
});
