/**
 * HTTP hygiene: SSE over HTTP/2 (no hop-by-hop headers), CORS allowlist, security
 * headers, and request ids and trace context carried to the upstream.
 */
import { connect } from 'node:http2';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type FakeOpenAiUpstream,
  startFakeOpenAiUpstream,
} from '../helpers/fake-openai-upstream.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

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
