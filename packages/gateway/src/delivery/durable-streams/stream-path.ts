/**
 * Maps URLs under `/v1/stream/` to store paths (`/v1/stream/generations/abc` is the
 * stream `generations/abc`) and rejects paths that could escape that namespace.
 */
import { ProtocolRequestError } from './protocol-headers.ts';

export const STREAM_URL_PREFIX = '/v1/stream/';

const MAX_PATH_LENGTH = 1024;

/** Validates the part of the URL after the prefix, already percent-decoded by the router. */
export function toStorePath(wildcard: string | undefined): string {
  const path = wildcard ?? '';
  if (path.length === 0 || path.length > MAX_PATH_LENGTH) {
    throw new ProtocolRequestError('The stream path is empty or too long');
  }
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new ProtocolRequestError('The stream path has an empty or relative segment');
    }
  }
  for (let index = 0; index < path.length; index++) {
    const code = path.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) {
      throw new ProtocolRequestError('The stream path contains control characters');
    }
  }
  return path;
}

/** `Stream-Forked-From` names the source by URL path (or absolute URL) on this server. */
export function forkSourcePath(value: string): string {
  let pathname = value;
  if (!value.startsWith('/')) {
    try {
      pathname = new URL(value).pathname;
    } catch {
      throw new ProtocolRequestError('Stream-Forked-From must be a stream URL');
    }
  }
  const withoutQuery = pathname.split('?')[0] ?? '';
  if (!withoutQuery.startsWith(STREAM_URL_PREFIX)) {
    throw new ProtocolRequestError('Stream-Forked-From must name a stream on this server');
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(withoutQuery.slice(STREAM_URL_PREFIX.length));
  } catch {
    throw new ProtocolRequestError('Stream-Forked-From is not a valid URL path');
  }
  return toStorePath(decoded);
}
