/**
 * `SluiceClient`: the SDK's entry point. `generate()` starts a generation
 * (`POST /v1/generations`, answered `201 { id }` at once) and reads its events;
 * `resume()` reads an existing one from an offset (after a page reload). Both return a
 * `Generation` handle that resumes dropped connections on its own. Only `fetch`,
 * `ReadableStream`, `TextDecoder`, `AbortController`, timers and (with
 * `transport: 'websocket'`) `WebSocket`: browsers and Node.
 */
import {
  BEGINNING_OFFSET,
  type GenerateRequest,
  type GenerationView,
  type SimulatorOptions,
} from '@sluice/protocol';
import { backoffDelayMs, type RetryPolicy, retryPolicy, sleep } from './backoff.ts';
import { SluiceStreamError } from './errors.ts';
import { EVENT_TRANSPORT_VERSION, type EventTransport } from './event-transport.ts';
import { Generation } from './generation.ts';
import {
  endpoint,
  type FetchFunction,
  generationPath,
  type HttpSettings,
  headers,
  readErrorAnswer,
} from './http.ts';
import type { ReconnectInfo } from './resumable-read.ts';
import { createSseTransport } from './sse-transport.ts';
import type { WebSocketConstructor } from './websocket-connection.ts';
import { WebSocketTransport } from './websocket-transport.ts';

export interface SluiceClientOptions {
  /** The gateway, e.g. `http://127.0.0.1:7700` (no trailing path). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; omit for a gateway in open mode. */
  apiKey?: string | undefined;
  /** Defaults to the global `fetch`. */
  fetch?: FetchFunction | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  /**
   * How events are read: `'sse'` (the default: `fetch` streaming, one connection per
   * generation), `'websocket'` (one socket for all of this client's generations), an
   * `EventTransport`, or a factory of one. Starting, cancelling and `get` are HTTP either way.
   */
  transport?: TransportChoice | undefined;
  /** For `transport: 'websocket'`: defaults to the global `WebSocket` (pass `ws` on Node < 22). */
  WebSocket?: WebSocketConstructor | undefined;
}

export type { GenerateRequest, GenerationView };

export type TransportChoice =
  | 'sse'
  | 'websocket'
  | EventTransport
  | ((settings: HttpSettings) => EventTransport);

/** The simulator model's demo and fault-injection options (`@sluice/protocol`'s `SimulatorOptions`). */
export type SimulatorRequestOptions = SimulatorOptions;

export interface StreamOptions {
  /** Stops reading (not the generation) when it aborts. */
  signal?: AbortSignal | undefined;
  /** Called before each reconnect (also available as `generation.on('reconnect', …)`). */
  onReconnect?: ((info: ReconnectInfo) => void) | undefined;
  /** Randomness for the backoff jitter (tests). */
  random?: (() => number) | undefined;
}

export interface ResumeOptions extends StreamOptions {
  /** Resume after this offset (`-1`, the default: from the beginning). */
  offset?: string | undefined;
}

export class SluiceClient {
  readonly #http: HttpSettings;
  readonly #retry: RetryPolicy;
  readonly #transport: EventTransport;

