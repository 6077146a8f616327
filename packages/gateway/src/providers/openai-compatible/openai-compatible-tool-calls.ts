/**
 * Streamed tool calls of one Chat Completions answer, turned into tool-call parts. Upstream,
 * `delta.tool_calls[]` items are keyed by `index`: the first item for an index carries `id`
 * and `function.name`, later ones `function.arguments` fragments, and several calls may
 * interleave. We number calls in the order they first appear, so our indices start at 0 and
 * never skip, whatever the server's own numbering. Calls end together, in index order, when
 * the choice's `finish_reason` arrives: Chat Completions has no per-call end marker.
 *
 * Compatible servers bend the format in known ways, accepted here: a whole call in one item,
 * the id and name repeated on every fragment (ignored), and — Ollama — every call of a
 * parallel batch sent at index 0, told apart only by a new id with a name (a new call).
 * Anything we could not relay faithfully (fragments for a call never started, a call with
 * no name or id, fragments after the finish) is a malformed stream, never a guess.
 */
import type { LanguageModelStreamPart } from '../language-model.ts';
import { malformedChunkError } from '../shared/upstream-errors.ts';
import type { OpenAICompatibleToolCallDelta } from './openai-compatible-api-types.ts';

interface StartedCall {
  /** Our index: the call's position in order of first appearance. */
  index: number;
  toolCallId: string;
}

export class OpenAICompatibleToolCalls {
  /** The call each upstream index currently feeds. */
  readonly #byUpstreamIndex = new Map<number, StartedCall>();
  #started = 0;
  #ended = false;

  /** How many calls have started. */
  get count(): number {
    return this.#started;
  }

  /** Appends the parts `deltas` carry to `parts`. */
  read(deltas: readonly OpenAICompatibleToolCallDelta[], parts: LanguageModelStreamPart[]): void {
    for (const delta of deltas) {
      if (this.#ended) throw malformedChunkError('tool call after finish_reason');
      const upstreamIndex = delta.index ?? 0;
      const id = nonEmpty(delta.id);
      const name = nonEmpty(delta.function?.name);
      let call = this.#byUpstreamIndex.get(upstreamIndex);
      if (
        call === undefined ||
        (id !== undefined && name !== undefined && id !== call.toolCallId)
      ) {
        call = this.#start(upstreamIndex, id, name, parts);
      }
      const fragment = delta.function?.arguments;
      if (fragment != null && fragment !== '') {
        parts.push({ type: 'tool-call-delta', index: call.index, argumentsDelta: fragment });
      }
    }
  }

  /** Appends a `tool-call-end` for every started call, in index order. */
  end(parts: LanguageModelStreamPart[]): void {
    if (this.#ended) return;
    this.#ended = true;
    for (let index = 0; index < this.#started; index += 1) {
      parts.push({ type: 'tool-call-end', index });
    }
  }

  #start(
    upstreamIndex: number,
    id: string | undefined,
    name: string | undefined,
    parts: LanguageModelStreamPart[],
  ): StartedCall {
    if (id === undefined && name === undefined) {
      throw malformedChunkError(`tool call arguments for unknown index ${upstreamIndex}`);
    }
    if (name === undefined) throw malformedChunkError('tool call without a name');
    if (id === undefined) throw malformedChunkError('tool call without an id');
    const call: StartedCall = { index: this.#started, toolCallId: id };
    this.#started += 1;
    this.#byUpstreamIndex.set(upstreamIndex, call);
    parts.push({ type: 'tool-call-start', index: call.index, toolCallId: id, toolName: name });
    return call;
  }
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value == null || value === '' ? undefined : value;
}
