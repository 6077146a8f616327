/**
 * A strict JSON body parser: the body must be valid UTF-8 (a lossy decode would silently
 * change what the user sent) and valid JSON, each failure with its own 400 code.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-error.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

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
  app.addContentTypeParser(
    /^application\/(.+\+)?json$/,
    { parseAs: 'buffer' },
    (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}
