/**
 * Starts, tracks and stops generations. Each generation gets a JSON stream log at
 * `generations/{id}`, one producer, the policy version bound to its model or route, and
 * an audit trail; `start` resolves once the upstream accepted the call, so a refused or
 * failing upstream can still be answered with 502/504 before any byte reached the client.
 */
import { createHash, randomUUID } from 'node:crypto';
import { messageCharacters } from '@sluice/protocol';
import { type TokenBudget, UNLIMITED_TOKEN_BUDGET } from '../control/quotas/token-budget.ts';
import type { PolicyRuntime } from '../governance/policy-runtime.ts';
import type { ReviewItem, ReviewQueue } from '../governance/review/review-queue.ts';
import { PartialJsonParser } from '../governance/validators/partial-json.ts';
import { GuardrailSession } from '../guardrails/guardrail-session.ts';
import type { GatewayObservability } from '../observability/observability.ts';
import type { LanguageModelCallOptions, UnsupportedOption } from '../providers/language-model.ts';
import type { StreamStore } from '../store/stream-store.ts';
import type { AuditTrail } from './audit-trail.ts';
import type { Generation, GenerationRequest, StopCause } from './generation.ts';
import { appendReviewDecision, finalizeGeneration } from './generation-finalization.ts';
import {
  appendEvent,
  auditSubject,
  endGeneration,
  failure,
  HoldbackClock,
  type ProducerContext,
  type ProducerState,
  pumpModelStream,
  stopped,
} from './generation-producer.ts';
import type { ModelRegistry } from './model-registry.ts';
import { toolCallPolicy } from './tool-call-policy.ts';
import { ToolCallRelay } from './tool-call-relay.ts';

export const GENERATION_STREAM_PREFIX = 'generations/';
export const DEFAULT_TENANT = 'default';

export interface GenerationServiceOptions {
  store: StreamStore;
  models: ModelRegistry;
  policies: PolicyRuntime;
  audit: AuditTrail;
  reviews: ReviewQueue;
  observability: GatewayObservability;
  /** How long a generation's log and record are kept. */
  ttlSeconds: number;
}

/** What admission control handed the generation; released when it ends. */
export interface Admission {
  tokens?: TokenBudget;
  lease?: { release(): void };
}

interface Entry {
  state: ProducerState;
  controller: AbortController;
}

export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
}

/** The request sets options the chosen model cannot carry; nothing was started. */
export class UnsupportedOptionsError extends Error {
  override readonly name = 'UnsupportedOptionsError';
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
  readonly #models: ModelRegistry;
  readonly #policies: PolicyRuntime;
  readonly #reviews: ReviewQueue;
  readonly #audit: AuditTrail;
  readonly #observability: GatewayObservability;
  readonly #ttlSeconds: number;
  readonly #entries = new Map<string, Entry>();
  readonly #sweepTimer: NodeJS.Timeout;

