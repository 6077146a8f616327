/**
 * Runs the public Durable Streams server conformance suite
 * (@durable-streams/server-conformance-tests) against `/v1/stream/*` over a real socket.
 * The server is built by `startServer` so it can later be swapped for the full gateway.
 */
import { runConformanceTests } from '@durable-streams/server-conformance-tests';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { registerDurableStreams } from '../../packages/gateway/src/delivery/durable-streams/register-durable-streams.ts';
import { MemoryStreamStore } from '../../packages/gateway/src/store/memory-stream-store.ts';

/** Short, so the suite's long-poll timeouts cost about a second each. */
const LONG_POLL_TIMEOUT_MS = 1000;

async function startServer(): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const store = new MemoryStreamStore();
  const app: FastifyInstance = Fastify({ bodyLimit: 16 * 1024 * 1024 });
  await registerDurableStreams(app, { store, longPollTimeoutMs: LONG_POLL_TIMEOUT_MS });
  app.addHook('onClose', async () => store.dispose());
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return { baseUrl, close: () => app.close() };
}

// The suite reads `baseUrl` lazily, so it can be filled in once the server listens.
const options = { baseUrl: '', longPollTimeoutMs: LONG_POLL_TIMEOUT_MS };
let server: Awaited<ReturnType<typeof startServer>> | undefined;

beforeAll(async () => {
  server = await startServer();
  options.baseUrl = server.baseUrl;
});

afterAll(async () => {
  await server?.close();
});

runConformanceTests(options);
