/**
 * A strict JSON body parser: the body must be valid UTF-8 (a lossy decode would silently
 * change what the user sent) and valid JSON, each failure with its own 400 code.
 *
 * `application/json` and any `application/*+json`, whatever the parameters: Fastify
 * matches the pattern against the header as it normalises it (`type/subtype; name="value"`,
 * every value quoted), so `charset=utf-8` and `charset="utf-8"` are the same media type
 * (RFC 9110), as they must be. Parameters change nothing: JSON is UTF-8 (RFC 8259 defines
 * no charset), and the decoder refuses anything else.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-error.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** `application/json` or `application/<anything>+json`, then the end or parameters. */
const JSON_MEDIA_TYPE = /^application\/(?:[^\s;/]+\+)?json(?:;|$)/;

export function parseJsonBody(body: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new HttpError('SLUICE_ERR_INVALID_UTF8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError('SLUICE_ERR_INVALID_JSON');
  }
}

export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(JSON_MEDIA_TYPE, { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
