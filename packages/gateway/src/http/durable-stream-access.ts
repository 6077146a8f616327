/**
 * Who may touch which Durable Stream: a generation's log is readable only by its
 * tenant (another tenant gets 404, as if it did not exist) — the tenant comes from the
 * generation's record, so any node can decide; every other stream lives in its tenant's
 * own namespace, so tenants cannot see or collide with each other's paths. Reads need the
 * `read` scope, writes `generate`. The record lookup happens in `authorize` (an async
 * hook before the route), for the URL's stream and for a fork's source alike, so
 * `resolvePath` stays a pure mapping.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HEADER } from '../delivery/durable-streams/protocol-headers.ts';
import { forkSourcePath, toStorePath } from '../delivery/durable-streams/stream-path.ts';
import type { GenerationRecord } from '../generation/generation-record.ts';
import { GENERATION_STREAM_PREFIX } from '../generation/generation-service.ts';
import { StreamNotFoundError } from '../store/stream-store.ts';
import { callerOf } from './auth/caller.ts';
import { requireScope } from './auth/require-scope.ts';
import { canAccessTenant } from './auth/tenant-access.ts';
import type { GatewayContext } from './gateway-context.ts';

const readScope = requireScope('read');
const writeScope = requireScope('generate');

type StreamRequest = FastifyRequest<{ Params: { '*'?: string } }>;

export function durableStreamAccess(context: GatewayContext) {
  /** The records `authorize` looked up, kept for the rest of the request. */
  const checked = new WeakMap<FastifyRequest, GenerationRecord>();

  /** Throws 404 unless the caller's tenant owns the generation whose log `path` is. */
  async function checkGenerationLog(request: FastifyRequest, path: string): Promise<void> {
    if (!path.startsWith(GENERATION_STREAM_PREFIX)) return;
    const record = await context.generations.record(path.slice(GENERATION_STREAM_PREFIX.length));
    if (!record || !canAccessTenant(callerOf(request), record.tenant)) {
      throw new StreamNotFoundError('The stream does not exist');
    }
    checked.set(request, record);
  }

  return {
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
      const wildcard = (request as StreamRequest).params['*'];
      // A malformed path is the route's to refuse, with the protocol's own error.
      if (wildcard !== undefined && wildcard !== '') {
        let path: string | undefined;
        try {
          path = toStorePath(wildcard);
        } catch {
          path = undefined;
        }
        if (path !== undefined) await checkGenerationLog(request, path);
      }
      const forkedFrom = request.headers[HEADER.forkedFrom.toLowerCase()];
      if (typeof forkedFrom === 'string') {
        let source: string | undefined;
        try {
          source = forkSourcePath(forkedFrom);
        } catch {
          source = undefined;
        }
        if (source !== undefined) await checkGenerationLog(request, source);
      }
      return undefined;
    },
  };
}
