/**
 * The query of a Durable Streams read: `offset` (at most once, never empty), `live`
 * (`long-poll` or `sse`, which require an offset) and `cursor`. Parsed from the raw URL
 * so repeated parameters are seen; unknown parameters are ignored.
 */
import { ProtocolRequestError } from './protocol-headers.ts';

export interface ReadQuery {
  offset: string | undefined;
  live: 'long-poll' | 'sse' | undefined;
  cursor: string | undefined;
}

export function parseReadQuery(url: string): ReadQuery {
  const queryStart = url.indexOf('?');
  const parameters = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
  const offsets = parameters.getAll('offset');
  if (offsets.length > 1) throw new ProtocolRequestError('Send the offset parameter once');
  const offset = offsets[0];
  if (offset === '') throw new ProtocolRequestError('The offset parameter is empty');
  const live = parameters.get('live') ?? undefined;
  if (live !== undefined && live !== 'long-poll' && live !== 'sse') {
    throw new ProtocolRequestError('live must be long-poll or sse');
  }
  if (live !== undefined && offset === undefined) {
    throw new ProtocolRequestError('Live reads need an offset');
  }
  return { offset, live, cursor: parameters.get('cursor') ?? undefined };
}
