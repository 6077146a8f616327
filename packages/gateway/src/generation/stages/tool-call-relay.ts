/**
 * The producer stage for tool calls: turns the model's tool-call parts into the events of
 * the log, passing each call's argument fragments through its arguments filter (the policy's
 * `guardrails.toolArguments` mode) and assembling the arguments as released. It checks the
 * part sequence a provider promised (calls numbered from 0 in start order, fragments only for
 * started and unfinished calls), so a provider bug ends the generation with an upstream error
 * instead of a corrupt log. It appends nothing itself: it returns the events to append.
 */
import type {
  GuardrailBlockKind,
  ToolCall,
  ToolCallDeltaEvent,
  ToolCallEndEvent,
  ToolCallStartEvent,
} from '@sluice/protocol';
import type { RedactionCount } from '../../guardrails/redact-text.ts';
import type { LanguageModelStreamPart } from '../../providers/language-model.ts';
import { malformedChunkError } from '../../providers/shared/upstream-errors.ts';

export interface ArgumentsFilterOutput {
  /** Argument text that may be released now. */
  text: string;
  redactions: readonly RedactionCount[];
  /** Set when the policy blocks the generation: nothing of this output may be released. */
  blocked?: { rule: string; kind: GuardrailBlockKind };
}

/** One call's arguments on their way out (redaction or blocking per policy). */
export interface ArgumentsFilter {
  push(fragment: string): ArgumentsFilterOutput;
  end(): ArgumentsFilterOutput;
}

export interface ToolCallPolicy {
  /** A filter for a new call, or undefined to release fragments as they come (`pass`). */
  createFilter(): ArgumentsFilter | undefined;
  /**
   * Detections in complete arguments released unfiltered (counted and audited, not
   * changed); a promise when the arguments are long enough to be scanned over several turns.
   */
  countDetections(
    argumentsJson: string,
  ): readonly RedactionCount[] | Promise<readonly RedactionCount[]>;
}

export type ToolCallEvent = ToolCallStartEvent | ToolCallDeltaEvent | ToolCallEndEvent;

export interface ToolCallStep {
  events: ToolCallEvent[];
  /** Values the filter replaced. */
  redactions: readonly RedactionCount[];
  /** Values found in arguments released unchanged (`pass` mode), when a call ended. */
  detections: readonly RedactionCount[] | Promise<readonly RedactionCount[]>;
  blocked?: { rule: string; kind: GuardrailBlockKind };
  /** The call, when this step ended it. */
  completed?: ToolCall;
}

interface OpenCall {
  readonly toolCallId: string;
  readonly toolName: string;
  readonly filter: ArgumentsFilter | undefined;
  released: string;
  ended: boolean;
}

const NONE: readonly RedactionCount[] = [];

export class ToolCallRelay {
  readonly #policy: ToolCallPolicy;
  readonly #calls: OpenCall[] = [];

  constructor(policy: ToolCallPolicy) {
    this.#policy = policy;
  }

  /** Calls started so far. */
  get count(): number {
    return this.#calls.length;
  }

  /** Indexes of calls started but not ended. */
  unfinished(): number[] {
    const open: number[] = [];
    this.#calls.forEach((call, index) => {
      if (!call.ended) open.push(index);
    });
    return open;
  }

  start(part: Extract<LanguageModelStreamPart, { type: 'tool-call-start' }>): ToolCallStep {
    if (part.index !== this.#calls.length) {
      throw malformedChunkError(`tool call ${part.index} started out of order`);
    }
    if (part.toolName === '' || part.toolCallId === '') {
      throw malformedChunkError(`tool call ${part.index} without an id or a name`);
    }
    this.#calls.push({
      toolCallId: part.toolCallId,
      toolName: part.toolName,
      filter: this.#policy.createFilter(),
      released: '',
      ended: false,
    });
    const event: ToolCallStartEvent = {
      type: 'tool-call-start',
      index: part.index,
      toolCallId: part.toolCallId,
      toolName: part.toolName,
    };
    return { events: [event], redactions: NONE, detections: NONE };
  }

  delta(part: Extract<LanguageModelStreamPart, { type: 'tool-call-delta' }>): ToolCallStep {
    const call = this.#open(part.index);
    if (call.filter === undefined) {
      return this.#released(part.index, call, part.argumentsDelta, NONE, undefined);
    }
    const output = call.filter.push(part.argumentsDelta);
    return this.#released(part.index, call, output.text, output.redactions, output.blocked);
  }

  end(part: Extract<LanguageModelStreamPart, { type: 'tool-call-end' }>): ToolCallStep {
    const call = this.#open(part.index);
    const flushed = call.filter?.end();
    const step = flushed
      ? this.#released(part.index, call, flushed.text, flushed.redactions, flushed.blocked)
      : { events: [], redactions: NONE, detections: NONE };
    if (step.blocked) return step;
    call.ended = true;
    const completed: ToolCall = {
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      arguments: call.released,
    };
    step.events.push({ type: 'tool-call-end', index: part.index, ...completed });
    const detections =
      call.filter === undefined ? this.#policy.countDetections(call.released) : NONE;
    return { ...step, detections, completed };
  }

  #open(index: number): OpenCall {
    const call = this.#calls[index];
    if (call === undefined) throw malformedChunkError(`arguments for unknown tool call ${index}`);
    if (call.ended) throw malformedChunkError(`arguments after the end of tool call ${index}`);
    return call;
  }

  #released(
    index: number,
    call: OpenCall,
    text: string,
    redactions: readonly RedactionCount[],
    blocked: ToolCallStep['blocked'],
  ): ToolCallStep {
    if (blocked) return { events: [], redactions, detections: NONE, blocked };
    if (text === '') return { events: [], redactions, detections: NONE };
    call.released += text;
    return {
      events: [{ type: 'tool-call-delta', index, argumentsDelta: text }],
      redactions,
      detections: NONE,
    };
  }
}
