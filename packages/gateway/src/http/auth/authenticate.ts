/**
 * The authentication hook: every request (unknown routes included, so probing them
 * reveals nothing) presents an API key, or is answered 401 before its body is read.
 * In open mode — no keys at all, loopback only, decided at start by `resolveOpenMode` —
 * every request is the `default` tenant with every scope.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyStore } from '../../control/tenants/api-key-store.ts';
import { sendError } from '../http-error.ts';
import { unauthenticatedError } from './auth-errors.ts';
import { OPEN_MODE_CALLER } from './caller.ts';
import { presentedApiKey } from './presented-api-key.ts';

/** Probes that load balancers and orchestrators call without credentials. */
export const DEFAULT_PUBLIC_ROUTES: readonly string[] = ['/healthz', '/readyz'];

export interface AuthenticatorOptions {
  keys: ApiKeyStore;
  /** Open mode: every request is the default tenant's (loopback only). May change at run time. */
  openMode: boolean | (() => boolean);
  /** Route patterns (as registered, e.g. `/healthz`) that need no key. */
  publicRoutes?: readonly string[];
}

export type AuthenticationHook = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply | undefined>;

export function createAuthenticator(options: AuthenticatorOptions): AuthenticationHook {
  const publicRoutes = new Set(options.publicRoutes ?? DEFAULT_PUBLIC_ROUTES);
  const { keys, openMode } = options;
  const isOpen = typeof openMode === 'function' ? openMode : () => openMode;
  return async (request, reply) => {
    if (isOpen()) {
      request.caller = OPEN_MODE_CALLER;
      return undefined;
    }
    const route = request.routeOptions.url;
    if (route !== undefined && publicRoutes.has(route)) return undefined;
    const presented = presentedApiKey(request.headers);
    const caller = presented === undefined ? undefined : await keys.authenticate(presented);
    if (caller === undefined) return sendError(reply, unauthenticatedError());
    request.caller = caller;
    return undefined;
  };
}

/**
 * Declares `request.caller` on the root instance and adds the hook there, so it runs for
 * every route and for the not-found handler. Call before registering routes.
 */
export function registerAuthentication(app: FastifyInstance, options: AuthenticatorOptions): void {
  app.decorateRequest('caller', undefined);
  app.addHook('onRequest', createAuthenticator(options));
}
