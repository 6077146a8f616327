/**
 * Who may touch which Durable Stream: a generation's log is readable only by its
 * tenant (another tenant gets 404, as if it did not exist); every other stream lives in
 * its tenant's own namespace, so tenants cannot see or collide with each other's paths.
 * Reads need the `read` scope, writes `generate`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { StreamNotFoundError } from '../store/stream-store.ts';
import { callerOf } from './auth/caller.ts';
import { requireScope } from './auth/require-scope.ts';
import { canAccessTenant } from './auth/tenant-access.ts';
import type { GatewayContext } from './gateway-context.ts';

const GENERATIONS = 'generations/';
const readScope = requireScope('read');
const writeScope = requireScope('generate');

export function durableStreamAccess(context: GatewayContext) {
  return {
    resolvePath(request: FastifyRequest, path: string): string {
      const caller = callerOf(request);
      if (path.startsWith(GENERATIONS)) {
        const generation = context.generations.get(path.slice(GENERATIONS.length));
        if (!generation || !canAccessTenant(caller, generation.tenant)) {
          throw new StreamNotFoundError('The stream does not exist');
        }
        return path;
      }
      return `tenants/${caller.tenant}/${path}`;
    },
    authorize(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
      const reads = request.method === 'GET' || request.method === 'HEAD';
      return (reads ? readScope : writeScope)(request, reply);
    },
  };
}
