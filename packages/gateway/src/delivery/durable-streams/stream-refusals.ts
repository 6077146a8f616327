/**
 * Writes the gateway's stream limits refuse, each with its catalogue code: a JSON append
 * with more messages than allowed (413), a lifetime beyond the longest allowed (400), a
 * fork of a read-only stream (403). Answered like every Sluice error; the messages name
 * the limit, never the caller.
 */
import type { ErrorCode } from '@sluice/protocol';
import { errorGuard, SluiceError } from '../../errors/sluice-error.ts';

export type StreamRefusalCode = Extract<
  ErrorCode,
  | 'SLUICE_ERR_TOO_MANY_MESSAGES'
  | 'SLUICE_ERR_STREAM_TTL_TOO_LONG'
  | 'SLUICE_ERR_STREAM_FORK_REFUSED'
>;

export class StreamRefusedError extends SluiceError {
  static override readonly isInstance = errorGuard<StreamRefusedError>('StreamRefusedError');
  override readonly name = 'StreamRefusedError';
  readonly code: StreamRefusalCode;

  constructor(code: StreamRefusalCode, message: string) {
    super(message);
    this.code = code;
  }
}
