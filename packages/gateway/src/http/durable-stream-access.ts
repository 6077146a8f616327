/**
 * Who may touch which Durable Stream, and what it may cost them. A generation's log is
 * readable only by its tenant (another tenant gets 404, as if it did not exist) — the
 * tenant comes from the generation's record, so any node can decide; every other stream
 * lives in its tenant's own namespace, so tenants cannot see or collide with each other's
 * paths. Reads need the `read` scope, writes `generate`. The record lookup happens in
 * `authorize` (an async hook before the route), so `resolvePath` stays a pure mapping.
 *
 * `authorize` also applies the admission of the generation routes: creates and appends
 * spend from the caller's requests per minute; a live read (SSE, long-poll) of a tenant
 * stream holds a concurrent-stream slot of the tenant, key and client address until its
 * response ends (generation logs take theirs in their reader policy). `writePolicy` gives
 * the routes the configured lifetimes, message cap and the tenant's stream budget, which
 * the store keeps (count and bytes per tenant, across nodes for a shared store).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StreamWritePolicy } from '../delivery/durable-streams/durable-streams-context.ts';
import { parseReadQuery } from '../delivery/durable-streams/read-query.ts';
import { toStorePath } from '../delivery/durable-streams/stream-path.ts';
import type { GenerationRecord } from '../generation/generation-record.ts';
import { GENERATION_STREAM_PREFIX } from '../generation/generation-service.ts';
import { StreamNotFoundError } from '../store/stream-store.ts';
import { callerOf } from './auth/caller.ts';
import { requireScope } from './auth/require-scope.ts';
import { canAccessTenant } from './auth/tenant-access.ts';
import type { GatewayContext } from './gateway-context.ts';
import { admitStream } from './start-generation.ts';

const readScope = requireScope('read');
const writeScope = requireScope('generate');

type StreamRequest = FastifyRequest<{ Params: { '*'?: string } }>;

/** The URL's store path, or undefined when malformed (the route refuses it itself). */
function storePathOf(request: FastifyRequest): string | undefined {
  const wildcard = (request as StreamRequest).params['*'];
  if (wildcard === undefined || wildcard === '') return undefined;
  try {
    return toStorePath(wildcard);
  } catch {
    return undefined;
  }
}

/** Whether the request follows the stream live; a malformed query is the route's to refuse. */
function isLiveRead(request: FastifyRequest): boolean {
  if (request.method !== 'GET') return false;
  try {
    return parseReadQuery(request.url).live !== undefined;
  } catch {
    return false;
  }
}

export function durableStreamAccess(context: GatewayContext) {
  /** The records `authorize` looked up, kept for the rest of the request. */
  const checked = new WeakMap<FastifyRequest, GenerationRecord>();
  const streams = context.config.streams;

  /** Throws 404 unless the caller's tenant owns the generation whose log `path` is. */
  async function checkGenerationLog(request: FastifyRequest, path: string): Promise<void> {
    if (!path.startsWith(GENERATION_STREAM_PREFIX)) return;
    const record = await context.generations.record(path.slice(GENERATION_STREAM_PREFIX.length));
    if (!record || !canAccessTenant(callerOf(request), record.tenant)) {
      throw new StreamNotFoundError('The stream does not exist');
    }
    checked.set(request, record);
  }

  /** The admission of the generation routes, for stream writes and live reads. */
  async function admit(
    request: FastifyRequest,
    reply: FastifyReply,
    path: string | undefined,
  ): Promise<void> {
    if (request.method === 'PUT' || request.method === 'POST') {
      const caller = callerOf(request);
      reply.headers(
        await context.quotas.admitRequest({ tenant: caller.tenant, keyId: caller.keyId }),
      );
      return;
    }
    if (!isLiveRead(request) || path?.startsWith(GENERATION_STREAM_PREFIX) === true) return;
    const lease = await admitStream(context, request);
    // Ends with the response, however it ends (answered, timed out, client gone).
    reply.raw.once('close', () => lease.release());
  }

  const writePolicy: StreamWritePolicy = {
    defaultTtlSeconds: streams.defaultTtlSeconds,
    maxTtlSeconds: streams.maxTtlSeconds,
    maxMessagesPerAppend: streams.maxMessagesPerAppend,
    budgetOf: (request) => ({
      account: callerOf(request).tenant,
      maxStreams: streams.maxStreamsPerTenant,
      maxBytes: streams.maxBytesPerTenant,
    }),
  };

  return {
    writePolicy,
    /** A generation's record as this request's check found it, else from the store. */
    async recordFor(request: FastifyRequest, id: string): Promise<GenerationRecord | undefined> {
      const record = checked.get(request);
      return record?.id === id ? record : context.generations.record(id);
    },
    resolvePath(request: FastifyRequest, path: string): string {
      if (path.startsWith(GENERATION_STREAM_PREFIX)) return path;
      return `tenants/${callerOf(request).tenant}/${path}`;
    },
    async authorize(
      request: FastifyRequest,
      reply: FastifyReply,
    ): Promise<FastifyReply | undefined> {
      const reads = request.method === 'GET' || request.method === 'HEAD';
      const refused = await (reads ? readScope : writeScope)(request, reply);
      if (refused) return refused;
      const path = storePathOf(request);
      if (path !== undefined) await checkGenerationLog(request, path);
      // Forks of generation logs are refused by the route, whoever owns the log.
      await admit(request, reply, path);
      return undefined;
    },
  };
}
