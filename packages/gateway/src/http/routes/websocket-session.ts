/**
 * One `GET /v1/ws` connection after the upgrade: authentication by first frame when the
 * upgrade carried none, the frame rate limit, and the client frames — start, subscribe,
 * unsubscribe, cancel, ping. Each subscription is the relay core with a WebSocket
 * transport and the generation reader policy (admission, audit) every transport has.
 *
 * Frames are handled one at a time, in order: a frame's work up to its answer (a
 * subscription admitted, a generation started) finishes before the next frame is read,
 * so `subscribe` then `unsubscribe` means what it says; delivery then runs on its own.
 * Nothing a client sends can throw out of here: every failure is an `error` frame or a
 * close with a documented code (docs/websocket.md).
 */
import {
  BEGINNING_OFFSET,
  ERROR_CATALOGUE,
  type ErrorCode,
  WS_CLOSE_CODES,
  type WsClientFrame,
  type WsErrorFrame,
  type WsServerFrame,
  type WsStartFrame,
} from '@sluice/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ApiKeyScope } from '../../control/tenants/api-key-store.ts';
import { nativeEventEncoder, relay } from '../../delivery/index.ts';
import type { WebSocketConnection } from '../../delivery/websocket-connection.ts';
import { WebSocketTransport } from '../../delivery/websocket-transport.ts';
import { SluiceError } from '../../errors/sluice-error.ts';
import { GenerationService } from '../../generation/generation-service.ts';
import { redisBackendError } from '../../store/redis/redis-unavailable-error.ts';
import { InvalidOffsetError, StreamNotFoundError } from '../../store/stream-store.ts';
import { forbiddenError } from '../auth/auth-errors.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { HttpError } from '../http-error.ts';
import {
  generationReaders,
  type ReaderSubject,
  type ReaderTransport,
  readerSubject,
} from '../reader-audit.ts';
import {
  checkMessageCount,
  generationRequestFromBody,
  type generationRequestSchema,
  parseBody,
} from '../request-schemas.ts';
import { ownedGeneration, startStreamingGeneration } from '../start-generation.ts';
import { type ParsedFrame, parseClientFrame } from './websocket-client-frames.ts';

const GENERATION_ID = /^gen_[0-9a-f]{32}$/;

/** The audit's name for these reads. */
const TRANSPORT: ReaderTransport = 'websocket';

export interface WebSocketSessionOptions {
  /** Subscriptions one connection may hold at once (a `start` holds one). */
  maxSubscriptions: number;
  /** Client frames per second; a burst of twice that is allowed. */
  framesPerSecond: number;
  /** How long a connection without a caller may wait for its `auth` frame. */
  authTimeoutMs: number;
  /** Checks an `auth` frame's token: the caller, or undefined when refused. */
  authenticate: (token: string) => Promise<FastifyRequest['caller']>;
  /**
   * The `start` frame's request schema (`generationRequestSchema`), built once per route:
   * a schema per connection would cost every idle connection tens of kilobytes.
   */
  requestSchema: ReturnType<typeof generationRequestSchema>;
}

interface Subscription {
  transport?: WebSocketTransport;
}

export class WebSocketSession {
  readonly #context: GatewayContext;
  readonly #request: FastifyRequest;
  /** The upgrade's reply: `startGeneration` records headers on it, which nobody sends. */
  readonly #reply: FastifyReply;
  readonly #connection: WebSocketConnection;
  readonly #options: WebSocketSessionOptions;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #authTimer: NodeJS.Timeout | undefined;
  #queue: Promise<void> = Promise.resolve();
  #tokens: number;
  #refilledAt = performance.now();

  constructor(
    context: GatewayContext,
    request: FastifyRequest,
    reply: FastifyReply,
    connection: WebSocketConnection,
    options: WebSocketSessionOptions,
  ) {
    this.#context = context;
    this.#request = request;
    this.#reply = reply;
    this.#connection = connection;
    this.#options = options;
    this.#tokens = options.framesPerSecond * 2;
    this.#authTimer =
      request.caller === undefined
        ? setTimeout(() => {
            if (request.caller === undefined) {
              connection.close('client-disconnected', WS_CLOSE_CODES.AUTH_TIMEOUT, 'auth timeout');
            }
          }, options.authTimeoutMs)
        : undefined;
    connection.signal.addEventListener('abort', () => this.#ended(), { once: true });
  }

  /** A message from the client; `binary` ones are refused (frames are JSON text). */
  receive(data: Buffer, binary: boolean): void {
    this.#connection.heard();
    if (!this.#takeToken()) {
      this.#send(errorFrame('SLUICE_ERR_RATE_LIMITED', 'Too many frames; the connection closes'));
      // The client broke the connection's rules: its reads end as if it had left.
      this.#connection.close(
        'client-disconnected',
        WS_CLOSE_CODES.POLICY_VIOLATION,
        'frame rate exceeded',
      );
      return;
    }
    const text = binary ? undefined : data.toString('utf8');
    this.#queue = this.#queue.then(() => this.#handle(text));
  }

