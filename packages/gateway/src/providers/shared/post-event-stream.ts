/**
 * POSTs a JSON body with undici and returns the response body once the upstream has accepted
 * the request with a 2xx event stream. Everything that fails before that point rejects with a
 * `ProviderError` (or the abort reason), which lets the gateway still answer 502 / 504.
 * undici ties the request to `signal`: aborting destroys the socket, mid-body included.
 */
import { type Dispatcher, request } from 'undici';
import { ProviderError } from '../language-model.ts';
import { abortReason } from './abort-reason.ts';
import { discardBody } from './release-body.ts';
import { errorFromRequestFailure, errorFromStatus, upstreamErrorKind } from './upstream-errors.ts';

export type UpstreamBody = Dispatcher.ResponseData['body'];

export interface PostEventStreamOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  dispatcher: Dispatcher;
  signal: AbortSignal | undefined;
}

/** Error bodies are read only this far: enough for `{ error: { type } }`, bounded memory. */
const ERROR_BODY_LIMIT = 16 * 1024;

export async function postEventStream(options: PostEventStreamOptions): Promise<UpstreamBody> {
  const { signal } = options;
  if (signal?.aborted) throw abortReason(signal);
  let response: Dispatcher.ResponseData;
  try {
    response = await request(options.url, {
      method: 'POST',
      headers: options.headers,
      body: options.body,
      dispatcher: options.dispatcher,
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    if (signal?.aborted) throw abortReason(signal);
    throw errorFromRequestFailure(error);
  }
  const { statusCode, body } = response;
  if (statusCode < 200 || statusCode >= 300) {
    const text = await readBounded(body);
    if (signal?.aborted) throw abortReason(signal);
    throw errorFromStatus(statusCode, upstreamErrorKind(text));
  }
  const contentType = String(response.headers['content-type'] ?? '');
  if (contentType.includes('json')) {
    // The server ignored `stream: true` or answered 2xx with an error document.
    discardBody(body);
    throw new ProviderError({
      code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE',
      message: `The upstream answered with ${contentType.split(';')[0]} instead of an event stream`,
      retryable: false,
      upstreamStatus: statusCode,
    });
  }
  return body;
}

async function readBounded(body: UpstreamBody): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of body) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      if (text.length >= ERROR_BODY_LIMIT) break;
    }
  } catch {
    // The status alone is enough to report; a broken error body adds nothing.
  } finally {
    discardBody(body);
  }
  return text;
}
