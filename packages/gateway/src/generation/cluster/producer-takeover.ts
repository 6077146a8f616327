/**
 * Taking over a generation whose producer was lost (its node died or was cut off and its
 * lease expired). The claiming node holds a new lease epoch; it first moves the record's
 * `producerEpoch` on (compare-and-set) and fences the log with an empty append under the
 * new epoch, so the old producer — should it come back — can change neither the record
 * nor the log, and the log it reads next is final. Then, per `cluster.onProducerLost`:
 *
 * - `interrupt` (the default): the answer ends `interrupted` with the text delivered so
 *   far, and is finalized (verdict and content hash over what readers received).
 * - `continue`: the generation's request (kept in the record store) is sent to the model
 *   again with the delivered text as an assistant prefix, after a `response-seam` event
 *   (`reason: SLUICE_ERR_PRODUCER_LOST`), and the answer goes on in the same log. A
 *   generation that started a tool call, or whose request or model is not available, is
 *   interrupted instead: a continuation can resume text, not a half-written tool call.
 *   The request's `maxTokens` holds across the seam (the continuation is asked for what
 *   is left, counting the delivered deltas).
 *
 * A generation that had already ended but was not finalized (its node died in between) is
 * finalized; one whose log is closed only has its record marked finalized.
 */
import type { GenerationEvent, TerminalEvent } from '@sluice/protocol';
import { UNLIMITED_TOKEN_BUDGET } from '../../control/quotas/token-budget.ts';
import { continuationMessages } from '../../control/resilience/continuation-messages.ts';
import type { PolicyRuntime } from '../../governance/policy-runtime.ts';
import type { LanguageModelStreamPart } from '../../providers/language-model.ts';
import {
  StreamClosedError,
  StreamGoneError,
  StreamNotFoundError,
} from '../../store/stream-store.ts';
import type { GenerationRequest } from '../generation.ts';
import type { GenerationRecord } from '../generation-record.ts';
import {
  callOptionsOf,
  estimateTokens,
  type LaunchServices,
  type LocalProducer,
  type OpenProducer,
  openProducer,
  PRODUCER_ID,
  producerState,
  streamFromModel,
} from '../launch-generation.ts';
import { forEachLogEvent } from '../log-content.ts';
import type { ModelRegistry } from '../model-registry.ts';
import { endGeneration, failure } from '../producer-endings.ts';
import { pushEvent } from '../producer-release.ts';
import { auditSubject } from '../producer-state.ts';
import { fenceLog } from '../stages/coalescing-appender.ts';
import { ReleasedContent } from '../stages/released-content.ts';

export type ProducerLostAction = 'continue' | 'interrupt';

/** The error code a `response-seam` carries when a node took a lost producer over. */
export const PRODUCER_LOST_CODE = 'SLUICE_ERR_PRODUCER_LOST';

export interface TakeoverServices extends LaunchServices {
  models: ModelRegistry;
  policies: PolicyRuntime;
  onProducerLost: ProducerLostAction;
  nodeId: string;
}

/** What the takeover did; `released` ones leave the lease to be released by the caller. */
export type TakeoverOutcome =
  | 'continued'
  | 'interrupted'
  | 'finalized'
  | { released: 'gone' | 'already-finalized' | 'raced' };

/** The log as the lost producer left it. */
interface LeftLog {
  content: ReleasedContent;
  terminal: TerminalEvent | undefined;
  toolCallStarted: boolean;
  /** Text and reasoning deltas: about the output tokens the lost producer delivered. */
  deltas: number;
}

