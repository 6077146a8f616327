/**
 * Starting one generation on this node: its record (written before anything else, so a
 * store that cannot take it fails the request cleanly), its log with `response-start`, the
 * producer's local state and stages, the upstream call, and — once the producer ended —
 * finalization and the release of what admission handed out. `launchGeneration` resolves
 * as soon as the log exists, never waiting for the model; `accepted` tells when the
 * upstream answered.
 */
import { createHash, randomUUID } from 'node:crypto';
import { messageCharacters } from '@sluice/protocol';
import { type TokenBudget, UNLIMITED_TOKEN_BUDGET } from '../control/quotas/token-budget.ts';
import { errorGuard, SluiceError } from '../errors/sluice-error.ts';
import type { ActivePolicy } from '../governance/policy-runtime.ts';
import type { ReviewQueue } from '../governance/review/review-queue.ts';
import type { GatewayObservability } from '../observability/observability.ts';
import type {
  LanguageModelCallOptions,
  LanguageModelStreamPart,
} from '../providers/language-model.ts';
import type { GenerationStore } from '../store/generation-store.ts';
import type { StreamStore } from '../store/stream-store.ts';
import type { AuditTrail } from './audit-trail.ts';
import type { GenerationRequest } from './generation.ts';
import { finalizeGeneration } from './generation-finalization.ts';
import { pumpModelStream } from './generation-producer.ts';
import type { GenerationRecord } from './generation-record.ts';
import { screenRequest } from './input-screening.ts';
import type { RegisteredModel } from './model-registry.ts';
import { endGeneration, failure, stopped } from './producer-endings.ts';
import { encodeEvent } from './producer-release.ts';
import { auditSubject, type ProducerContext, type ProducerState } from './producer-state.ts';
import { CoalescingAppender } from './stages/coalescing-appender.ts';
import { GuardrailStage } from './stages/guardrail-stage.ts';
import { ReleasedContent } from './stages/released-content.ts';
import { TokenMetering } from './stages/token-metering.ts';
import { toolCallPolicy } from './stages/tool-call-policy.ts';
import { ToolCallRelay } from './stages/tool-call-relay.ts';

export const GENERATION_STREAM_PREFIX = 'generations/';
export const DEFAULT_TENANT = 'default';

/** What admission control handed the generation; released when it ends. */
export interface Admission {
  tokens?: TokenBudget;
  lease?: { release(): void };
}

/** The producer identity of every generation log's appends (with the lease epoch). */
export const PRODUCER_ID = 'sluice-producer';

/**
 * This node's part in a cluster: the lease a producer runs under (`cluster/lease-keeper.ts`).
 * Without it (one process) producers take no lease and their appends carry no epoch.
 */
export interface ProducerLeasing {
  /** Takes the lease of a new generation; its epoch fences every write of the producer. */
  acquire(id: string): Promise<number>;
  /** Gives the lease up (the producer ended, or never started); only `epoch`'s, if given. */
  release(id: string, epoch?: number): void;
  /** Whether requests are kept so another node can continue a lost producer. */
  readonly keepsRequests: boolean;
}

export interface LaunchServices {
  store: StreamStore;
  records: GenerationStore;
  reviews: ReviewQueue;
  audit: AuditTrail;
  observability: GatewayObservability;
  ttlSeconds: number;
  cluster?: ProducerLeasing | undefined;
}

/** The producer as this node holds it: what cannot be serialised. */
export interface LocalProducer {
  readonly state: ProducerState;
  readonly controller: AbortController;
  /** Resolves once the terminal event and the verdict are in the log and the record. */
  readonly done: Promise<void>;
  /** Bytes the generation's log holds (final once `done` resolved). */
  logBytes(): number;
}

/**
 * A generation that started: its record, its log open with `response-start`, the upstream
 * called. `accepted` settles once the upstream answered (its first token, through the
 * resilience wrapper) or failed before streaming — then with the failed record.
 */
export interface LaunchedGeneration {
  record: GenerationRecord;
  accepted: Promise<GenerationRecord>;
}

/** The record store refused the new record: the request fails before anything started. */
export class RecordUnavailableError extends SluiceError {
  static override readonly isInstance =
    errorGuard<RecordUnavailableError>('RecordUnavailableError');
  override readonly name = 'RecordUnavailableError';
  readonly code = 'SLUICE_ERR_STORE_UNAVAILABLE' as const;
}

