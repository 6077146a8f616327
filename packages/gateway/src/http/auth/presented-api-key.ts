/**
 * Finds the API key a request presents: `Authorization: Bearer <key>`, or `x-api-key`
 * for clients that cannot set Authorization. An Authorization header in any other shape
 * presents no key (and is answered like a missing one), rather than falling back to
 * `x-api-key`, so a request never carries two credentials that could disagree. For the
 * same reason a credential header sent twice is refused outright
 * (`hasDuplicateCredentials`): Node keeps only the first Authorization and joins
 * x-api-key values, and a proxy in front may pick the other one.
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

function isCredentialHeader(name: string): boolean {
  // Lengths first: most header names are neither, and this runs on every keyed request.
  if (name.length === 13) return name.toLowerCase() === 'authorization';
  if (name.length === 9) return name.toLowerCase() === 'x-api-key';
  return false;
}

/**
 * True when Authorization or x-api-key appears more than once in the request head
 * (`rawHeaders`, which keeps every line as sent: alternating names and values).
 */
export function hasDuplicateCredentials(
  headers: IncomingHttpHeaders,
  rawHeaders: readonly string[],
): boolean {
  if (headers.authorization === undefined && headers['x-api-key'] === undefined) return false;
  let authorization = 0;
  let apiKey = 0;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] ?? '';
    if (!isCredentialHeader(name)) continue;
    if (name.length === 13) authorization += 1;
    else apiKey += 1;
  }
  return authorization > 1 || apiKey > 1;
}
