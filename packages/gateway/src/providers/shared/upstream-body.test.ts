import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { postEventStream } from './post-event-stream.ts';

interface Upstream {
  url: string;
  connections: Socket[];
  closed: Promise<void>[];
  responses: ServerResponse[];
  /** Per response: resolves once the server has written all of it. */
  finished: Promise<unknown>[];
  server: Server;
}

let upstream: Upstream | undefined;
const agent = new Agent();

afterEach(async () => {
  upstream?.server.closeAllConnections();
  upstream?.server.close();
  upstream = undefined;
});

async function startUpstream(answer: (response: ServerResponse) => void): Promise<Upstream> {
  const connections: Socket[] = [];
  const closed: Promise<void>[] = [];
  const responses: ServerResponse[] = [];
  const finished: Promise<unknown>[] = [];
  const server = createServer((request, response) => {
    request.resume();
    responses.push(response);
    finished.push(once(response, 'finish'));
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    answer(response);
  });
  server.on('connection', (socket: Socket) => {
    connections.push(socket);
    closed.push(once(socket, 'close').then(() => undefined));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  upstream = {
    url: `http://127.0.0.1:${port}/v1/chat`,
    connections,
    closed,
    responses,
    finished,
    server,
  };
  return upstream;
}

function post(url: string, signal?: AbortSignal) {
  return postEventStream({ url, headers: {}, body: '{}', dispatcher: agent, signal });
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<string> {
  let text = '';
  for await (const chunk of body) text += Buffer.from(chunk).toString('utf8');
  return text;
}

describe('UpstreamBody', () => {
  it('relays every chunk in order and ends with the response', async () => {
    const { url } = await startUpstream((response) => {
      for (let index = 0; index < 50; index += 1) response.write(`data: ${index}\n\n`);
      response.end();
    });
    const text = await readAll(await post(url));
    const expected = Array.from({ length: 50 }, (_, index) => `data: ${index}\n\n`).join('');
    expect(text).toBe(expected);
  });

  it('keeps the keep-alive socket when a completed answer is released', async () => {
    const server = await startUpstream((response) => {
      response.write('data: [DONE]\n\n');
      // A short tail after the final event is drained, not a reason to drop the socket.
      setImmediate(() => response.end(': bye\n\n'));
    });
    for (let round = 0; round < 3; round += 1) {
      const body = await post(server.url);
      const first = await body.next();
      expect(first.done).toBe(false);
      body.release(true);
      await server.finished[round];
      // Let the client parse the end of the response and put the socket back in its pool.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(server.connections).toHaveLength(1);
    expect(server.connections[0]?.destroyed).toBe(false);
  });

  it('closes the socket when an unfinished answer is released', async () => {
    const server = await startUpstream((response) => {
      response.write('data: first\n\n');
    });
    const body = await post(server.url);
    await body.next();
    body.release(false);
    await server.closed[0];
    expect(body.finished).toBe(true);
    expect(await body.next()).toEqual({ done: true, value: undefined });
  });

  it('aborting the signal mid-body closes the socket and rejects the pending read', async () => {
    const server = await startUpstream((response) => {
      response.write('data: first\n\n');
    });
    const controller = new AbortController();
    const body = await post(server.url, controller.signal);
    await body.next();
    const pending = body.next();
    controller.abort(new Error('client went away'));
    await expect(pending).rejects.toThrow('client went away');
    await server.closed[0];
  });

  it('pauses the upstream while the reader does not read, and loses nothing', async () => {
    const total = 32 * 1024 * 1024;
    const piece = Buffer.alloc(64 * 1024, 'x');
    let flushed = 0;
    const server = await startUpstream((response) => {
      const writeMore = (): void => {
        while (flushed < total) {
          flushed += piece.byteLength;
          const more = response.write(piece);
          if (flushed >= total) response.end();
          if (!more) {
            response.once('drain', writeMore);
            return;
          }
        }
      };
      writeMore();
    });
    const body = await post(server.url);
    const first = await body.next();
    expect(first.done).toBe(false);
    // Give the upstream every chance to push the whole answer if nothing paused it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(flushed).toBeLessThan(total);
    let received = first.done ? 0 : first.value.byteLength;
    for await (const chunk of body) received += chunk.byteLength;
    expect(received).toBe(total);
    expect(server.connections).toHaveLength(1);
  });

  it('answers a non-2xx status with a provider error naming the status', async () => {
    const server = createServer((request, response) => {
      request.resume();
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { type: 'overloaded_error' } }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    upstream = { url: '', connections: [], closed: [], responses: [], finished: [], server };
    const { port } = server.address() as AddressInfo;
    await expect(post(`http://127.0.0.1:${port}/v1/chat`)).rejects.toMatchObject({
      code: 'SLUICE_ERR_UPSTREAM_ERROR',
      upstreamStatus: 503,
    });
  });
});
