/**
 * A real loopback HTTP server for provider tests: it replays recorded wire fixtures (raw SSE
 * text), optionally cut into seeded random chunks to prove the parsers do not depend on chunk
 * boundaries, can hold a response open, and records what it received, including when each
 * request's socket closed, so tests wait on events rather than sleeping.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDeferred, type Deferred } from '../shared/deferred.ts';
import { SeededRandom } from '../simulator/seeded-random.ts';

export interface FixtureResponse {
  /** Default 200. */
  status?: number;
  /** Default `content-type: text/event-stream` for a 2xx, `application/json` otherwise. */
  headers?: Record<string, string>;
  /** The raw response body, typically a fixture file's text. */
  body?: string;
  /** Cut the body into random pieces, written one by one, from this seed. */
  chunkSeed?: number;
  /** Keep the response open after the body, until the client goes away. */
  holdOpen?: boolean;
  /** Never answer at all (for header timeouts). */
  neverRespond?: boolean;
  /** Destroy the socket after the body instead of ending the response cleanly. */
  destroyAfterBody?: boolean;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The client's port: equal for two requests means one reused keep-alive socket. */
  remotePort: number | undefined;
  /** Resolves when this request's socket closes, with `performance.now()` at that moment. */
  socketClosed: Promise<number>;
  /** Resolves once the response body (before any hold) has been written. */
  bodyWritten: Promise<void>;
}

export interface FixtureServer {
  baseUrl: string;
  requests: ReceivedRequest[];
  /** The next request to arrive (or the first one not yet taken). */
  nextRequest(): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

export type FixtureResponder = FixtureResponse | ((request: ReceivedRequest) => FixtureResponse);

/** Reads a fixture next to the test: `readFixture(import.meta.url, 'openai-text.sse.txt')`. */
export function readFixture(testModuleUrl: string, name: string): string {
  return readFileSync(new URL(`__fixtures__/${name}`, testModuleUrl), 'utf8');
}

export async function startFixtureServer(responder: FixtureResponder): Promise<FixtureServer> {
  const requests: ReceivedRequest[] = [];
  const waiting: Array<Deferred<ReceivedRequest>> = [];
  let taken = 0;

  const server = createServer(async (incoming, response) => {
    const socketClosed = createDeferred<number>();
    incoming.socket.once('close', () => socketClosed.resolve(performance.now()));
    let body = '';
    for await (const chunk of incoming) body += chunk;
    const bodyWritten = createDeferred();
    const request: ReceivedRequest = {
      method: incoming.method ?? '',
      url: incoming.url ?? '',
      headers: incoming.headers,
      body,
      remotePort: incoming.socket.remotePort,
      socketClosed: socketClosed.promise,
      bodyWritten: bodyWritten.promise,
    };
    requests.push(request);
    const waiter = waiting.shift();
    if (waiter !== undefined) {
      taken += 1;
      waiter.resolve(request);
    }
    const plan = typeof responder === 'function' ? responder(request) : responder;
    await respond(response, plan);
    bodyWritten.resolve();
    if (plan.destroyAfterBody) response.socket?.destroy();
    else if (!plan.holdOpen && !plan.neverRespond) response.end();
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    nextRequest() {
      const arrived = requests[taken];
      if (arrived !== undefined) {
        taken += 1;
        return Promise.resolve(arrived);
      }
      const waiter = createDeferred<ReceivedRequest>();
      waiting.push(waiter);
      return waiter.promise;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function respond(response: ServerResponse, plan: FixtureResponse): Promise<void> {
  if (plan.neverRespond) return;
  const status = plan.status ?? 200;
  const defaultType = status < 300 ? 'text/event-stream' : 'application/json';
  response.writeHead(status, { 'content-type': defaultType, ...plan.headers });
  response.flushHeaders();
  const bytes = Buffer.from(plan.body ?? '', 'utf8');
  for (const piece of splitBytes(bytes, plan.chunkSeed)) {
    await new Promise<void>((resolve) => response.write(piece, () => resolve()));
    // Yield a turn so each piece tends to leave as its own TCP segment.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function splitBytes(bytes: Buffer, seed: number | undefined): Buffer[] {
  if (seed === undefined || bytes.length === 0) return bytes.length === 0 ? [] : [bytes];
  const random = new SeededRandom(seed);
  const pieces: Buffer[] = [];
  let start = 0;
  while (start < bytes.length) {
    const end = Math.min(bytes.length, start + random.integer(1, 48));
    pieces.push(bytes.subarray(start, end));
    start = end;
  }
  return pieces;
}

/** A base URL on which nothing listens: a port we bound and released. */
export async function refusedBaseUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
