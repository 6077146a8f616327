/**
 * POSTs a JSON body through an undici dispatcher and returns the response body once the
 * upstream has accepted the request with a 2xx event stream. Everything that fails before
 * that point rejects with a `ProviderError` (or the abort reason), which lets the gateway
 * still answer 502 / 504. Aborting `signal` aborts the request, mid-body included, which
 * closes its socket: the upstream sees the cancel.
 *
 * The body is an `UpstreamBody` fed by a dispatch handler, not undici's `request()` stream:
 * see `upstream-body.ts` for why.
 */
import type { Dispatcher } from 'undici';
import { ProviderError } from '../language-model.ts';
import { abortReason } from './abort-reason.ts';
import { UpstreamBody } from './upstream-body.ts';
import { errorFromRequestFailure, errorFromStatus, upstreamErrorKind } from './upstream-errors.ts';

export { UpstreamBody } from './upstream-body.ts';

export interface PostEventStreamOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  dispatcher: Dispatcher;
  signal: AbortSignal | undefined;
}

/** Error bodies are read only this far: enough for `{ error: { type } }`, bounded memory. */
const ERROR_BODY_LIMIT = 16 * 1024;

export function postEventStream(options: PostEventStreamOptions): Promise<UpstreamBody> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const url = new URL(options.url);
  return new Promise((resolve, reject) => {
    const handler = new EventStreamHandler(signal, resolve, reject);
    options.dispatcher.dispatch(
      {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: options.headers,
        body: options.body,
      },
      handler,
    );
  });
}

/** The three phases of one response: waiting for headers, an error body, the event stream. */
type Phase =
  | { kind: 'headers' }
  | { kind: 'error-body'; status: number; text: string; decoder: TextDecoder }
  | { kind: 'body'; body: UpstreamBody }
  | { kind: 'settled' };

class EventStreamHandler implements Dispatcher.DispatchHandler {
  readonly #signal: AbortSignal | undefined;
  readonly #resolve: (body: UpstreamBody) => void;
  readonly #reject: (error: unknown) => void;
  #phase: Phase = { kind: 'headers' };
  #controller: Dispatcher.DispatchController | undefined;
  readonly #onAbort = (): void => {
    const reason = abortReason(this.#signal as AbortSignal);
    this.#controller?.abort(reason instanceof Error ? reason : new Error(String(reason)));
  };

  constructor(
    signal: AbortSignal | undefined,
    resolve: (body: UpstreamBody) => void,
    reject: (error: unknown) => void,
  ) {
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#signal?.aborted) this.#onAbort();
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200 || statusCode >= 300) {
      this.#phase = {
        kind: 'error-body',
        status: statusCode,
        text: '',
        decoder: new TextDecoder(),
      };
      return;
    }
    const contentType = String(headers['content-type'] ?? '');
    if (contentType.includes('json')) {
      // The server ignored `stream: true` or answered 2xx with an error document.
      this.#settle(
        new ProviderError({
          code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE',
          message: `The upstream answered with ${contentType.split(';')[0]} instead of an event stream`,
          retryable: false,
          upstreamStatus: statusCode,
        }),
      );
      controller.abort(new Error('Not an event stream'));
      return;
    }
    const body = new UpstreamBody(controller);
    this.#phase = { kind: 'body', body };
    this.#resolve(body);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const phase = this.#phase;
    if (phase.kind === 'body') {
      phase.body.pushChunk(chunk);
    } else if (phase.kind === 'error-body') {
      phase.text += phase.decoder.decode(chunk, { stream: true });
      if (phase.text.length >= ERROR_BODY_LIMIT) {
        this.#settleErrorBody(phase);
        controller.abort(new Error('Error body limit reached'));
      }
    }
  }

  onResponseEnd(): void {
    const phase = this.#phase;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    if (phase.kind === 'body') phase.body.end();
    else if (phase.kind === 'error-body') this.#settleErrorBody(phase);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const phase = this.#phase;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const failure = this.#signal?.aborted ? abortReason(this.#signal) : error;
    if (phase.kind === 'body') {
      phase.body.fail(failure);
    } else if (phase.kind === 'error-body') {
      // The status alone is enough to report; a broken error body adds nothing.
      this.#settleErrorBody(phase);
    } else if (phase.kind === 'headers') {
      this.#settle(this.#signal?.aborted ? failure : errorFromRequestFailure(error));
    }
  }

  #settleErrorBody(phase: Extract<Phase, { kind: 'error-body' }>): void {
    const failure = this.#signal?.aborted
      ? abortReason(this.#signal)
      : errorFromStatus(phase.status, upstreamErrorKind(phase.text));
    this.#settle(failure);
  }

  #settle(error: unknown): void {
    this.#phase = { kind: 'settled' };
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#reject(error);
  }
}