  async #handle(text: string | undefined): Promise<void> {
    if (this.#connection.signal.aborted) return;
    try {
      const parsed: ParsedFrame =
        text === undefined
          ? { refusal: { code: 'SLUICE_ERR_INVALID_REQUEST', message: 'frame: must be JSON text' } }
          : parseClientFrame(text);
      if ('refusal' in parsed) {
        // Before authentication only a well-formed `auth` frame is acceptable.
        if (this.#request.caller === undefined) return this.#refuseUnauthenticated();
        const { code, message, ...echo } = parsed.refusal;
        this.#send({ ...errorFrame(code, message), ...echo });
        return;
      }
      await this.#dispatch(parsed.frame);
    } catch (error) {
      this.#request.log.error({ err: error }, 'websocket frame failed');
      this.#send(errorFrame('SLUICE_ERR_INTERNAL', ERROR_CATALOGUE.SLUICE_ERR_INTERNAL.message));
    }
  }

  async #dispatch(frame: WsClientFrame): Promise<void> {
    if (frame.type === 'auth') return this.#authenticate(frame.token);
    if (this.#request.caller === undefined) return this.#refuseUnauthenticated();
    switch (frame.type) {
      case 'ping':
        this.#send(frame.ref === undefined ? { type: 'pong' } : { type: 'pong', ref: frame.ref });
        return;
      case 'start':
        return this.#answering({ ref: frame.ref }, () => this.#start(frame));
      case 'subscribe':
        return this.#answering({ generationId: frame.generationId }, () =>
          this.#subscribe(frame.generationId, frame.offset ?? BEGINNING_OFFSET),
        );
      case 'unsubscribe':
        return this.#answering({ generationId: frame.generationId }, async () =>
          this.#unsubscribe(frame.generationId),
        );
      case 'cancel':
        return this.#answering({ generationId: frame.generationId }, () =>
          this.#cancel(frame.generationId),
        );
    }
  }

  async #authenticate(token: string): Promise<void> {
    const caller = this.#request.caller;
    if (caller !== undefined) {
      // Open mode needs no token; a connection authenticated by its upgrade has its key.
      if (caller.keyId === 'open') this.#send({ type: 'ready' });
      else this.#send(errorFrame('SLUICE_ERR_INVALID_REQUEST', 'Already authenticated'));
      return;
    }
    let authenticated: FastifyRequest['caller'];
    try {
      authenticated = await this.#options.authenticate(token);
    } catch (error) {
      this.#request.log.error({ err: error }, 'API key check failed');
      this.#connection.close('failed', WS_CLOSE_CODES.INTERNAL_ERROR, 'key check failed');
      return;
    }
    if (authenticated === undefined) return this.#refuseUnauthenticated();
    clearTimeout(this.#authTimer);
    this.#request.caller = authenticated;
    this.#send({ type: 'ready' });
  }

  #refuseUnauthenticated(): void {
    this.#connection.close(
      'client-disconnected',
      WS_CLOSE_CODES.UNAUTHENTICATED,
      'unauthenticated',
    );
  }

  /** Runs a frame's work; a refusal becomes an `error` frame echoing `ids`. */
  async #answering(
    ids: { ref?: string; generationId?: string },
    work: () => Promise<void>,
  ): Promise<void> {
    try {
      await work();
    } catch (error) {
      const { code, message } = this.#errorOf(error);
      this.#send({ ...errorFrame(code, message), ...ids });
    }
  }

  async #start(frame: WsStartFrame): Promise<void> {
    this.#requireScope('generate');
    this.#checkRoom();
    const limits = this.#context.config.limits;
    let body: z.output<ReturnType<typeof generationRequestSchema>>;
    try {
      checkMessageCount(frame.request, limits);
      body = parseBody(this.#options.requestSchema, frame.request);
    } catch (error) {
      // The same answers as `POST /v1/generations`, the field named inside `request`.
      if (HttpError.isInstance(error) && error.code === 'SLUICE_ERR_INVALID_REQUEST') {
        throw new HttpError(error.code, `request.${error.message}`);
      }
      throw error;
    }
    if (body.delivery !== undefined && body.delivery !== 'stream') {
      throw new HttpError(
        'SLUICE_ERR_INVALID_REQUEST',
        'request.delivery: only stream is available over WebSocket',
      );
    }
    const { generation, lease } = await startStreamingGeneration(
      this.#context,
      this.#request,
      this.#reply,
      generationRequestFromBody(body),
      true,
      { waitForUpstreamMs: 0 },
    );
    this.#send({ type: 'started', ref: frame.ref, generationId: generation.id });
    const cancelOnDisconnect = generation.onDisconnect === 'cancel';
    await this.#follow(readerSubject(generation), BEGINNING_OFFSET, lease, () => {
      if (!cancelOnDisconnect) return;
      this.#context.generations.stop(generation.id).catch((error: unknown) => {
        this.#request.log.warn({ err: error }, 'cancel on disconnect failed');
      });
    });
  }

  async #subscribe(generationId: string, offset: string): Promise<void> {
    this.#requireScope('read');
    if (this.#subscriptions.has(generationId)) {
      throw new HttpError('SLUICE_ERR_INVALID_REQUEST', 'Already subscribed to this generation');
    }
    this.#checkRoom();
    if (!GENERATION_ID.test(generationId)) throw generationNotFound();
    const generation = await ownedGeneration(this.#context, this.#request, generationId);
    await this.#follow(readerSubject(generation), offset);
  }

  /**
   * Starts delivering a generation's log from `offset`; resolves once the subscription is
   * admitted and open (delivery goes on), throws when it was refused.
   */
  async #follow(
    subject: ReaderSubject,
    offset: string,
    admitted?: { release(): void },
    onDisconnect?: () => void,
  ): Promise<void> {
    const id = subject.generationId;
    const subscription: Subscription = {};
    this.#subscriptions.set(id, subscription);
    const opened = Promise.withResolvers<void>();
    const delivery = relay(this.#context.store, GenerationService.streamPath(id), offset, {
      encoder: nativeEventEncoder,
      reader: generationReaders(this.#context, this.#request, subject, TRANSPORT, admitted),
      open: () => {
        subscription.transport = new WebSocketTransport(this.#connection, id);
        opened.resolve();
        return subscription.transport;
      },
      maxBufferedBytes: this.#context.config.streams.maxBufferedBytes,
      onError: (error) => this.#request.log.warn({ err: error }, 'websocket subscription failed'),
    });
    delivery.then(
      ({ reason }) => {
        this.#forget(id, subscription);
        if (reason === 'client-disconnected') onDisconnect?.();
      },
      (error: unknown) => {
        // Refused before it opened: a slot taken for it goes back (release is idempotent).
        admitted?.release();
        this.#forget(id, subscription);
        opened.reject(relayError(error));
      },
    );
    await opened.promise;
  }

  #unsubscribe(generationId: string): void {
    const subscription = this.#subscriptions.get(generationId);
    if (subscription === undefined) {
      throw new HttpError('SLUICE_ERR_INVALID_REQUEST', 'Not subscribed to this generation');
    }
    this.#subscriptions.delete(generationId);
    subscription.transport?.unsubscribe();
  }

  async #cancel(generationId: string): Promise<void> {
    this.#requireScope('generate');
    if (!GENERATION_ID.test(generationId)) throw generationNotFound();
    const { id } = await ownedGeneration(this.#context, this.#request, generationId);
    const stopped = await this.#context.generations.stop(id, 'cancelled');
    if (stopped === undefined) throw generationNotFound();
  }

  #requireScope(scope: ApiKeyScope): void {
    if (!this.#request.caller?.scopes.includes(scope)) throw forbiddenError(scope);
  }

  #checkRoom(): void {
    const max = this.#options.maxSubscriptions;
    if (this.#subscriptions.size >= max) {
      throw new HttpError(
        'SLUICE_ERR_TOO_MANY_CONCURRENT',
        `At most ${max} subscriptions per connection`,
      );
    }
  }

  #forget(id: string, subscription: Subscription): void {
    // A resubscription after an unsubscribe may hold the id by now.
    if (this.#subscriptions.get(id) === subscription) this.#subscriptions.delete(id);
  }

  #takeToken(): boolean {
    const now = performance.now();
    const rate = this.#options.framesPerSecond;
    this.#tokens = Math.min(rate * 2, this.#tokens + ((now - this.#refilledAt) * rate) / 1000);
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #errorOf(error: unknown): { code: ErrorCode; message: string } {
    if (SluiceError.isInstance(error)) return { code: error.code, message: error.message };
    const backend = redisBackendError(error, 'shared state');
    if (SluiceError.isInstance(backend)) {
      this.#request.log.warn({ err: error }, 'Redis is unavailable');
      return { code: backend.code, message: backend.message };
    }
    this.#request.log.error({ err: error }, 'websocket frame failed');
    return { code: 'SLUICE_ERR_INTERNAL', message: ERROR_CATALOGUE.SLUICE_ERR_INTERNAL.message };
  }

  #send(frame: WsServerFrame): void {
    this.#connection.sendNow(JSON.stringify(frame));
  }

  #ended(): void {
    clearTimeout(this.#authTimer);
    // Their relays see the connection's signal and detach; nothing is waited for here.
    this.#subscriptions.clear();
  }
}

function errorFrame(code: ErrorCode, message: string): WsErrorFrame {
  return { type: 'error', code, message };
}

function generationNotFound(): HttpError {
  return new HttpError('SLUICE_ERR_GENERATION_NOT_FOUND');
}

/** A relay refused before it opened, as the HTTP route answers it. */
function relayError(error: unknown): unknown {
  if (StreamNotFoundError.isInstance(error)) return generationNotFound();
  if (InvalidOffsetError.isInstance(error)) return new HttpError('SLUICE_ERR_INVALID_OFFSET');
  return error;
}
