/**
 * The content hash recorded in `response-final`: hex SHA-256 of the UTF-8 bytes of
 * exactly the text clients received, so an auditor can match it against any copy.
 */
import { createHash } from 'node:crypto';

export function contentSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
