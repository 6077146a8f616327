/**
 * Starts, tracks and stops generations. Each generation gets a JSON stream log at
 * `generations/{id}` and one producer; `start` resolves once the upstream accepted the
 * call, so a refused or failing upstream can still be answered with 502/504 before any
 * byte reached the client.
 */
import { randomUUID } from 'node:crypto';
import type { StreamStore } from '../store/stream-store.ts';
import type { Generation, GenerationRequest, StopCause } from './generation.ts';
import {
  appendEvent,
  endGeneration,
  failure,
  type ProducerContext,
  type ProducerState,
  pumpModelStream,
  stopped,
} from './generation-producer.ts';
import type { ModelRegistry } from './model-registry.ts';

export const GENERATION_STREAM_PREFIX = 'generations/';

export interface GenerationServiceOptions {
  store: StreamStore;
  models: ModelRegistry;
  /** How long a generation's log and record are kept. */
  ttlSeconds: number;
}

interface Entry {
  state: ProducerState;
  controller: AbortController;
}

export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
}

export class GenerationService {
  readonly #store: StreamStore;
  readonly #models: ModelRegistry;
  readonly #ttlSeconds: number;
  readonly #entries = new Map<string, Entry>();
  readonly #sweepTimer: NodeJS.Timeout;

  constructor(options: GenerationServiceOptions) {
    this.#store = options.store;
    this.#models = options.models;
    this.#ttlSeconds = options.ttlSeconds;
    const sweepEveryMs = Math.min(60_000, options.ttlSeconds * 1000);
    this.#sweepTimer = setInterval(() => this.#sweep(), sweepEveryMs).unref();
  }

  static streamPath(id: string): string {
    return `${GENERATION_STREAM_PREFIX}${id}`;
  }

  get(id: string): Generation | undefined {
    return this.#entries.get(id)?.state;
  }

  /** Generations whose producer is still running. */
  running(): Generation[] {
    return [...this.#entries.values()]
      .filter((entry) => entry.state.status === 'running')
      .map((entry) => entry.state);
  }

  /**
   * Starts a generation. Throws `UnknownModelError`. When the upstream fails before
   * streaming, the returned generation is already `failed` with its `error` set, so the
   * caller can still answer with the upstream status.
   */
  async start(request: GenerationRequest): Promise<Generation> {
    const registered = this.#models.get(request.model);
    if (!registered) throw new UnknownModelError(`Unknown model ${request.model}`);
    const id = `gen_${randomUUID().replaceAll('-', '')}`;
    const streamPath = GenerationService.streamPath(id);
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    const state: ProducerState = {
      id,
      model: registered.name,
      provider: registered.provider,
      streamPath,
      createdAt: new Date(),
      onDisconnect: request.onDisconnect ?? 'continue',
      status: 'running',
      text: '',
      finishReason: undefined,
      usage: { inputTokens: 0, outputTokens: 0 },
      timings: undefined,
      error: undefined,
      done,
      stopCause: undefined,
      startedAt: performance.now(),
      firstTokenAt: undefined,
      inputTokenEstimate: estimateTokens(request),
    };
    const controller = new AbortController();
    this.#entries.set(id, { state, controller });
    const context: ProducerContext = { store: this.#store, state, signal: controller.signal };

    await this.#store.create(streamPath, {
      contentType: 'application/json',
      ttlSeconds: this.#ttlSeconds,
    });
    await appendEvent(context, {
      type: 'response-start',
      id,
      model: registered.name,
      provider: registered.provider,
      createdAt: state.createdAt.toISOString(),
    });

    let result: Awaited<ReturnType<typeof registered.model.doStream>>;
    try {
      result = await registered.model.doStream({
        messages: request.messages,
        abortSignal: controller.signal,
        ...optionalCallOptions(request),
      });
    } catch (error) {
      const ending = controller.signal.aborted ? stopped(state.stopCause) : failure(error);
      await endGeneration(context, ending, { outputTokens: 0 });
      resolveDone();
      return state;
    }

    void pumpModelStream(context, result.stream).finally(() => {
      // Release the upstream if the model left it open (e.g. the log went away).
      if (!controller.signal.aborted) controller.abort('done');
      resolveDone();
    });
    return state;
  }

  /**
   * Stops a running generation (idempotent). Resolves once its terminal event is in
   * the log; partial text is kept.
   */
  async stop(id: string, cause: StopCause = 'cancelled'): Promise<Generation | undefined> {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.state.status === 'running' && !entry.controller.signal.aborted) {
      entry.state.stopCause = cause;
      entry.controller.abort(cause);
    }
    await entry.state.done;
    return entry.state;
  }

  /** Interrupts every running generation (shutdown); their partial text stays readable. */
  async interruptAll(): Promise<void> {
    await Promise.all(this.running().map((generation) => this.stop(generation.id, 'interrupted')));
  }

  async dispose(): Promise<void> {
    clearInterval(this.#sweepTimer);
    await this.interruptAll();
  }

  #sweep(): void {
    const cutoff = Date.now() - this.#ttlSeconds * 1000;
    for (const [id, entry] of this.#entries) {
      if (entry.state.status !== 'running' && entry.state.createdAt.getTime() < cutoff) {
        this.#entries.delete(id);
      }
    }
  }
}

function optionalCallOptions(request: GenerationRequest) {
  return {
    ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.seed === undefined ? {} : { seed: request.seed }),
    ...(request.simulator === undefined ? {} : { simulator: request.simulator }),
    ...(request.upstreamHeaders === undefined ? {} : { headers: request.upstreamHeaders }),
  };
}

/** A rough count for usage when the upstream reports none: about four characters a token. */
function estimateTokens(request: GenerationRequest): number {
  let characters = 0;
  for (const message of request.messages) characters += message.content.length;
  return Math.ceil(characters / 4);
}