  constructor(options: GenerationServiceOptions) {
    this.#store = options.store;
    this.#models = options.models;
    this.#policies = options.policies;
    this.#reviews = options.reviews;
    this.#audit = options.audit;
    this.#observability = options.observability;
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

  /** Generations of a session (those this process still holds). */
  bySession(sessionId: string): Generation[] {
    return [...this.#entries.values()]
      .filter((entry) => entry.state.sessionId === sessionId)
      .map((entry) => entry.state);
  }

  /**
   * Starts a generation. Throws `UnknownModelError`. When the upstream fails before
   * streaming, the returned generation is already `failed` with its `error` set, so the
   * caller can still answer with the upstream status.
   */
  async start(request: GenerationRequest, admission: Admission = {}): Promise<Generation> {
    const registered = this.#registered(request);
    const callOptions = callOptionsOf(request);
    const tokens = admission.tokens ?? UNLIMITED_TOKEN_BUDGET;
    const policy = await this.#policies.resolve({
      model: registered.name,
      ...(request.route === undefined ? {} : { route: request.route }),
    });
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
      policyVersion: policy.label,
      modelConfigurationVersion: registered.configurationVersion,
      sessionId: request.sessionId,
      endUserId: request.endUserId,
      tenant: request.tenant ?? DEFAULT_TENANT,
      status: 'running',
      text: '',
      reasoning: '',
      toolCalls: [],
      finishReason: undefined,
      usage: { inputTokens: 0, outputTokens: 0 },
      timings: undefined,
      error: undefined,
      final: undefined,
      reviewItemId: undefined,
      structured: policy.tracksStructuredOutput ? new PartialJsonParser() : undefined,
      done,
      stopCause: undefined,
      startedAt: performance.now(),
      firstTokenAt: undefined,
      inputTokenEstimate: estimateTokens(request),
      redactions: new Map(),
      toolArgumentFindings: new Map(),
      outputContract: { tools: request.tools, responseFormat: request.responseFormat },
      upstreamStartedAt: undefined,
      upstreamFirstPartAt: undefined,
      upstreamEndedAt: undefined,
      upstreamUsage: undefined,
    };
    const controller = new AbortController();
    this.#entries.set(id, { state, controller });
    const context: ProducerContext = {
      store: this.#store,
      state,
      signal: controller.signal,
      guardrails: new GuardrailSession(policy.guardrails),
      reasoningGuardrails: new GuardrailSession(policy.guardrails),
      toolCalls: new ToolCallRelay(toolCallPolicy(policy.guardrails)),
      audit: this.#audit,
      observability: this.#observability,
      providerSpan: undefined,
      tokens,
      holdback: new HoldbackClock(),
    };
    tokens.charge(state.inputTokenEstimate);
    this.#observability.generationStarted({
      model: registered.name,
      provider: registered.provider,
      tenant: state.tenant,
    });
    // Guardrails run across the whole stream: one span from the first part to the end.
    const guardrailSpan = this.#observability.tracing.startStepSpan(
      request.traceParent,
      'sluice.guardrails',
      { 'sluice.policy_version': policy.label },
    );
    const finishUp = async () => {
      let redactions = 0;
      for (const count of state.redactions.values()) redactions += count;
      guardrailSpan.end({
        attributes: {
          'sluice.redactions': redactions,
          'sluice.blocked': state.finishReason === 'content-filter',
        },
      });
      const started = performance.now();
      const span = this.#observability.tracing.startStepSpan(
        request.traceParent,
        'sluice.finalization',
      );
      await finalizeGeneration({
        store: this.#store,
        state,
        policy,
        audit: this.#audit,
        reviews: this.#reviews,
        metrics: this.#observability.metrics,
      }).catch(() => undefined);
      span.end(state.final ? { attributes: { 'sluice.verdict': state.final.verdict } } : {});
      this.#observability.metrics.finalized({
        model: state.model,
        verdict: state.final?.verdict ?? 'none',
        durationMs: performance.now() - started,
      });
      tokens.release();
      admission.lease?.release();
      resolveDone();
    };
    const subject = auditSubject(state);
    this.#audit.record({
      type: 'request-accepted',
      generationId: id,
      ...subject,
      ...(request.keyId === undefined ? {} : { actor: request.keyId }),
      payload: {
        model: registered.name,
        policyVersion: policy.label,
        modelConfigurationVersion: registered.configurationVersion,
        requestSha256: requestHash(request),
        ...(request.route === undefined ? {} : { route: request.route }),
      },
    });

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

    const providerSpan = this.#observability.tracing.startProviderSpan(request.traceParent, {
      provider: registered.provider,
      requestModel: registered.model.modelId,
      maxTokens: request.maxTokens,
      temperature: request.temperature,
    });
    context.providerSpan = providerSpan;
    state.upstreamStartedAt = performance.now();
    let result: Awaited<ReturnType<typeof registered.model.doStream>>;
    try {
      result = await registered.model.doStream({
        ...callOptions,
        abortSignal: controller.signal,
        headers: { ...request.upstreamHeaders, ...providerSpan.upstreamHeaders },
      });
    } catch (error) {
      const ending = controller.signal.aborted ? stopped(state.stopCause) : failure(error);
      await endGeneration(context, ending, { outputTokens: 0 });
      await finishUp();
      return state;
    }
    this.#audit.record({
      type: 'generation-started',
      generationId: id,
      ...subject,
      payload: {
        model: registered.name,
        provider: registered.provider,
        policyVersion: policy.label,
        modelConfigurationVersion: registered.configurationVersion,
      },
    });

    void pumpModelStream(context, result.stream).finally(async () => {
      // Release the upstream if the model left it open (a block, or the log went away).
      if (!controller.signal.aborted) controller.abort('done');
      await finishUp();
    });
    return state;
  }

  /**
   * Throws `UnknownModelError`, or `UnsupportedOptionsError` when the model cannot carry
   * an option the request sets: callers check before they spend admission on a request.
   */
  checkRequest(request: GenerationRequest): void {
    this.#registered(request);
  }

  #registered(request: GenerationRequest) {
    const registered = this.#models.get(request.model);
    if (!registered) throw new UnknownModelError(`Unknown model ${request.model}`);
    const unsupported = registered.model.unsupportedOptions(callOptionsOf(request));
    if (unsupported.length > 0) throw new UnsupportedOptionsError(registered.provider, unsupported);
    return registered;
  }

  /**
   * Stops a running generation (idempotent). Resolves once its terminal event and
   * verdict are in the log; partial text is kept.
   */
  async stop(id: string, cause: StopCause = 'cancelled'): Promise<Generation | undefined> {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.state.status === 'running' && !entry.controller.signal.aborted) {
      entry.state.stopCause = cause;
      entry.controller.abort(cause);
      this.#audit.record({
        type: 'generation-cancelled',
        generationId: id,
        ...auditSubject(entry.state),
        payload: { reason: cause },
      });
    }
    await entry.state.done;
    return entry.state;
  }

  /** Delivers a reviewer's decision to the generation's log, if it was held open for it. */
  async applyReviewDecision(item: ReviewItem): Promise<boolean> {
    const entry = this.#entries.get(item.generationId);
    if (!entry) return false;
    entry.state.reviewItemId = undefined;
    return appendReviewDecision(this.#store, entry.state, item);
  }

  /** Forgets a generation's content: its log and its text (data-subject deletion). */
  async deleteContent(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (entry?.state.status === 'running') await this.stop(id, 'cancelled');
    await this.#store.delete(GenerationService.streamPath(id)).catch(() => false);
    if (entry) {
      entry.state.text = '';
      entry.state.reasoning = '';
      entry.state.toolCalls = [];
      entry.state.final = undefined;
    }
  }

  /** Interrupts every running generation (shutdown); their partial text stays readable. */
  async interruptAll(): Promise<void> {
    await Promise.all(this.running().map((generation) => this.stop(generation.id, 'interrupted')));
  }

  async dispose(): Promise<void> {
    clearInterval(this.#sweepTimer);
    await this.interruptAll();
    // Logs held open for a review decision end with the process.
    await Promise.all(
      [...this.#entries.values()]
        .filter((entry) => entry.state.reviewItemId !== undefined)
        .map((entry) => this.#store.close(entry.state.streamPath).catch(() => undefined)),
    );
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

/** The model call the request asks for: every option it set, nothing it did not. */
function callOptionsOf(request: GenerationRequest): LanguageModelCallOptions {
  const options: LanguageModelCallOptions = { messages: request.messages };
  if (request.tools !== undefined) options.tools = request.tools;
  if (request.toolChoice !== undefined) options.toolChoice = request.toolChoice;
  if (request.responseFormat !== undefined) options.responseFormat = request.responseFormat;
  if (request.maxTokens !== undefined) options.maxTokens = request.maxTokens;
  if (request.temperature !== undefined) options.temperature = request.temperature;
  if (request.topP !== undefined) options.topP = request.topP;
  if (request.stop !== undefined) options.stop = request.stop;
  if (request.seed !== undefined) options.seed = request.seed;
  if (request.reasoning !== undefined) options.reasoning = request.reasoning;
  if (request.providerOptions !== undefined) options.providerOptions = request.providerOptions;
  if (request.simulator !== undefined) options.simulator = request.simulator;
  return options;
}

/** A rough count for usage when the upstream reports none: about four characters a token. */
function estimateTokens(request: GenerationRequest): number {
  let characters = 0;
  for (const message of request.messages) characters += messageCharacters(message);
  return Math.ceil(characters / 4);
}

/** Identifies the request in the audit log without storing its content. */
function requestHash(request: GenerationRequest): string {
  const { upstreamHeaders: _headers, traceParent: _trace, ...content } = request;
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}
