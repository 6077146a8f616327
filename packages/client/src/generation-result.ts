/**
 * What a generation amounts to once its log closes, assembled from the events one handle
 * delivered: the text, reasoning and complete tool calls, how it finished, the final
 * verdict, and what happened after it (a retraction, a human review decision).
 */
import type {
  FinishReason,
  GenerationEvent,
  ResponseFinalEvent,
  ReviewDecisionEvent,
  Usage,
  Verdict,
} from '@sluice/protocol';

export interface CompletedToolCall {
  index: number;
  toolCallId: string;
  toolName: string;
  /** The complete JSON arguments string. */
  arguments: string;
}

export interface GenerationResult {
  id: string;
  /** The delivered text (kept when retracted: `retracted` says whether to show it). */
  text: string;
  reasoning: string;
  /** Calls that completed (`tool-call-end`), in index order. */
  toolCalls: CompletedToolCall[];
  /** From the final verdict when there is one, else from `response-finish`. */
  usage: Usage | undefined;
  /** `error` when the generation ended with `response-error`. */
  finishReason: FinishReason | undefined;
  /** The `response-error`, when the generation failed. */
  error: { code: string; message: string; retryable: boolean } | undefined;
  /** The validated final verdict event (`response-final`). */
  final: ResponseFinalEvent | undefined;
  /** The verdict that stands: a review decision overrides a flagged final. */
  verdict: Verdict | undefined;
  retracted: boolean;
  /** Why the answer was retracted (`response-retract`'s reason). */
  retractReason: string | undefined;
  /** A human reviewer's decision on a flagged answer held for review. */
  reviewDecision: ReviewDecisionEvent | undefined;
}

/** Folds events into a `GenerationResult`; `snapshot()` may be called at any time. */
export class ResultCollector {
  readonly #id: string;
  #text = '';
  #reasoning = '';
  readonly #toolCalls: CompletedToolCall[] = [];
  #usage: Usage | undefined;
  #finishReason: FinishReason | undefined;
  #error: GenerationResult['error'];
  #final: ResponseFinalEvent | undefined;
  #retractReason: string | undefined;
  #retracted = false;
  #reviewDecision: ReviewDecisionEvent | undefined;

  constructor(id: string) {
    this.#id = id;
  }

  add(event: GenerationEvent): void {
    switch (event.type) {
      case 'text-delta':
        this.#text += event.delta;
        break;
      case 'reasoning-delta':
        this.#reasoning += event.delta;
        break;
      case 'tool-call-end':
        this.#toolCalls.push({
          index: event.index,
          toolCallId: event.toolCallId,
          toolName: event.toolName,
          arguments: event.arguments,
        });
        this.#toolCalls.sort((left, right) => left.index - right.index);
        break;
      case 'response-finish':
        this.#finishReason = event.finishReason;
        this.#usage ??= event.usage;
        break;
      case 'response-error':
        this.#finishReason = 'error';
        this.#error = { code: event.code, message: event.message, retryable: event.retryable };
        break;
      case 'response-final':
        this.#final = event;
        this.#usage = event.usage;
        break;
      case 'response-retract':
        this.#retracted = true;
        this.#retractReason = event.reason;
        break;
      case 'review-decision':
        this.#reviewDecision = event;
        break;
      default:
        break;
    }
  }

  snapshot(): GenerationResult {
    return {
      id: this.#id,
      text: this.#text,
      reasoning: this.#reasoning,
      toolCalls: this.#toolCalls.map((call) => ({ ...call })),
      usage: this.#usage,
      finishReason: this.#finishReason,
      error: this.#error,
      final: this.#final,
      verdict: this.#reviewDecision?.decision ?? this.#final?.verdict,
      retracted: this.#retracted,
      retractReason: this.#retractReason,
      reviewDecision: this.#reviewDecision,
    };
  }
}
