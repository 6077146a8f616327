/**
 * Starts, finds, stops and forgets generations. What any node may be asked about a
 * generation comes from its record in the `GenerationStore` and its log in the
 * `StreamStore`; only the producer (abort controller, guardrail sessions, parsers) is local,
 * held in a registry of this node's running generations. Stop requests travel through the
 * store's control channel, so whichever node runs the producer acts on them; waiting for
 * an outcome watches the store's update events.
 *
 * In a cluster (`cluster` set: records and logs in Redis) every producer holds a lease, and
 * a node takes over the generations of a node that died (`cluster/`).
 */
import { errorGuard, SluiceError } from '../errors/sluice-error.ts';
import type { PolicyRuntime } from '../governance/policy-runtime.ts';
import type { ReviewItem, ReviewQueue } from '../governance/review/review-queue.ts';
import type { GatewayObservability } from '../observability/observability.ts';
import type { UnsupportedOption } from '../providers/language-model.ts';
import type {
  GenerationStore,
  GenerationStoreEvent,
  ListOptions,
} from '../store/generation-store.ts';
import type { ProducerLeases } from '../store/redis-generation/producer-lease.ts';
import { StreamGoneError, StreamNotFoundError, type StreamStore } from '../store/stream-store.ts';
import type { AuditTrail } from './audit-trail.ts';
import { LeaseKeeper } from './cluster/lease-keeper.ts';
import { type ProducerLostAction, takeOverGeneration } from './cluster/producer-takeover.ts';
import type { GenerationRequest } from './generation.ts';
import { appendReviewDecision } from './generation-finalization.ts';
import type { GenerationRecord, StopCause } from './generation-record.ts';
import { type GenerationView, viewGeneration } from './generation-view.ts';
import {
  type Admission,
  callOptionsOf,
  generationStreamPath,
  type LaunchedGeneration,
  type LocalProducer,
  launchGeneration,
} from './launch-generation.ts';
import { readLogContent } from './log-content.ts';
import type { ModelRegistry } from './model-registry.ts';
import { auditSubject } from './producer-state.ts';
import { RetainedGenerations } from './retained-generations.ts';

export {
  type Admission,
  DEFAULT_TENANT,
  GENERATION_STREAM_PREFIX,
  type LaunchedGeneration,
  RecordUnavailableError,
} from './launch-generation.ts';

export interface GenerationServiceOptions {
  store: StreamStore;
  records: GenerationStore;
  models: ModelRegistry;
  policies: PolicyRuntime;
  audit: AuditTrail;
  reviews: ReviewQueue;
  observability: GatewayObservability;
  /** How long a generation's log is kept. */
  ttlSeconds: number;
  /** Cancel a generation no reader has been attached to for this long; 0 never does. */
  abandonAfterMs?: number;
  /**
   * Memory budget for finished generations (records and logs), oldest evicted first.
   * Default: unbounded (the gateway sets `streams.retainedGenerationsBytes`).
   */
  retainedBytes?: number;
  /** Several nodes share the stores: producers take leases and lost ones are taken over. */
  cluster?: ClusterOptions;
}

export interface ClusterOptions {
  leases: ProducerLeases;
  nodeId: string;
  /** A producer whose node stopped renewing for this long is taken over. */
  leaseTimeoutMs: number;
  onProducerLost: ProducerLostAction;
}

/** What this node tracks of a producer it runs, besides the producer itself. */
interface Attendance {
  readers: number;
  abandonTimer: NodeJS.Timeout | undefined;
}

export class UnknownModelError extends SluiceError {
  static override readonly isInstance = errorGuard<UnknownModelError>('UnknownModelError');
  override readonly name = 'UnknownModelError';
  readonly code = 'SLUICE_ERR_MODEL_NOT_FOUND' as const;
}

