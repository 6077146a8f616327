/**
 * What a reader is told when reading the log fails after its response was committed —
 * Redis went away, or the stream's data became unreadable: a `response-error` event with
 * the failure's catalogue code and retryability (`SLUICE_ERR_BACKEND_UNAVAILABLE`,
 * retryable, for an outage), and the catalogue's message, never the driver's (it may name
 * addresses). The event is the connection's, not the log's: it carries no offset, so a
 * client that resumes from the last `id` it received loses nothing.
 */
import { ERROR_CATALOGUE, type ErrorCode, type ResponseErrorEvent } from '@sluice/protocol';

export function deliveryFailureEvent(error: unknown): ResponseErrorEvent {
  const { code, retryable } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    retryable?: unknown;
  };
  const known: ErrorCode =
    typeof code === 'string' && code in ERROR_CATALOGUE
      ? (code as ErrorCode)
      : 'SLUICE_ERR_INTERNAL';
  const entry = ERROR_CATALOGUE[known];
  return {
    type: 'response-error',
    code: known,
    message: entry.message,
    retryable: typeof retryable === 'boolean' ? retryable : entry.retryable,
  };
}
