/**
 * Short, stable reasons for failed benchmark requests, used as the keys of the error
 * counts. Built from error codes and statuses only: never from messages or bodies, which
 * can echo headers (API keys) or prompt text.
 */

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

const REASONS_BY_CODE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  UND_ERR_SOCKET: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return errorCode((error as { cause?: unknown }).cause);
}

/** The reason for an error thrown while sending a request or reading its response. */
export function reasonForError(error: unknown): string {
  const code = errorCode(error);
  if (code === undefined) return 'request failed';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  return REASONS_BY_CODE[code] ?? `request failed (${code})`;
}

/** The reason for a non-2xx status, with the body's error code when it has a safe one. */
export function reasonForStatus(status: number, kind: string | undefined): string {
  return kind === undefined ? `status ${status}` : `status ${status} (${kind})`;
}