/** Reads the log as the lost producer left it; undefined when the log is gone. */
async function readLeftLog(services: LaunchServices, path: string): Promise<LeftLog | undefined> {
  const content = new ReleasedContent();
  let terminal: TerminalEvent | undefined;
  let toolCallStarted = false;
  let deltas = 0;
  const visit = (event: GenerationEvent) => {
    if (event.type === 'text-delta') {
      deltas += 1;
      content.addText(event.delta);
    } else if (event.type === 'reasoning-delta') {
      deltas += 1;
      content.addReasoning(event.delta);
    } else if (event.type === 'tool-call-start') toolCallStarted = true;
    else if (event.type === 'tool-call-end') {
      content.addToolCall({
        toolCallId: event.toolCallId,
        toolName: event.toolName,
        arguments: event.arguments,
      });
    } else if (event.type === 'response-finish' || event.type === 'response-error') {
      terminal = event;
    }
  };
  try {
    await forEachLogEvent(services.store, path, visit);
    return { content, terminal, toolCallStarted, deltas };
  } catch (error) {
    if (StreamNotFoundError.isInstance(error) || StreamGoneError.isInstance(error)) {
      return undefined;
    }
    throw error;
  }
}

/** Fences the log for `epoch`, then reads what the lost producer left in it. */
async function fenceAndRead(
  services: LaunchServices,
  path: string,
  epoch: number,
): Promise<LeftLog | 'gone' | 'closed'> {
  try {
    await fenceLog(services.store, path, { id: PRODUCER_ID, epoch });
  } catch (error) {
    if (StreamClosedError.isInstance(error)) return 'closed';
    if (StreamNotFoundError.isInstance(error) || StreamGoneError.isInstance(error)) return 'gone';
    throw error;
  }
  return (await readLeftLog(services, path)) ?? 'gone';
}

/**
 * Takes over generation `id` under lease `epoch`. `register` hands the new producer to
 * the generation service (so cancel and shutdown reach it); its `done` ends the lease.
 */
export async function takeOverGeneration(
  services: TakeoverServices,
  id: string,
  epoch: number,
  register: (producer: LocalProducer) => void,
): Promise<TakeoverOutcome> {
  const { records } = services;
  const record = await records.get(id);
  if (record === undefined) return { released: 'gone' };
  if (record.finalized) return { released: 'already-finalized' };
  const fence =
    record.producerEpoch === undefined
      ? { ifStatus: record.status }
      : { ifStatus: record.status, ifProducerEpoch: record.producerEpoch };
  const fenced = await records.update(id, { producerEpoch: epoch }, fence);
  if (fenced === undefined) return { released: 'raced' };
  const taken: GenerationRecord = { ...fenced, producerEpoch: epoch };
  const log = await fenceAndRead(services, taken.streamPath, epoch);
  if (log === 'gone') {
    // The log expired or was deleted: nothing to deliver to; the record says how it ended.
    await records.update(
      id,
      { status: 'interrupted', finishReason: 'interrupted', finalized: true },
      { ifStatus: 'running' },
    );
    return { released: 'gone' };
  }
  if (log === 'closed') {
    // The old producer finalized the log and died before the record said so.
    await records.update(id, { finalized: true });
    return { released: 'already-finalized' };
  }

  const kept = await records.keptRequest(id).catch(() => undefined);
  const request = kept === undefined ? undefined : (JSON.parse(kept) as GenerationRequest);
  const policy = await services.policies.resolve({
    model: taken.model,
    ...(taken.route === undefined ? {} : { route: taken.route }),
  });
  const state = producerState(
    taken,
    request === undefined ? taken.usage.inputTokens : estimateTokens(request),
    request ?? {},
  );
  const producer = openProducer(services, {
    policy,
    state,
    tokens: UNLIMITED_TOKEN_BUDGET,
    content: log.content,
    fenced: true,
  });
  register(producer.local);
  const registered = services.models.get(taken.model);
  const running = taken.status === 'running' && log.terminal === undefined;
  const canContinue =
    running &&
    services.onProducerLost === 'continue' &&
    request !== undefined &&
    registered !== undefined &&
    !log.toolCallStarted;
  services.audit.record({
    type: 'producer-taken-over',
    generationId: id,
    ...auditSubject(state),
    payload: {
      node: services.nodeId,
      action: canContinue ? 'continued' : running ? 'interrupted' : 'finalized',
      deliveredCharacters: log.content.text.length,
    },
  });
  if (canContinue) {
    try {
      await continueGeneration(producer, registered, request, log);
    } catch (error) {
      // The seam could not be written (the log failed): end it here, as a producer would.
      await endGeneration(producer.context, failure(error), { outputTokens: log.deltas });
      await producer.finishUp();
    }
    return 'continued';
  }
  if (running) {
    state.stopCause = 'interrupted';
    await endGeneration(
      producer.context,
      { kind: 'finish', status: 'interrupted', finishReason: 'interrupted' },
      { outputTokens: Math.ceil(log.content.text.length / 4) },
    );
    await producer.finishUp();
    return 'interrupted';
  }
  await finishEnded(producer, taken, log);
  return 'finalized';
}