export function generationStreamPath(id: string): string {
  return `${GENERATION_STREAM_PREFIX}${id}`;
}

export async function launchGeneration(
  services: LaunchServices,
  registered: RegisteredModel,
  policy: ActivePolicy,
  received: GenerationRequest,
  admission: Admission,
  register: (producer: LocalProducer) => void,
): Promise<LaunchedGeneration> {
  // Input guardrails first: a refused request creates nothing. The audit identifies the
  // request as received; the model and everything after it see the screened messages.
  const { request, redactions: inputRedactions } = screenRequest(policy.guardrails.input, received);
  const id = `gen_${randomUUID().replaceAll('-', '')}`;
  const streamPath = generationStreamPath(id);
  const tokens = admission.tokens ?? UNLIMITED_TOKEN_BUDGET;
  const { cluster } = services;
  let producerEpoch: number | undefined;
  try {
    producerEpoch = await cluster?.acquire(id);
  } catch (error) {
    throw new RecordUnavailableError('The generation could not be leased; nothing was started', {
      cause: error,
    });
  }
  const record: GenerationRecord = {
    id,
    model: registered.name,
    provider: registered.provider,
    streamPath,
    createdAt: new Date().toISOString(),
    onDisconnect: request.onDisconnect ?? 'continue',
    policyVersion: policy.label,
    modelConfigurationVersion: registered.configurationVersion,
    tenant: request.tenant ?? DEFAULT_TENANT,
    ...(request.sessionId === undefined ? {} : { sessionId: request.sessionId }),
    ...(request.endUserId === undefined ? {} : { endUserId: request.endUserId }),
    ...(request.route === undefined ? {} : { route: request.route }),
    ...(producerEpoch === undefined ? {} : { producerEpoch }),
    tracksStructuredOutput: policy.tracksStructuredOutput,
    status: 'running',
    usage: { inputTokens: 0, outputTokens: 0 },
    text: '',
    reasoning: '',
    toolCalls: [],
    finalized: false,
  };
  try {
    await services.records.create(record);
    if (cluster?.keepsRequests) await services.records.keepRequest(id, keptRequest(request));
  } catch (error) {
    cluster?.release(id);
    throw new RecordUnavailableError('The generation could not be recorded; nothing was started', {
      cause: error,
    });
  }

  const state = producerState(record, estimateTokens(request), request);
  // The log is created while the model is called: the first token waits for neither, and
  // the appender holds what the producer releases until the log exists.
  const logCreated = services.store.create(streamPath, {
    contentType: 'application/json',
    ttlSeconds: services.ttlSeconds,
  });
  // Its failure is the appender's (below); never an unhandled rejection meanwhile.
  logCreated.catch(() => undefined);
  const producer = openProducer(services, {
    policy,
    state,
    tokens,
    admission,
    traceParent: request.traceParent,
    logCreated,
  });
  register(producer.local);
  const { context } = producer;
  const { audit } = services;
  tokens.charge(state.inputTokenEstimate);
  const subject = auditSubject(state);
  audit.record({
    type: 'request-accepted',
    generationId: id,
    ...subject,
    ...(request.keyId === undefined ? {} : { actor: request.keyId }),
    payload: {
      model: registered.name,
      policyVersion: policy.label,
      modelConfigurationVersion: registered.configurationVersion,
      requestSha256: requestHash(received),
      ...(Object.keys(inputRedactions).length === 0 ? {} : { inputRedactions }),
      ...(request.route === undefined ? {} : { route: request.route }),
    },
  });

  context.appender.push(
    encodeEvent({
      type: 'response-start',
      id,
      model: registered.name,
      provider: registered.provider,
      createdAt: record.createdAt,
    }),
  );
  const accepted = streamFromModel(producer, registered, callOptionsOf(request), {
    traceParent: request.traceParent,
    upstreamHeaders: request.upstreamHeaders,
    onStreaming: () =>
      audit.record({
        type: 'generation-started',
        generationId: id,
        ...subject,
        payload: {
          model: registered.name,
          provider: registered.provider,
          policyVersion: policy.label,
          modelConfigurationVersion: registered.configurationVersion,
        },
      }),
  }).then(() => snapshot(record, context));
  try {
    await context.appender.flush();
  } catch (error) {
    // No log (the store refused it or is away): the generation fails in its record, the
    // model call stops, admission is released when the producer is done; the caller
    // answers with the store's error.
    await endGeneration(context, failure(error), { outputTokens: 0 });
    producer.controller.abort('done');
    throw error;
  }
  return { record: snapshot(record, context), accepted };
}