/** The request asks for more output tokens than the model's configured cap. */
export class MaxTokensTooLargeError extends SluiceError {
  static override readonly isInstance =
    errorGuard<MaxTokensTooLargeError>('MaxTokensTooLargeError');
  override readonly name = 'MaxTokensTooLargeError';
  readonly code = 'SLUICE_ERR_MAX_TOKENS_TOO_LARGE' as const;
}

/**
 * The request sets options the chosen model cannot carry; nothing was started. Routes
 * name the fields in their own request shape, so they reword it before answering.
 */
export class UnsupportedOptionsError extends SluiceError {
  static override readonly isInstance =
    errorGuard<UnsupportedOptionsError>('UnsupportedOptionsError');
  override readonly name = 'UnsupportedOptionsError';
  readonly code = 'SLUICE_ERR_UNSUPPORTED_FIELD' as const;
  readonly provider: string;
  readonly unsupported: readonly UnsupportedOption[];

  constructor(provider: string, unsupported: readonly UnsupportedOption[]) {
    super(
      `Provider ${provider} cannot carry ${unsupported.map((entry) => entry.field).join(', ')}`,
    );
    this.provider = provider;
    this.unsupported = unsupported;
  }
}

export class GenerationService {
  readonly #store: StreamStore;
  readonly #records: GenerationStore;
  readonly #models: ModelRegistry;
  readonly #policies: PolicyRuntime;
  readonly #reviews: ReviewQueue;
  readonly #audit: AuditTrail;
  readonly #observability: GatewayObservability;
  readonly #ttlSeconds: number;
  /** This node's running producers. */
  readonly #producers = new Map<string, LocalProducer>();
  readonly #attendance = new Map<string, Attendance>();
  readonly #abandonAfterMs: number;
  readonly #retained: RetainedGenerations;
  readonly #unsubscribe: () => void;
  readonly #cluster: ClusterOptions | undefined;
  readonly #keeper: LeaseKeeper | undefined;
  /** Shutting down: hand work off, take none over. */
  #closing = false;

