/**
 * Lingering close for bodies the gateway refuses unread. A 413 over `limits.bodyBytes` is
 * decided from `Content-Length` (or the first bytes past the limit), long before the client
 * has finished sending. Node closes a `Connection: close` socket as soon as the answer is
 * written; with the client's bytes still arriving, the kernel then answers them with a
 * reset, and most clients report a broken pipe or a reset instead of the 413 they were sent.
 *
 * So before such an answer leaves, the rest of the body is read and discarded for at most
 * `drainMs` (as nginx's `lingering_close` does), and the answer says `Connection: close`.
 * A client that sends its whole body in time then finds the 413 and a clean end of stream;
 * one that stalls gets the answer when the window ends. HTTP/2 needs none of this: a
 * refused stream is reset on its own and the connection carries on.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

export interface LingeringCloseOptions {
  /** Longest wait for the rest of a refused body; 0 answers (and closes) at once. */
  drainMs: number;
}

/** The whole body was received (`complete`) or already read to its end. */
function hasArrived(request: IncomingMessage): boolean {
  return request.complete || request.readableEnded;
}

/**
 * Reads and discards what is left of a request body. Resolves when the body ended, the
 * request closed or failed, or `drainMs` passed, whichever comes first; never rejects.
 */
export function drainRequestBody(request: IncomingMessage, drainMs: number): Promise<void> {
  if (hasArrived(request) || request.destroyed || drainMs <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      request.off('end', finish);
      request.off('close', finish);
      request.off('error', finish);
      resolve();
    };
    const timer = setTimeout(finish, drainMs);
    request.once('end', finish);
    request.once('close', finish);
    // A failing upload (reset, bad chunk framing) just ends the wait: the answer is being
    // sent anyway and Node reports the socket's fate itself.
    request.once('error', finish);
    // No 'data' listener: flowing without one discards each chunk as it is parsed.
    request.resume();
  });
}

/** True when this answer would close an HTTP/1 connection with the body still arriving. */
function closesOverUnreadBody(request: IncomingMessage, statusCode: number, connection: unknown) {
  if (request.httpVersionMajor !== 1 || hasArrived(request)) return false;
  return statusCode === 413 || connection === 'close';
}

export function registerLingeringClose(app: FastifyInstance, options: LingeringCloseOptions): void {
  // Callback style: every JSON answer passes here, and the usual one should not pay for a
  // promise to learn that it has nothing to wait for.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!closesOverUnreadBody(request.raw, reply.statusCode, reply.getHeader('connection'))) {
      done(null, payload);
      return;
    }
    reply.header('connection', 'close');
    void drainRequestBody(request.raw, options.drainMs).then(() => done(null, payload));
  });
}