/** Sends the request again with the delivered text as prefix, after a `response-seam`. */
async function continueGeneration(
  producer: OpenProducer,
  registered: NonNullable<ReturnType<ModelRegistry['get']>>,
  request: GenerationRequest,
  log: LeftLog,
): Promise<void> {
  const { context } = producer;
  await pushEvent(context, {
    type: 'response-seam',
    from: registered.name,
    to: registered.name,
    reason: PRODUCER_LOST_CODE,
    afterCharacters: log.content.text.length,
  });
  const prompt = continuationMessages(request.messages, log.content.text);
  // The answer's token cap holds across the seam: the continuation gets what is left.
  const maxTokens =
    request.maxTokens === undefined ? undefined : Math.max(1, request.maxTokens - log.deltas);
  await streamFromModel(
    producer,
    registered,
    callOptionsOf({
      ...request,
      messages: prompt.messages,
      ...(maxTokens === undefined ? {} : { maxTokens }),
    }),
    prompt.trimmedWhitespace ? { parts: withoutLeadingWhitespace } : {},
  );
}

/**
 * The generation ended but its node died before finalizing: the terminal event goes to the
 * log if it is not there yet (the record already has the outcome), then the finalizer runs.
 */
async function finishEnded(
  producer: OpenProducer,
  record: GenerationRecord,
  log: LeftLog,
): Promise<void> {
  const { context } = producer;
  const { state } = context;
  if (log.terminal?.type === 'response-finish') {
    state.finishReason = log.terminal.finishReason;
    state.usage = log.terminal.usage;
    state.timings = log.terminal.timings;
  } else if (log.terminal?.type === 'response-error') {
    state.finishReason = 'error';
    state.error = {
      code: log.terminal.code,
      message: log.terminal.message,
      retryable: log.terminal.retryable,
    };
  } else {
    state.finishReason = record.finishReason;
    state.usage = record.usage;
    state.timings = record.timings;
    state.error = record.error;
  }
  state.status =
    record.status !== 'running'
      ? record.status
      : state.finishReason === 'error'
        ? 'failed'
        : state.finishReason === 'cancelled' || state.finishReason === 'interrupted'
          ? state.finishReason
          : 'finished';
  if (log.terminal === undefined) {
    const timings = state.timings ?? { timeToFirstTokenMs: null, durationMs: 0 };
    const terminal: TerminalEvent = state.error
      ? { type: 'response-error', ...state.error }
      : {
          type: 'response-finish',
          finishReason: state.finishReason ?? 'interrupted',
          usage: state.usage,
          timings,
        };
    await pushEvent(context, terminal);
  } else if (record.status === 'running') {
    // The terminal reached the log but not the record (its store failed at the time).
    await context.records.update(
      state.id,
      {
        status: state.status,
        finishReason: state.finishReason,
        usage: state.usage,
        ...(state.error === undefined ? {} : { error: state.error }),
      },
      { ifStatus: 'running', ifProducerEpoch: state.producerEpoch as number },
    );
  }
  await context.appender.flush();
  await producer.finishUp();
}

/** The continuation's parts without the whitespace its trimmed prefix already delivered. */
async function* withoutLeadingWhitespace(
  parts: AsyncIterable<LanguageModelStreamPart>,
): AsyncIterable<LanguageModelStreamPart> {
  let leading = true;
  for await (const part of parts) {
    if (leading && part.type === 'text-delta') {
      const delta = part.delta.trimStart();
      if (delta === '') continue;
      leading = false;
      yield { ...part, delta };
    } else {
      yield part;
    }
  }
}
