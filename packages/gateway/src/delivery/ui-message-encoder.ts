/**
 * Generation events as the Vercel AI SDK's UI message stream (protocol v1, what `useChat`
 * and `readUIMessageStream` parse): `start`, `start-step`, `text-*`, `reasoning-*`,
 * `tool-input-*`, `finish-step`, `finish`, `error`, then `[DONE]`. Sluice's own events
 * travel as `data-sluice-*` parts, never as extra fields on standard parts (the SDK's
 * chunk schemas are strict about shapes): the verdict (`data-sluice-final`), a retraction
 * (`data-sluice-retract`), a review decision (`data-sluice-review`), a fallback seam
 * (`data-sluice-seam`), a guardrail block and a quota stop.
 *
 * Every id the encoder writes is derived from the log alone (`text-0`, `reasoning-1`, the
 * generation's id as the message id), so a resume that replays the log from its start
 * rebuilds exactly the message a clean read did. `finish` and `[DONE]` come when the log
 * closes: after the verdict, or after a reviewer's decision when the policy holds it open.
 *
 * Per-token events in the canonical layout are written around the JSON string literal the
 * log already holds (no parse, no stringify per token), as the OpenAI encoder does.
 */
import {
  decodeGenerationEvent,
  type FinishReason,
  type GenerationEvent,
  reasoningDeltaLiteral,
  textDeltaLiteral,
  toolCallDeltaLiterals,
} from '@sluice/protocol';
import type { ReadBatch } from '../store/stream-store.ts';
import { deliveryFailureEvent } from './delivery-failure-event.ts';
import type { EventFrame, FrameEncoder } from './frame.ts';

/** The response header that tells the AI SDK which stream protocol it reads. */
export const UI_MESSAGE_STREAM_HEADER = 'x-vercel-ai-ui-message-stream';
export const UI_MESSAGE_STREAM_VERSION = 'v1';

/** The finish reasons the SDK's `finish` chunk accepts. */
export type UiFinishReason =
  | 'stop'
  | 'length'
  | 'content-filter'
  | 'tool-calls'
  | 'error'
  | 'other';

export function uiFinishReason(reason: FinishReason | undefined): UiFinishReason {
  switch (reason) {
    case 'stop':
    case 'length':
    case 'content-filter':
    case 'tool-calls':
    case 'error':
      return reason;
    case 'quota':
      return 'length';
    default:
      // cancelled, interrupted, or no terminal event at all.
      return 'other';
  }
}

export interface UiMessageEncoderOptions {
  /** The assistant message's id in `start` (the generation's id: the same on every read). */
  messageId: string;
}

const DONE: EventFrame = { data: '[DONE]' };
const decoder = new TextDecoder();

type OpenPart = { kind: 'text' | 'reasoning'; id: string } | undefined;

/** One encoder per response: it tracks which part is open and the calls by index. */
export class UiMessageEncoder implements FrameEncoder<EventFrame> {
  readonly #messageId: string;
  #started = false;
  #stepOpen = false;
  #open: OpenPart;
  #partCount = 0;
  readonly #calls = new Map<number, { toolCallId: string; toolName: string }>();
  #finishReason: FinishReason | undefined;
  #seams = 0;
  #complete = false;

  constructor(options: UiMessageEncoderOptions) {
    this.#messageId = options.messageId;
  }

