/**
 * Connection limits over real sockets (the socket is the point): oversized headers get a
 * 431 with a catalogue body and the server keeps serving; a silent client connection is
 * closed. Plus the start-time check that idle timeouts cannot cut healthy streams.
 */
import { once } from 'node:events';
import { type AddressInfo, connect } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, test } from 'vitest';
import { handleClientError } from './client-error-handler.ts';
import {
  type HttpConnectionSettings,
  type IdleTimeoutsInput,
  idleTimeoutProblems,
  idleTimeoutsSchema,
  serverLimitOptions,
  upstreamIdleSettings,
} from './connection-limits.ts';

const HTTP_DEFAULTS: HttpConnectionSettings = {
  maxHeaderBytes: 16 * 1024,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 72_000,
};

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(
  http: Partial<HttpConnectionSettings>,
  idle: IdleTimeoutsInput = {},
): Promise<number> {
  app = Fastify({
    ...serverLimitOptions({ ...HTTP_DEFAULTS, ...http }, idleTimeoutsSchema.parse(idle)),
    clientErrorHandler: handleClientError,
  });
  app.get('/ok', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/** Sends raw bytes and collects everything until the server closes the connection. */
async function exchange(port: number, request: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(request);
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('utf8');
}

describe('connection limits', () => {
  test('headers over headerBytes get 431 with a catalogue body, and the server lives on', async () => {
    const port = await serve({ maxHeaderBytes: 2048 });
    const response = await exchange(
      port,
      `GET /ok HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(4096)}\r\n\r\n`,
    );
    expect(response.startsWith('HTTP/1.1 431 ')).toBe(true);
    const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as unknown;
    expect(body).toEqual({
      error: { code: 'SLUICE_ERR_HEADERS_TOO_LARGE', message: 'The request headers are too large' },
    });
    const fine = await fetch(`http://127.0.0.1:${port}/ok`);
    expect(fine.status).toBe(200);
  });

  test('malformed HTTP gets 400 with a catalogue body', async () => {
    const port = await serve({});
    const response = await exchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(response.startsWith('HTTP/1.1 400 ')).toBe(true);
    expect(response).toContain('"code":"SLUICE_ERR_INVALID_REQUEST"');
  });

  test('a client connection that stays silent is closed', async () => {
    const port = await serve({ keepAliveTimeoutMs: 200 }, { clientMs: 200 });
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    // Nothing is sent: the server's idle timeout is what ends this wait.
    await once(socket, 'close');
    expect(socket.destroyed).toBe(true);
  });

  test('maps the settings onto Fastify and the upstream pool', () => {
    const idle = idleTimeoutsSchema.parse({});
    expect(serverLimitOptions(HTTP_DEFAULTS, idle)).toEqual({
      connectionTimeout: 120_000,
      keepAliveTimeout: 72_000,
      requestTimeout: 60_000,
      http: { maxHeaderSize: 16_384 },
    });
    expect(upstreamIdleSettings(idleTimeoutsSchema.parse({ upstreamMs: 5_000 }))).toEqual({
      idleTimeoutMs: 5_000,
    });
  });

  test('idle timeouts shorter than heartbeats or long-polls are reported with their path', () => {
    const streams = { heartbeatIntervalMs: 15_000, longPollTimeoutMs: 20_000 };
    expect(idleTimeoutProblems(idleTimeoutsSchema.parse({}), streams)).toEqual([]);
    const short = idleTimeoutsSchema.parse({ clientMs: 10_000 });
    const problems = idleTimeoutProblems(short, streams);
    expect(problems).toHaveLength(2);
    for (const problem of problems) expect(problem.path).toBe('limits.idleTimeouts.clientMs');
  });
});
