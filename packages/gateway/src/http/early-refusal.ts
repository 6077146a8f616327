/**
 * Every early refusal is read by the client. A request refused before its body was read
 * (401, 403, 404, 413, 415, 429, a bad URL, …) would otherwise leave the client writing
 * into a connection the server is done with: kept alive, Node reads and discards the rest
 * of the body for as long as it keeps coming; closed (the client asked for
 * `Connection: close`), the kernel answers the remaining bytes with a reset and the client
 * reports that instead of the answer.
 *
 * So an error answer over HTTP/1 whose body is still arriving says `Connection: close`,
 * and the lingering close (`control/limits/lingering-close.ts`) first drains the rest of
 * the body for at most `limits.bodyDrainMs`. The same holds for the errors Fastify
 * answers outside the request lifecycle (a bad URL): `frameworkErrorHandler` answers
 * those with the catalogue, the security headers and the same bounded drain.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { drainRequestBody } from '../control/limits/lingering-close.ts';
import { frameworkErrorCode } from './framework-errors.ts';
import { HttpError, sendError } from './http-error.ts';

/** An HTTP/1 request that announced a body the gateway has not received in full. */
export function bodyStillArriving(request: IncomingMessage): boolean {
  if (request.httpVersionMajor !== 1 || request.complete || request.readableEnded) return false;
  const { headers } = request;
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

export function registerEarlyRefusalClose(app: FastifyInstance): void {
  // Callback style, like the lingering close: every answer passes here.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode >= 400 && bodyStillArriving(request.raw)) {
      reply.header('connection', 'close');
    }
    done(null, payload);
  });
}

export interface FrameworkErrorHandlerOptions {
  /** Longest wait for the rest of the refused body, as `limits.bodyDrainMs`. */
  drainMs: number;
  /** Headers every answer carries (security headers); `x-request-id` is added. */
  headers: Readonly<Record<string, string>>;
}

/**
 * Fastify's `frameworkErrors` option: answers the errors raised before a request has a
 * route (a path with bad percent-encoding, an over-long parameter). Hooks do not run for
 * these answers, so this sets what they would have set.
 */
export function frameworkErrorHandler(
  options: FrameworkErrorHandlerOptions,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    const code = frameworkErrorCode(error) ?? 'SLUICE_ERR_INVALID_REQUEST';
    reply.headers(options.headers).header('x-request-id', request.id);
    const answer = () => {
      sendError(reply, new HttpError(code));
    };
    if (!bodyStillArriving(request.raw)) {
      answer();
      return;
    }
    reply.header('connection', 'close');
    void drainRequestBody(request.raw, options.drainMs).then(answer);
  };
}
