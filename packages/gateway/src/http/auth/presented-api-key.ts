/**
 * Finds the API key a request presents: `Authorization: Bearer <key>`, or `x-api-key`
 * for clients that cannot set Authorization. An Authorization header in any other shape
 * presents no key (and is answered like a missing one), rather than falling back to
 * `x-api-key`, so a request never carries two credentials that could disagree.
 */
import type { IncomingHttpHeaders } from 'node:http';

const BEARER = /^Bearer +([^\s]+) *$/i;

export function presentedApiKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) return BEARER.exec(authorization)?.[1];
  const apiKey = headers['x-api-key'];
  if (typeof apiKey !== 'string') return undefined;
  const trimmed = apiKey.trim();
  return trimmed === '' ? undefined : trimmed;
}
