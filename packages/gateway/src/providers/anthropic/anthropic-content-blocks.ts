/**
 * The content blocks of one streamed Anthropic message, keyed by the `index` the API gives
 * each block (its position in the message's content), turned into our parts:
 * - `text` blocks: `text_delta` → `text-delta`.
 * - `thinking` blocks: `thinking_delta` → `reasoning-delta`. The block's `signature_delta` is
 *   checked (a string, on a thinking block) but not relayed: the signature only lets a client
 *   hand the thinking back to Anthropic in a later turn, and Sluice's messages carry no
 *   reasoning. `redacted_thinking` blocks hold encrypted thinking only: nothing to relay.
 * - `tool_use` blocks: `tool-call-start` with the block's id and name (our index counts
 *   tool_use blocks from 0), a `tool-call-delta` per non-empty `input_json_delta`, and
 *   `tool-call-end` at the block's `content_block_stop`. A tool without parameters streams
 *   only an empty fragment; its call gets `{}` (or the block's own `input`, were it to arrive
 *   whole) so the arguments are always a JSON object.
 * - Blocks of other types (server tools and their results) are skipped whole, as are delta
 *   types we do not know (`citations_delta`).
 *
 * Data we could not relay faithfully is a malformed stream: an event for a block never
 * started or already stopped, a block started twice, a delta on a block of another type
 * (`input_json_delta` on a text block), a delta without its field, a tool_use block without
 * id or name, or a tool_use block still open when the message ends.
 */
import type { LanguageModelStreamPart } from '../language-model.ts';
import { malformedChunkError } from '../shared/upstream-errors.ts';
import type { AnthropicContentBlockStart, AnthropicContentDelta } from './anthropic-api-types.ts';

type KnownKind = 'text' | 'thinking' | 'redacted_thinking' | 'tool_use';

type Block = { stopped: boolean } & (
  | { kind: 'text' | 'thinking' | 'redacted_thinking' | 'other' }
  | { kind: 'tool_use'; toolIndex: number; input: unknown; argumentsRelayed: boolean }
);

/** The block type each delta type belongs to. */
const DELTA_BLOCK_KIND: ReadonlyMap<string, KnownKind> = new Map([
  ['text_delta', 'text'],
  ['thinking_delta', 'thinking'],
  ['signature_delta', 'thinking'],
  ['input_json_delta', 'tool_use'],
]);

const KNOWN_KINDS: ReadonlySet<string> = new Set<KnownKind>([
  'text',
  'thinking',
  'redacted_thinking',
  'tool_use',
]);

const NO_PARTS: readonly LanguageModelStreamPart[] = Object.freeze([]);

export class AnthropicContentBlocks {
  readonly #blocks = new Map<number, Block>();
  #toolCalls = 0;

  start(index: number, content: AnthropicContentBlockStart): LanguageModelStreamPart | undefined {
    if (this.#blocks.has(index)) throw malformedChunkError(`content block ${index} started twice`);
    if (content.type === 'tool_use') {
      if (content.id == null || content.id === '' || content.name == null || content.name === '') {
        throw malformedChunkError('tool_use block without an id or a name');
      }
      const toolIndex = this.#toolCalls++;
      this.#blocks.set(index, {
        stopped: false,
        kind: 'tool_use',
        toolIndex,
        input: content.input,
        argumentsRelayed: false,
      });
      return {
        type: 'tool-call-start',
        index: toolIndex,
        toolCallId: content.id,
        toolName: content.name,
      };
    }
    const kind = KNOWN_KINDS.has(content.type)
      ? (content.type as Exclude<KnownKind, 'tool_use'>)
      : 'other';
    this.#blocks.set(index, { stopped: false, kind });
    // Streamed blocks open empty; text already present at the start is relayed all the same.
    if (kind === 'text' && content.text) return { type: 'text-delta', delta: content.text };
    if (kind === 'thinking' && content.thinking) {
      return { type: 'reasoning-delta', delta: content.thinking };
    }
    return undefined;
  }

  delta(index: number, delta: AnthropicContentDelta): LanguageModelStreamPart | undefined {
    const block = this.#open(index);
    const expected = DELTA_BLOCK_KIND.get(delta.type);
    if (expected === undefined || block.kind === 'other') return undefined;
    if (block.kind !== expected) {
      throw malformedChunkError(`${delta.type} on a ${block.kind} block`);
    }
    switch (delta.type) {
      case 'text_delta': {
        const text = required(delta.text, delta.type);
        return text === '' ? undefined : { type: 'text-delta', delta: text };
      }
      case 'thinking_delta': {
        const thinking = required(delta.thinking, delta.type);
        return thinking === '' ? undefined : { type: 'reasoning-delta', delta: thinking };
      }
      case 'signature_delta':
        required(delta.signature, delta.type);
        return undefined;
      default: {
        const fragment = required(delta.partial_json, delta.type);
        if (block.kind !== 'tool_use' || fragment === '') return undefined;
        block.argumentsRelayed = true;
        return { type: 'tool-call-delta', index: block.toolIndex, argumentsDelta: fragment };
      }
    }
  }

  stop(index: number): readonly LanguageModelStreamPart[] {
    const block = this.#open(index);
    block.stopped = true;
    if (block.kind !== 'tool_use') return NO_PARTS;
    const end: LanguageModelStreamPart = { type: 'tool-call-end', index: block.toolIndex };
    if (block.argumentsRelayed) return [end];
    const input = isPlainObject(block.input) ? block.input : {};
    return [
      { type: 'tool-call-delta', index: block.toolIndex, argumentsDelta: JSON.stringify(input) },
      end,
    ];
  }

  /** Throws unless every tool call has ended: the message is over. */
  assertComplete(): void {
    for (const [index, block] of this.#blocks) {
      if (block.kind === 'tool_use' && !block.stopped) {
        throw malformedChunkError(`tool_use block ${index} never stopped`);
      }
    }
  }

  #open(index: number): Block {
    const block = this.#blocks.get(index);
    if (block === undefined) throw malformedChunkError(`event for unknown content block ${index}`);
    if (block.stopped) throw malformedChunkError(`event for stopped content block ${index}`);
    return block;
  }
}

function required(value: string | null | undefined, deltaType: string): string {
  if (typeof value !== 'string') throw malformedChunkError(`${deltaType} without its field`);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