  encode(batch: ReadBatch): EventFrame[] {
    const frames: EventFrame[] = [];
    for (const message of batch.messages) {
      if (this.#complete) break;
      const json = decoder.decode(message.data);
      if (!this.#encodeInPlace(json, frames))
        this.#encodeEvent(decodeGenerationEvent(json), frames);
    }
    if (batch.closed && !this.#complete) this.#finish(frames);
    return frames;
  }

  /** A read that failed mid-stream: an `error` chunk (the connection then ends). */
  encodeFailure(error: unknown): EventFrame[] {
    if (this.#complete) return [];
    const failure = deliveryFailureEvent(error);
    this.#complete = true;
    return [chunk({ type: 'error', errorText: `${failure.code}: ${failure.message}` })];
  }

  /** True once `[DONE]` was produced. */
  isComplete(): boolean {
    return this.#complete;
  }

  /** The frames for one decoded event (the general path, and the reference in tests). */
  encodeEvent(event: GenerationEvent): EventFrame[] {
    const frames: EventFrame[] = [];
    this.#encodeEvent(event, frames);
    return frames;
  }

  /** Frames for a per-token event in the canonical layout whose part is open; false otherwise. */
  #encodeInPlace(json: string, frames: EventFrame[]): boolean {
    const open = this.#open;
    if (open?.kind === 'text') {
      const text = textDeltaLiteral(json);
      if (text !== undefined) {
        frames.push({ data: `{"type":"text-delta","id":"${open.id}","delta":${text}}` });
        return true;
      }
    } else if (open?.kind === 'reasoning') {
      const reasoning = reasoningDeltaLiteral(json);
      if (reasoning !== undefined) {
        frames.push({ data: `{"type":"reasoning-delta","id":"${open.id}","delta":${reasoning}}` });
        return true;
      }
    }
    const call = toolCallDeltaLiterals(json);
    const known = call === undefined ? undefined : this.#calls.get(call.index);
    if (call === undefined || known === undefined) return false;
    frames.push({
      data: `{"type":"tool-input-delta","toolCallId":${JSON.stringify(known.toolCallId)},"inputTextDelta":${call.argumentsDelta}}`,
    });
    return true;
  }

  #encodeEvent(event: GenerationEvent, frames: EventFrame[]): void {
    switch (event.type) {
      case 'response-start':
        // A fallback model continuing after a seam starts again: one message, one start.
        this.#start(frames);
        return;
      case 'text-delta':
        this.#openPart('text', frames);
        frames.push(chunk({ type: 'text-delta', id: this.#open?.id, delta: event.delta }));
        return;
      case 'reasoning-delta':
        this.#openPart('reasoning', frames);
        frames.push(chunk({ type: 'reasoning-delta', id: this.#open?.id, delta: event.delta }));
        return;
      case 'tool-call-start':
        this.#step(frames);
        this.#closePart(frames);
        this.#calls.set(event.index, { toolCallId: event.toolCallId, toolName: event.toolName });
        frames.push(
          chunk({
            type: 'tool-input-start',
            toolCallId: event.toolCallId,
            toolName: event.toolName,
          }),
        );
        return;
      case 'tool-call-delta': {
        const call = this.#calls.get(event.index);
        if (call === undefined) return;
        frames.push(
          chunk({
            type: 'tool-input-delta',
            toolCallId: call.toolCallId,
            inputTextDelta: event.argumentsDelta,
          }),
        );
        return;
      }
      case 'tool-call-end':
        this.#step(frames);
        frames.push(toolInputChunk(event.toolCallId, event.toolName, event.arguments));
        return;
      case 'response-finish':
        this.#finishReason = event.finishReason;
        this.#endStep(frames);
        return;
      case 'response-error':
        this.#finishReason = 'error';
        this.#endStep(frames);
        frames.push(chunk({ type: 'error', errorText: `${event.code}: ${event.message}` }));
        return;
      case 'response-final': {
        const { type: _type, ...final } = event;
        frames.push(this.#data('sluice-final', 'final', final));
        return;
      }
      case 'response-retract':
        frames.push(this.#data('sluice-retract', 'retract', { reason: event.reason }));
        return;
      case 'review-decision': {
        const { type: _type, ...decision } = event;
        frames.push(this.#data('sluice-review', 'review', decision));
        return;
      }
      case 'response-seam': {
        const { type: _type, ...seam } = event;
        this.#closePart(frames);
        frames.push(this.#data('sluice-seam', `seam-${this.#seams++}`, seam));
        return;
      }
      case 'guardrail-block': {
        const { type: _type, ...block } = event;
        frames.push(this.#data('sluice-guardrail-block', 'guardrail-block', block));
        return;
      }
      case 'quota-exceeded': {
        const { type: _type, ...quota } = event;
        frames.push(this.#data('sluice-quota-exceeded', 'quota-exceeded', quota));
        return;
      }
      default:
        return;
    }
  }

  #start(frames: EventFrame[]): void {
    if (this.#started) return;
    this.#started = true;
    frames.push(chunk({ type: 'start', messageId: this.#messageId }));
  }

  /** Opens the step that model output belongs to (after `start`). */
  #step(frames: EventFrame[]): void {
    this.#start(frames);
    if (this.#stepOpen) return;
    this.#stepOpen = true;
    frames.push(chunk({ type: 'start-step' }));
  }

  #openPart(kind: 'text' | 'reasoning', frames: EventFrame[]): void {
    this.#step(frames);
    if (this.#open?.kind === kind) return;
    this.#closePart(frames);
    const id = `${kind}-${this.#partCount++}`;
    this.#open = { kind, id };
    frames.push(chunk({ type: `${kind}-start`, id }));
  }

  #closePart(frames: EventFrame[]): void {
    const open = this.#open;
    if (open === undefined) return;
    this.#open = undefined;
    frames.push(chunk({ type: `${open.kind}-end`, id: open.id }));
  }

  #endStep(frames: EventFrame[]): void {
    this.#closePart(frames);
    if (!this.#stepOpen) return;
    this.#stepOpen = false;
    frames.push(chunk({ type: 'finish-step' }));
  }

  /** A data part; its id makes a later part of the same type and id replace it. */
  #data(name: string, id: string, data: unknown): EventFrame {
    return chunk({ type: `data-${name}`, id, data });
  }

  #finish(frames: EventFrame[]): void {
    this.#start(frames);
    this.#endStep(frames);
    frames.push(chunk({ type: 'finish', finishReason: uiFinishReason(this.#finishReason) }));
    frames.push(DONE);
    this.#complete = true;
  }
}

function chunk(value: Record<string, unknown>): EventFrame {
  return { data: JSON.stringify(value) };
}

/**
 * A complete call: `tool-input-available` with the parsed arguments, or `tool-input-error`
 * with the raw text when the model wrote arguments that are not JSON.
 */
function toolInputChunk(toolCallId: string, toolName: string, argumentsText: string): EventFrame {
  try {
    const input: unknown = argumentsText === '' ? {} : JSON.parse(argumentsText);
    return chunk({ type: 'tool-input-available', toolCallId, toolName, input });
  } catch {
    // Not JSON: the SDK's own shape for a call whose input cannot be used.
    return chunk({
      type: 'tool-input-error',
      toolCallId,
      toolName,
      input: argumentsText,
      errorText: 'the tool call arguments are not valid JSON',
    });
  }
}
