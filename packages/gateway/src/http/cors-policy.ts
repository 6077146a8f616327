/**
 * The one CORS policy of the gateway, `http.cors.allowedOrigins`: off (no
 * `Access-Control-*` header on any answer, Durable Streams included) unless origins are
 * listed; then a request from a listed origin (any, with `*`) gets CORS headers naming
 * that origin, and its preflight is answered before authentication (browsers send
 * preflights without credentials). A request from any other origin is handled as if
 * there were no CORS support at all: no header, and its preflight goes on to
 * authentication and routing like any request. Methods and exposed headers cover the
 * native API and the Durable Streams protocol.
 */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import {
  STREAM_CORS_METHODS,
  STREAM_EXPOSED_HEADERS,
} from '../delivery/durable-streams/response-headers.ts';

const EXPOSED_HEADERS = [
  'sluice-generation-id',
  'x-request-id',
  'retry-after',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  ...STREAM_EXPOSED_HEADERS,
];

export async function registerCorsPolicy(
  app: FastifyInstance,
  allowedOrigins: readonly string[],
): Promise<void> {
  if (allowedOrigins.length === 0) return;
  const anyOrigin = allowedOrigins.includes('*');
  const listed = new Set(allowedOrigins);
  await app.register(cors, {
    // `false` switches CORS off for the request, preflight included.
    origin: (origin, callback) => {
      const allowed = origin !== undefined && (anyOrigin || listed.has(origin));
      callback(null, allowed ? origin : false);
    },
    methods: [...STREAM_CORS_METHODS],
    exposedHeaders: EXPOSED_HEADERS,
    // A strict preflight check answers a bare OPTIONS with its own text/plain 400;
    // every answer of the gateway is in the catalogue's shape instead.
    strictPreflight: false,
  });
}