  constructor(options: GenerationServiceOptions) {
    this.#store = options.store;
    this.#records = options.records;
    this.#models = options.models;
    this.#policies = options.policies;
    this.#reviews = options.reviews;
    this.#audit = options.audit;
    this.#observability = options.observability;
    this.#ttlSeconds = options.ttlSeconds;
    this.#abandonAfterMs = options.abandonAfterMs ?? 0;
    this.#retained = new RetainedGenerations(options.retainedBytes ?? Number.POSITIVE_INFINITY);
    this.#unsubscribe = this.#records.subscribe((event) => this.#onStoreEvent(event));
    this.#cluster = options.cluster;
    if (options.cluster !== undefined) {
      this.#keeper = new LeaseKeeper({
        leases: options.cluster.leases,
        nodeId: options.cluster.nodeId,
        leaseTimeoutMs: options.cluster.leaseTimeoutMs,
        keepsRequests: options.cluster.onProducerLost === 'continue',
        onLost: (id) => this.#producerLost(id),
        onExpired: (id) => this.#takeOver(id),
        onError: (error, during) =>
          this.#observability.internalFailure(
            during === 'scan' ? 'producer-takeover' : 'producer-lease',
            error,
          ),
      });
    }
  }

  static streamPath(id: string): string {
    return generationStreamPath(id);
  }

  /** The generation's record, or undefined when unknown (or expired). */
  record(id: string): Promise<GenerationRecord | undefined> {
    return this.#records.get(id);
  }

  /** The record as clients see it, with the answer so far (from the log while running). */
  async view(record: GenerationRecord): Promise<GenerationView> {
    if (record.status !== 'running') return viewGeneration(record);
    const content = await readLogContent(this.#store, record.streamPath).catch(() => record);
    return viewGeneration(record, content);
  }

  /** Records of a session or an end user. */
  list(options: ListOptions): Promise<GenerationRecord[]> {
    return this.#records.list(options);
  }

  /** How many generations this node's producers are running. */
  get runningCount(): number {
    return this.#producers.size;
  }

  /**
   * Throws `UnknownModelError`, or `UnsupportedOptionsError` when the model cannot carry
   * an option the request sets: callers check before they spend admission on a request.
   */
  checkRequest(request: GenerationRequest): void {
    this.#registered(request);
  }

  /**
   * Starts a generation and resolves as soon as its log exists, without waiting for the
   * model. Throws `UnknownModelError`, `UnsupportedOptionsError` or
   * `RecordUnavailableError`. `accepted` settles when the upstream answered; when it failed
   * before streaming, with the record already `failed`, so the caller can still answer
   * with the upstream status.
   */
  async launch(request: GenerationRequest, admission: Admission = {}): Promise<LaunchedGeneration> {
    const registered = this.#registered(request);
    const policy = await this.#policies.resolve({
      model: registered.name,
      ...(request.route === undefined ? {} : { route: request.route }),
    });
    return launchGeneration(
      this.#launchServices(),
      registered,
      policy,
      request,
      admission,
      (producer) => this.#register(producer, true),
    );
  }

  #launchServices() {
    return {
      store: this.#store,
      records: this.#records,
      reviews: this.#reviews,
      audit: this.#audit,
      observability: this.#observability,
      ttlSeconds: this.#ttlSeconds,
      cluster: this.#keeper,
    };
  }

  /**
   * Holds a producer this node runs until it is done. Abandonment is watched only for
   * generations started here: a taken-over one cannot know the readers counted before.
   */
  #register(producer: LocalProducer, watchAttendance: boolean): void {
    const id = producer.state.id;
    this.#producers.set(id, producer);
    const attendance: Attendance = { readers: 0, abandonTimer: undefined };
    if (watchAttendance) {
      this.#attendance.set(id, attendance);
      this.#watchAttendance(id, attendance);
    }
    void producer.done.then(() => {
      clearTimeout(attendance.abandonTimer);
      // This node may have taken the generation over again since (a producer that lost its
      // lease can still be finishing): only its own entries and lease go.
      if (this.#producers.get(id) !== producer) return;
      this.#attendance.delete(id);
      this.#producers.delete(id);
      this.#keeper?.release(id, producer.state.producerEpoch);
      const bytes = RetainedGenerations.estimate(producer.logBytes());
      for (const evicted of this.#retained.finished(id, bytes)) void this.#evict(evicted);
    });
  }

  /** Another node holds the lease of a producer this node runs: stop it without writing. */
  #producerLost(id: string): void {
    const producer = this.#producers.get(id);
    if (producer === undefined) return;
    producer.state.leaseLost = true;
    producer.controller.abort('lease-lost');
  }

  /** A node died with this generation's lease: claim it and take the generation over. */
  async #takeOver(id: string): Promise<void> {
    const keeper = this.#keeper;
    const cluster = this.#cluster;
    // A producer of ours that lost this lease is still finishing: scan it again later. A
    // node shutting down takes nothing over (it may be handing this very one off).
    if (keeper === undefined || cluster === undefined || this.#closing) return;
    if (this.#producers.has(id)) return;
    const epoch = await keeper.claim(id);
    if (epoch === undefined) return;
    try {
      const outcome = await takeOverGeneration(
        {
          ...this.#launchServices(),
          models: this.#models,
          policies: this.#policies,
          onProducerLost: cluster.onProducerLost,
          nodeId: cluster.nodeId,
        },
        id,
        epoch,
        (producer) => this.#register(producer, false),
      );
      // Nothing left to produce: the lease goes (a producer's own lease goes when it is done).
      if (typeof outcome === 'object') keeper.release(id);
      else this.#observability.metrics.producerTakenOver(outcome);
    } catch (error) {
      // Let the lease lapse without releasing it, so a node (maybe this one) tries again.
      if (!this.#producers.has(id)) keeper.forget(id);
      this.#observability.internalFailure('producer-takeover', error);
    }
  }

  /** Starts a generation and resolves once the upstream answered (or failed first). */
  async start(request: GenerationRequest, admission: Admission = {}): Promise<GenerationRecord> {
    return (await this.launch(request, admission)).accepted;
  }

  /**
   * Resolves with the record once its terminal event and verdict are in the log, or with
   * undefined after `timeoutMs` (or when the record is unknown).
   */
  finalized(id: string, timeoutMs?: number): Promise<GenerationRecord | undefined> {
    return new Promise((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (record: GenerationRecord | undefined) => {
        if (settled) return;
        settled = true;
        unsubscribe();
        clearTimeout(timer);
        resolve(record);
      };
      // Subscribe before reading, so an update between the two is not missed.
      const unsubscribe = this.#records.subscribe((event) => {
        if (event.type === 'updated' && event.record.id === id && event.record.finalized) {
          settle(event.record);
        }
      });
      if (timeoutMs !== undefined) timer = setTimeout(() => settle(undefined), timeoutMs);
      this.#records.get(id).then(
        (record) => {
          if (record === undefined || record.finalized) settle(record);
        },
        () => settle(undefined),
      );
    });
  }

  /**
   * Stops a running generation (idempotent), on whichever node runs it. Resolves once its
   * terminal event and verdict are in the log; partial content is kept.
   */
  async stop(id: string, cause: StopCause = 'cancelled'): Promise<GenerationRecord | undefined> {
    const record = await this.#records.get(id);
    if (record === undefined) return undefined;
    if (record.finalized) return record;
    if (record.status === 'running') await this.#records.control(id, { type: 'stop', cause });
    return this.finalized(id);
  }

  /**
   * A reader attached to (or detached from) a generation's log, on this node or any: the
   * producer's node counts them, and cancels a generation left without readers for
   * `abandonAfterMs`. Returns the detach function.
   */
  readerAttached(id: string): () => void {
    this.#sendReaderChange(id, 1);
    let detached = false;
    return () => {
      if (detached) return;
      detached = true;
      this.#sendReaderChange(id, -1);
    };
  }

  /**
   * Reader counts only feed abandonment: one that cannot be sent (Redis away) is logged
   * and counted, never left as an unhandled rejection.
   */
  #sendReaderChange(id: string, change: 1 | -1): void {
    this.#records.control(id, { type: 'reader', change }).catch((error: unknown) => {
      this.#observability.internalFailure('generation-record', error);
    });
  }

  /** Delivers a reviewer's decision to the generation's log, if it was held open for it. */
  async applyReviewDecision(item: ReviewItem): Promise<boolean> {
    const record = await this.#records.get(item.generationId);
    if (!record) return false;
    await this.#records.update(record.id, { reviewItemId: undefined });
    return appendReviewDecision(this.#store, record, item);
  }

  /** Forgets a generation's content: its log and its answer (data-subject deletion). */
  async deleteContent(id: string): Promise<void> {
    const record = await this.#records.get(id);
    if (record?.status === 'running') await this.stop(id, 'cancelled');
    // A log already gone (expired) is what deletion wants anyway.
    await this.#store.delete(generationStreamPath(id)).catch(() => false);
    if (record) {
      await this.#records.update(id, { text: '', reasoning: '', toolCalls: [], final: undefined });
    }
  }

  /** Removes a finished generation's record and log to keep retained memory in budget. */
  async #evict(id: string): Promise<void> {
    try {
      await this.#store.delete(generationStreamPath(id));
      await this.#records.delete(id);
    } catch (error) {
      // Already gone (expired, deleted by its session) is what eviction wants; any other
      // failure is logged and counted, never thrown into the producer that just finished.
      if (!StreamNotFoundError.isInstance(error) && !StreamGoneError.isInstance(error)) {
        this.#observability.internalFailure('generation-eviction', error);
      }
    }
  }

  /**
   * Hands every generation this node runs to the other nodes (shutdown, with
   * `onProducerLost: continue`): each producer stops without ending its generation, and its
   * lease ends at once, so another node continues the answer after a `response-seam`
   * without waiting for the lease timeout. Readers on this node resume on another.
   */
  async handOffAll(): Promise<void> {
    const keeper = this.#keeper;
    if (keeper === undefined) return this.interruptAll();
    await Promise.all(
      [...this.#producers].map(async ([id, producer]) => {
        const { state, controller } = producer;
        if (state.status === 'running' && !controller.signal.aborted) {
          state.leaseLost = true;
          controller.abort('handed-off');
          await keeper.handOff(id);
        }
        await producer.done;
      }),
    );
  }

  /** Interrupts every generation this node runs (shutdown); partial content stays readable. */
  async interruptAll(): Promise<void> {
    await Promise.all([...this.#producers.keys()].map((id) => this.#stopLocal(id, 'interrupted')));
  }

  /** Resolves once every generation this node runs has ended and been finalized. */
  async whenIdle(): Promise<void> {
    await Promise.all([...this.#producers.values()].map((producer) => producer.done));
  }

  /**
   * Ends this node's part: its generations are handed off to other nodes (a cluster that
   * continues lost generations) or interrupted, then timers and subscriptions stop.
   */
  async dispose(): Promise<void> {
    this.#closing = true;
    if (this.#cluster?.onProducerLost === 'continue') await this.handOffAll();
    else await this.interruptAll();
    this.#keeper?.stop();
    this.#unsubscribe();
  }

  #registered(request: GenerationRequest) {
    const registered = this.#models.get(request.model);
    if (!registered) throw new UnknownModelError(`Model '${request.model}' is not configured`);
    const cap = registered.maxTokens;
    if (cap !== undefined && request.maxTokens !== undefined && request.maxTokens > cap) {
      throw new MaxTokensTooLargeError(
        `maxTokens ${request.maxTokens} is above the cap of ${cap} for model '${registered.name}'`,
      );
    }
    const unsupported = registered.model.unsupportedOptions(callOptionsOf(request));
    if (unsupported.length > 0) throw new UnsupportedOptionsError(registered.provider, unsupported);
    return registered;
  }

  #onStoreEvent(event: GenerationStoreEvent): void {
    if (event.type !== 'control') return;
    if (event.control.type === 'stop') {
      void this.#stopLocal(event.id, event.control.cause);
      return;
    }
    const attendance = this.#attendance.get(event.id);
    if (attendance === undefined) return;
    attendance.readers = Math.max(0, attendance.readers + event.control.change);
    this.#watchAttendance(event.id, attendance);
  }

  /** Arms the abandonment timer while nobody reads, disarms it while someone does. */
  #watchAttendance(id: string, attendance: Attendance): void {
    if (this.#abandonAfterMs === 0) return;
    if (attendance.readers > 0) {
      clearTimeout(attendance.abandonTimer);
      attendance.abandonTimer = undefined;
      return;
    }
    attendance.abandonTimer ??= setTimeout(() => {
      attendance.abandonTimer = undefined;
      if (attendance.readers === 0) void this.#stopLocal(id, 'abandoned');
    }, this.#abandonAfterMs).unref();
  }

  /** Aborts a producer this node runs; resolves when it is finalized. */
  async #stopLocal(id: string, cause: StopCause): Promise<void> {
    const producer = this.#producers.get(id);
    if (!producer) return;
    const { state, controller } = producer;
    if (state.status === 'running' && !controller.signal.aborted) {
      state.stopCause = cause;
      controller.abort(cause);
      this.#audit.record({
        type: 'generation-cancelled',
        generationId: id,
        ...auditSubject(state),
        payload: { reason: cause },
      });
    }
    await producer.done;
  }
}
