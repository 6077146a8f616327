/**
 * `GET /v1/ws`: the WebSocket transport (docs/websocket.md). The upgrade is authenticated
 * like any request when it carries `Authorization: Bearer` (or `x-api-key`): a refused
 * key is the same 401, before the upgrade. Without one (browsers cannot set headers on a
 * WebSocket) the connection opens unauthenticated and must send an `auth` frame first.
 * Browsers do not apply CORS to WebSockets, so an upgrade from a page of another origin
 * is refused (403) unless `http.cors.allowedOrigins` lists it.
 *
 * This route is public to the gateway's authentication hook (it authenticates itself);
 * open mode still applies there, so in open mode the caller is set before it runs.
 */
import websocket from '@fastify/websocket';
import { WS_CLOSE_CODES } from '@sluice/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WebSocketConnection, type WebSocketPeer } from '../../delivery/websocket-connection.ts';
import { unauthenticatedError } from '../auth/auth-errors.ts';
import { presentedApiKey } from '../auth/presented-api-key.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { HttpError, sendError } from '../http-error.ts';
import { generationRequestSchema } from '../request-schemas.ts';
import { WebSocketSession } from './websocket-session.ts';

export const WEBSOCKET_ROUTE = '/v1/ws';

export async function websocketRoutes(
  app: FastifyInstance,
  context: GatewayContext,
): Promise<void> {
  const { config } = context;
  const settings = config.streams.websocket;
  const keys = context.governance.apiKeys;
  await app.register(websocket, {
    options: { maxPayload: settings.maxPayloadBytes, perMessageDeflate: false },
    // `ws` closes a connection that broke the protocol (1009 for a frame too large, 1002)
    // itself and then reports it here; a reset by the client lands here too.
    errorHandler: (error, _socket, request) => {
      request.log.debug({ err: error }, 'websocket connection error');
    },
    // Connections close themselves on shutdown (1001), once their readers received the
    // terminal events of the generations the drain ended (see `buildGateway`).
    preClose: (done) => done(),
  });
  const replies = new WeakMap<FastifyRequest, FastifyReply>();
  const requestSchema = generationRequestSchema(config.limits);
  const allowedOrigins = new Set(config.http.cors.allowedOrigins);

  app.route({
    method: 'GET',
    url: WEBSOCKET_ROUTE,
    onRequest: async (request, reply) => {
      if (!originAllowed(request, allowedOrigins)) {
        return sendError(reply, new HttpError('SLUICE_ERR_FORBIDDEN', 'The origin is not allowed'));
      }
      replies.set(request, reply);
      // Open mode: the authentication hook set the caller.
      if (request.caller !== undefined) return undefined;
      const { headers } = request;
      // No credential at all: the first frame must be `auth`.
      if (headers.authorization === undefined && headers['x-api-key'] === undefined) {
        return undefined;
      }
      const presented = presentedApiKey(headers);
      const caller = presented === undefined ? undefined : await keys.authenticate(presented);
      if (caller === undefined) return sendError(reply, unauthenticatedError());
      request.caller = caller;
      return undefined;
    },
    handler: async () => {
      throw new HttpError(
        'SLUICE_ERR_INVALID_REQUEST',
        `${WEBSOCKET_ROUTE} needs a WebSocket upgrade`,
      );
    },
    wsHandler: (socket, request) => {
      const peer = socket as WebSocketPeer & {
        on(event: 'message', listener: (data: Buffer, binary: boolean) => void): unknown;
      };
      const connection = new WebSocketConnection(peer, request.raw.socket, {
        maxBufferedBytes: config.streams.maxBufferedBytes,
        stalledReaderTimeoutMs: config.streams.stalledReaderTimeoutMs,
        heartbeatIntervalMs: config.streams.heartbeatIntervalMs,
        idleTimeoutMs: config.limits.idleTimeouts.clientMs,
        shutdownSignal: context.shutdownSignal,
      });
      const reply = replies.get(request);
      if (reply === undefined) {
        // Every upgrade passes the onRequest hook above; this would be a bug.
        connection.close('failed', WS_CLOSE_CODES.INTERNAL_ERROR, 'internal error');
        return;
      }
      const session = new WebSocketSession(context, request, reply, connection, {
        maxSubscriptions: settings.maxSubscriptions,
        framesPerSecond: settings.framesPerSecond,
        authTimeoutMs: settings.authTimeoutMs,
        authenticate: (token) => keys.authenticate(token),
        requestSchema,
      });
      peer.on('message', (data, binary) => session.receive(data, binary));
    },
  });
}

/**
 * True without an Origin (not a browser), for a page of the gateway's own origin, or for
 * one `http.cors.allowedOrigins` lists (`*`: any).
 */
function originAllowed(request: FastifyRequest, allowed: ReadonlySet<string>): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || allowed.has('*') || allowed.has(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    // An Origin that is not a URL names no origin that could be allowed.
    return false;
  }
}
