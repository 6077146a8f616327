/**
 * `JSON.parse` for an SSE `data` field that turns a syntax error into a typed bad-response
 * error. The `SyntaxError` is not kept as the cause: its message quotes the input, which is
 * model output or prompt text.
 */
import { malformedChunkError } from './upstream-errors.ts';

export function parseJsonData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw malformedChunkError('invalid JSON');
  }
}
