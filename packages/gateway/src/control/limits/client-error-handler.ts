/**
 * Answers requests that break before they reach a route (headers too large, a request
 * that took too long to arrive, unparsable HTTP) with catalogue errors in the usual JSON
 * shape, then closes the socket. Node would otherwise answer with an empty body, and
 * Fastify with a shape of its own. Never throws: a broken client must not crash anything.
 */
import type { Socket } from 'node:net';
import { ERROR_CATALOGUE, type ErrorCode, errorBody } from '@sluice/protocol';

interface ClientError extends Error {
  code?: string;
}

function codeFor(error: ClientError): ErrorCode {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'SLUICE_ERR_HEADERS_TOO_LARGE';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'SLUICE_ERR_REQUEST_TIMEOUT';
    default:
      return 'SLUICE_ERR_INVALID_REQUEST';
  }
}

/** Fastify's `clientErrorHandler` option. */
export function handleClientError(error: ClientError, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  try {
    if (socket.writable) {
      const code = codeFor(error);
      const body = JSON.stringify(errorBody(code));
      const status = ERROR_CATALOGUE[code].status;
      socket.write(
        `HTTP/1.1 ${status} ${statusText(status)}\r\n` +
          'Content-Type: application/json; charset=utf-8\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          'Connection: close\r\n\r\n' +
          body,
      );
    }
  } finally {
    socket.destroy();
  }
}

function statusText(status: number): string {
  switch (status) {
    case 400:
      return 'Bad Request';
    case 408:
      return 'Request Timeout';
    case 431:
      return 'Request Header Fields Too Large';
    default:
      return 'Error';
  }
}