/** What `openProducer` needs besides the services. */
export interface ProducerSetup {
  policy: ActivePolicy;
  state: ProducerState;
  tokens: TokenBudget;
  admission?: Admission;
  traceParent?: GenerationRequest['traceParent'];
  /** What earlier producers of this generation released (a taken-over generation). */
  content?: ReleasedContent;
  /** The log was fenced for this epoch (`fenceLog`): appends start at sequence 1. */
  fenced?: boolean;
  /** The log's creation, still running: appends wait for it. */
  logCreated?: Promise<unknown>;
}

/** A producer ready to run: its stages, its local handle and its ending. */
export interface OpenProducer {
  readonly context: ProducerContext;
  readonly local: LocalProducer;
  readonly controller: AbortController;
  /** Finalizes (unless the producer lost its lease), releases admission, resolves `done`. */
  finishUp(): Promise<void>;
}

/**
 * The producer's stages and ending for one generation whose record and log exist: the
 * guardrails, tool-call stage, released content and the appender (fenced by the lease epoch
 * in a cluster), and the finalization that runs once it ended.
 */
export function openProducer(services: LaunchServices, setup: ProducerSetup): OpenProducer {
  const { policy, state, tokens } = setup;
  const { observability, audit } = services;
  const controller = new AbortController();
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const context: ProducerContext = {
    state,
    records: services.records,
    signal: controller.signal,
    metering: new TokenMetering(tokens),
    text: new GuardrailStage(policy.guardrails, state.redactions, (waited) =>
      observability.metrics.holdbackDelay(waited),
    ),
    reasoning: new GuardrailStage(policy.guardrails, state.redactions),
    toolCalls: new ToolCallRelay(toolCallPolicy(policy.guardrails)),
    content: setup.content ?? new ReleasedContent(),
    appender: new CoalescingAppender(services.store, state.streamPath, {
      ...(state.producerEpoch === undefined
        ? {}
        : {
            producer: {
              id: PRODUCER_ID,
              epoch: state.producerEpoch,
              firstSeq: setup.fenced ? 1 : 0,
            },
          }),
      ...(setup.logCreated === undefined ? {} : { after: setup.logCreated }),
    }),
    audit,
    observability,
    providerSpan: undefined,
  };
  observability.generationStarted({
    model: state.model,
    provider: state.provider,
    tenant: state.tenant,
  });
  // Guardrails run across the whole stream: one span from the first part to the end.
  const guardrailSpan = observability.tracing.startStepSpan(
    setup.traceParent,
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
    if (context.appender.fenced) state.leaseLost = true;
    // A producer another node took over leaves the ending to that node.
    if (!state.leaseLost) {
      const started = performance.now();
      const span = observability.tracing.startStepSpan(setup.traceParent, 'sluice.finalization');
      const final = await finalizeGeneration({
        records: services.records,
        state,
        content: context.content,
        appender: context.appender,
        policy,
        audit,
        reviews: services.reviews,
        observability,
      });
      span.end(final ? { attributes: { 'sluice.verdict': final.verdict } } : {});
      observability.metrics.finalized({
        model: state.model,
        verdict: final?.verdict ?? 'none',
        durationMs: performance.now() - started,
      });
    }
    tokens.release();
    setup.admission?.lease?.release();
    resolveDone();
  };
  const local: LocalProducer = {
    state,
    controller,
    done,
    logBytes: () => context.appender.pushedBytes,
  };
  return { context, local, controller, finishUp };
}

export interface ModelCall {
  traceParent?: GenerationRequest['traceParent'];
  upstreamHeaders?: Record<string, string> | undefined;
  /** Called once the upstream answered and its parts start flowing. */
  onStreaming?: () => void;
  /** Wraps the model's parts (a continuation drops the whitespace its prefix lost). */
  parts?: (parts: AsyncIterable<LanguageModelStreamPart>) => AsyncIterable<LanguageModelStreamPart>;
}

