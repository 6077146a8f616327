/**
 * The authentication hook: every request (unknown routes included, so probing them
 * reveals nothing) presents an API key, or is answered 401 before its body is read.
 * A credential header sent twice is a 400 in every mode. In open mode — no keys,
 * loopback only, decided by `resolveOpenMode` — every request addressed to a loopback
 * host is the `default` tenant with every scope; any other Host is refused (DNS
 * rebinding, see `loopback-host-header.ts`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyStore } from '../../control/tenants/api-key-store.ts';
import { sendError } from '../http-error.ts';
import {
  duplicateCredentialsError,
  hostNotAllowedError,
  unauthenticatedError,
} from './auth-errors.ts';
import { OPEN_MODE_CALLER } from './caller.ts';
import { isLoopbackHostHeader } from './loopback-host-header.ts';
import { hasDuplicateCredentials, presentedApiKey } from './presented-api-key.ts';

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
    const { headers } = request;
    if (hasDuplicateCredentials(headers, request.raw.rawHeaders)) {
      return sendError(reply, duplicateCredentialsError());
    }
    if (isOpen()) {
      const host = headers.host ?? (headers[':authority'] as string | undefined);
      if (!isLoopbackHostHeader(host)) return sendError(reply, hostNotAllowedError());
      request.caller = OPEN_MODE_CALLER;
      return undefined;
    }
    const route = request.routeOptions.url;
    if (route !== undefined && publicRoutes.has(route)) return undefined;
    const presented = presentedApiKey(headers);
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