  constructor(options: SluiceClientOptions) {
    this.#http = {
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      // Looked up when the client is made, never at import: the module has no side effects.
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    };
    this.#retry = retryPolicy(options.retry);
    this.#transport = chooseTransport(options, this.#http);
  }

  /** Starts a generation and reads its events as they come. */
  generate(request: GenerateRequest, options: StreamOptions = {}): Generation {
    return this.#handle(options, BEGINNING_OFFSET, (signal) =>
      this.#create(request, signal, options.random),
    );
  }

  /** Reads an existing generation after `offset` (a page reload, a later retry). */
  resume(generationId: string, options: ResumeOptions = {}): Generation {
    return this.#handle(options, options.offset ?? BEGINNING_OFFSET, () =>
      Promise.resolve(generationId),
    );
  }

  /** `POST /v1/generations/{id}/cancel`: idempotent; answers the generation's record. */
  cancel(generationId: string): Promise<GenerationView> {
    return this.#request('POST', generationId, generationPath(generationId, '/cancel'));
  }

  /** `GET /v1/generations/{id}`. */
  get(generationId: string): Promise<GenerationView> {
    return this.#request('GET', generationId, generationPath(generationId));
  }

  #handle(
    options: StreamOptions,
    offset: string,
    start: (signal: AbortSignal) => Promise<string>,
  ): Generation {
    const generation = new Generation({
      start,
      cancel: (id) => this.cancel(id),
      transport: this.#transport,
      retry: this.#retry,
      offset,
      signal: options.signal,
      random: options.random,
    });
    if (options.onReconnect !== undefined) generation.on('reconnect', options.onReconnect);
    return generation;
  }

  /**
   * Not idempotent, so only a 503 (the gateway says nothing was started: draining, store
   * down) is retried; a network error might have started a generation nobody would read.
   */
  async #create(
    request: GenerateRequest,
    signal: AbortSignal,
    random: (() => number) | undefined,
  ): Promise<string> {
    const body = JSON.stringify({ ...request, delivery: 'stream' });
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.#http.fetch(endpoint(this.#http, '/v1/generations'), {
          method: 'POST',
          headers: headers(this.#http, {
            'content-type': 'application/json',
            accept: 'application/json',
          }),
          body,
          signal,
        });
      } catch (error) {
        throw startError(
          signal.aborted ? 'SLUICE_CLIENT_ABORTED' : 'SLUICE_CLIENT_NETWORK',
          'The gateway could not be reached to start the generation',
          error,
        );
      }
      if (response.ok) {
        const created = (await response.json().catch(() => ({}))) as { id?: unknown };
        if (typeof created.id !== 'string') {
          throw startError('SLUICE_CLIENT_PROTOCOL', 'The gateway answered without an id');
        }
        return created.id;
      }
      const answer = await readErrorAnswer(response);
      if (answer.status !== 503 || attempt >= this.#retry.maxAttempts) {
        throw new SluiceStreamError({
          code:
            answer.status === 503
              ? 'SLUICE_CLIENT_RETRIES_EXHAUSTED'
              : 'SLUICE_CLIENT_REQUEST_REFUSED',
          message: `The generation was not started: ${answer.message}`,
          offset: BEGINNING_OFFSET,
          status: answer.status,
          serverCode: answer.code,
          retryable: answer.status >= 500 || answer.status === 429,
        });
      }
      try {
        await sleep(backoffDelayMs(this.#retry, attempt, random), signal);
      } catch (error) {
        throw startError('SLUICE_CLIENT_ABORTED', 'Starting was aborted', error);
      }
    }
  }

  async #request(method: string, generationId: string, path: string): Promise<GenerationView> {
    const response = await this.#http.fetch(endpoint(this.#http, path), {
      method,
      headers: headers(this.#http, { accept: 'application/json' }),
    });
    if (!response.ok) {
      const answer = await readErrorAnswer(response);
      throw new SluiceStreamError({
        code: 'SLUICE_CLIENT_REQUEST_REFUSED',
        message: `${method} ${path}: ${answer.message}`,
        generationId,
        offset: BEGINNING_OFFSET,
        status: answer.status,
        serverCode: answer.code,
        retryable: answer.status >= 500,
      });
    }
    return (await response.json()) as GenerationView;
  }
}

function chooseTransport(options: SluiceClientOptions, http: HttpSettings): EventTransport {
  const choice = options.transport ?? 'sse';
  if (choice === 'sse') return createSseTransport(http);
  if (choice === 'websocket') {
    return new WebSocketTransport({
      baseUrl: http.baseUrl,
      apiKey: http.apiKey,
      WebSocket: options.WebSocket,
    });
  }
  if (typeof choice === 'function') return choice(http);
  if (choice.specificationVersion !== EVENT_TRANSPORT_VERSION) {
    throw new TypeError(`Unsupported transport version: ${String(choice.specificationVersion)}`);
  }
  return choice;
}

function startError(
  code: 'SLUICE_CLIENT_ABORTED' | 'SLUICE_CLIENT_NETWORK' | 'SLUICE_CLIENT_PROTOCOL',
  message: string,
  cause?: unknown,
): SluiceStreamError {
  return new SluiceStreamError({
    code,
    message,
    offset: BEGINNING_OFFSET,
    retryable: code !== 'SLUICE_CLIENT_PROTOCOL',
    cause,
  });
}