/**
 * Calls the model and pumps its parts through the producer, then finishes up. Resolves
 * once the upstream answered or failed before streaming (the producer then already ended);
 * the pump goes on in the background.
 */
export async function streamFromModel(
  producer: OpenProducer,
  registered: RegisteredModel,
  options: LanguageModelCallOptions,
  call: ModelCall = {},
): Promise<void> {
  const { context, controller, finishUp } = producer;
  const { state, observability } = context;
  const providerSpan = observability.tracing.startProviderSpan(call.traceParent, {
    provider: registered.provider,
    requestModel: registered.model.modelId,
    maxTokens: options.maxTokens,
    temperature: options.temperature,
  });
  context.providerSpan = providerSpan;
  state.upstreamStartedAt = performance.now();
  let result: Awaited<ReturnType<typeof registered.model.doStream>>;
  try {
    result = await registered.model.doStream({
      ...options,
      abortSignal: controller.signal,
      headers: { ...call.upstreamHeaders, ...providerSpan.upstreamHeaders },
    });
  } catch (error) {
    const ending = controller.signal.aborted ? stopped(state.stopCause) : failure(error);
    await endGeneration(context, ending, { outputTokens: 0 });
    await finishUp();
    return;
  }
  call.onStreaming?.();
  const parts = call.parts ? call.parts(result.stream) : result.stream;
  void pumpModelStream(context, parts).finally(async () => {
    // Release the upstream if the model left it open (a block, or the log went away).
    if (!controller.signal.aborted) controller.abort('done');
    await finishUp();
  });
}

/** The producer's state for a record; `startedAt` is when the generation was created. */
export function producerState(
  record: GenerationRecord,
  inputTokenEstimate: number,
  contract: Pick<GenerationRequest, 'tools' | 'responseFormat'>,
): ProducerState {
  const age = Math.max(0, Date.now() - Date.parse(record.createdAt));
  return {
    id: record.id,
    model: record.model,
    provider: record.provider,
    streamPath: record.streamPath,
    tenant: record.tenant,
    sessionId: record.sessionId,
    endUserId: record.endUserId,
    policyVersion: record.policyVersion,
    modelConfigurationVersion: record.modelConfigurationVersion,
    producerEpoch: record.producerEpoch,
    leaseLost: false,
    status: 'running',
    stopCause: undefined,
    finishReason: undefined,
    usage: record.usage,
    timings: undefined,
    error: undefined,
    startedAt: performance.now() - (Number.isFinite(age) ? age : 0),
    firstTokenAt: undefined,
    inputTokenEstimate,
    redactions: new Map(),
    toolArgumentFindings: new Map(),
    outputContract: { tools: contract.tools, responseFormat: contract.responseFormat },
    upstreamStartedAt: undefined,
    upstreamFirstPartAt: undefined,
    upstreamEndedAt: undefined,
    upstreamUsage: undefined,
  };
}

/** The record as the producer left it so far (the launching route's answer). */
function snapshot(record: GenerationRecord, context: ProducerContext): GenerationRecord {
  const { state, content } = context;
  const current: GenerationRecord = {
    ...record,
    status: state.status,
    usage: state.usage,
    text: content.text,
    reasoning: content.reasoning,
    toolCalls: [...content.toolCalls],
  };
  if (state.finishReason !== undefined) current.finishReason = state.finishReason;
  if (state.error !== undefined) current.error = state.error;
  if (state.timings !== undefined) current.timings = state.timings;
  return current;
}

/** The model call the request asks for: every option it set, nothing it did not. */
export function callOptionsOf(request: GenerationRequest): LanguageModelCallOptions {
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
export function estimateTokens(request: Pick<GenerationRequest, 'messages'>): number {
  let characters = 0;
  for (const message of request.messages) characters += messageCharacters(message);
  return Math.ceil(characters / 4);
}

/**
 * The request as kept for another node to continue the generation: everything but the
 * pass-through upstream headers, which may hold credentials and are never stored, and this
 * node's trace span.
 */
function keptRequest(request: GenerationRequest): string {
  const { upstreamHeaders: _headers, traceParent: _trace, ...kept } = request;
  return JSON.stringify(kept);
}

/** Identifies the request in the audit log without storing its content. */
function requestHash(request: GenerationRequest): string {
  const { upstreamHeaders: _headers, traceParent: _trace, ...content } = request;
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}
