/**
 * Runs the public Durable Streams server conformance suite
 * (@durable-streams/server-conformance-tests) against `/v1/stream/*` of the real
 * gateway over a real socket. The suite's reserved subscription APIs stay off.
 */
import { runConformanceTests } from '@durable-streams/server-conformance-tests';
import { afterAll, beforeAll } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

/** Short, so the suite's long-poll timeouts cost about a second each. */
const LONG_POLL_TIMEOUT_MS = 1000;

// The suite reads `baseUrl` lazily, so it can be filled in once the server listens.
const options = { baseUrl: '', longPollTimeoutMs: LONG_POLL_TIMEOUT_MS };
let server: RunningGateway | undefined;

beforeAll(async () => {
  server = await startGateway({
    config: {
      streams: { longPollTimeoutMs: LONG_POLL_TIMEOUT_MS },
      // The suite checks a browser's preflight: CORS is on only for allowed origins.
      http: { cors: { allowedOrigins: ['*'] } },
    },
  });
  options.baseUrl = server.baseUrl;
});

afterAll(async () => {
  await server?.close();
});

runConformanceTests(options);
