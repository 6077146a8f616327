/**
 * Who is making a request, as the authenticator established it, and the Fastify type
 * augmentation that puts it on `request.caller`. Routes read the tenant from here to
 * scope what they show; they never trust a tenant named in the request itself.
 */
import type { FastifyRequest } from 'fastify';
import {
  API_KEY_SCOPES,
  type ApiKeyScope,
  type AuthenticatedApiKey,
} from '../../control/tenants/api-key-store.ts';
import { unauthenticatedError } from './auth-errors.ts';

export type Caller = AuthenticatedApiKey;

/** Every request in open mode (no keys, loopback only) is this caller. */
export const OPEN_MODE_CALLER: Caller = Object.freeze({
  tenant: 'default',
  keyId: 'open',
  scopes: Object.freeze([...API_KEY_SCOPES]) as readonly ApiKeyScope[],
});

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authenticator before any handler runs; absent only on public routes. */
    caller?: Caller;
  }
}

/** The request's caller; a 401 if the route was public and so never authenticated. */
export function callerOf(request: FastifyRequest): Caller {
  if (request.caller === undefined) throw unauthenticatedError();
  return request.caller;
}
