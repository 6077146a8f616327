/**
 * The `LanguageModel` conformance suite. Every provider (and the mock) runs it with a
 * harness that knows how to make its model answer a scenario of `CONFORMANCE_SCENARIOS` —
 * wire providers by replaying a fixture through a loopback server, re-chunked at random
 * boundaries. The suite checks what the gateway relies on: the parts are well formed (one
 * finish, last; tool calls started before their fragments, each ended once, before the
 * finish), they assemble to the scenario's answer, chunking never changes them, aborting or
 * leaving the iteration closes the upstream, and bad upstream data fails with a
 * `ProviderError` instead of a crash or a silent finish.
 */
import { describe, expect, it } from 'vitest';
import {
  type LanguageModel,
  type LanguageModelCallOptions,
  type LanguageModelStreamPart,
  ProviderError,
} from '../language-model.ts';
import { collectStream, withinDeadline } from './collect-stream.ts';
import {
  CONFORMANCE_SCENARIOS,
  type ConformanceScenario,
  type ExpectedAnswer,
  type ExpectedToolCall,
} from './conformance-scenarios.ts';

export interface Replay {
  model: LanguageModel;
  /** Options the scenario needs (tools, response format, simulator options …). */
  options?: Partial<LanguageModelCallOptions>;
  /** Resolves once the upstream request is over (its socket closed, or the mock's call ended). */
  upstreamClosed(): Promise<unknown>;
  close(): Promise<void>;
}

/** Bad upstream behaviour a wire provider must turn into a `ProviderError`. */
export type UpstreamFailure =
  | 'truncated'
  | 'mid-stream-error'
  | 'malformed'
  | 'unknown-tool-index'
  | 'tool-call-without-name';

export interface LanguageModelHarness {
  /** The scenarios this model can be made to answer. */
  scenarios: readonly ConformanceScenario[];
  /** The model makes up its own tool call ids: they are checked to be non-empty and distinct. */
  generatesToolCallIds?: boolean;
  /** The answer arrives over the network, so re-chunking must not change the parts. */
  rechunks?: boolean;
  replay(scenario: ConformanceScenario, options: { chunkSeed?: number }): Promise<Replay>;
  /** A model whose stream yields at least one part and then waits until aborted. */
  hanging(): Promise<Replay>;
  /** Upstream failures this provider can meet, each as a model that meets it. */
  failures?: Partial<Record<UpstreamFailure, () => Promise<Replay>>>;
}

const PROMPT: LanguageModelCallOptions['messages'] = [{ role: 'user', content: 'Conformance' }];
const CLOSE_DEADLINE_MS = 5_000;

/** What a stream's parts add up to, checking the part invariants on the way. */
export function assembleParts(parts: readonly LanguageModelStreamPart[]): ExpectedAnswer {
  let text = '';
  let reasoning = '';
  const calls: Array<ExpectedToolCall & { ended: boolean }> = [];
  let finish: Extract<LanguageModelStreamPart, { type: 'finish' }> | undefined;
  parts.forEach((part, position) => {
    expect(finish, `part ${position} (${part.type}) after finish`).toBeUndefined();
    switch (part.type) {
      case 'text-delta':
        expect(part.delta, 'empty text delta').not.toBe('');
        text += part.delta;
        break;
      case 'reasoning-delta':
        expect(part.delta, 'empty reasoning delta').not.toBe('');
        reasoning += part.delta;
        break;
      case 'tool-call-start':
        expect(part.index, 'tool calls are numbered in order from 0').toBe(calls.length);
        expect(part.toolCallId).not.toBe('');
        expect(part.toolName).not.toBe('');
        calls.push({
          index: part.index,
          toolCallId: part.toolCallId,
          toolName: part.toolName,
          arguments: '',
          ended: false,
        });
        break;
      case 'tool-call-delta': {
        const call = calls[part.index];
        expect(call, `fragment for unstarted call ${part.index}`).toBeDefined();
        expect(call?.ended, `fragment after the end of call ${part.index}`).toBe(false);
        if (call) call.arguments += part.argumentsDelta;
        break;
      }
      case 'tool-call-end': {
        const call = calls[part.index];
        expect(call, `end of unstarted call ${part.index}`).toBeDefined();
        expect(call?.ended, `call ${part.index} ended twice`).toBe(false);
        if (call) call.ended = true;
        break;
      }
      case 'finish':
        finish = part;
        break;
      default:
        break;
    }
  });
  expect(finish, 'the stream ends with a finish part').toBeDefined();
  for (const call of calls) expect(call.ended, `call ${call.index} never ended`).toBe(true);
  return {
    text,
    reasoning,
    toolCalls: calls.map(({ ended: _ended, ...call }) => call),
    finishReason: finish?.finishReason ?? 'error',
  };
}

async function run(replay: Replay, signal?: AbortSignal) {
  const { stream } = await replay.model.doStream({
    messages: PROMPT,
    ...replay.options,
    ...(signal === undefined ? {} : { abortSignal: signal }),
  });
  return collectStream(stream);
}

async function withReplay<T>(start: Promise<Replay>, use: (replay: Replay) => Promise<T>) {
  const replay = await start;
  try {
    return await use(replay);
  } finally {
    await replay.close();
  }
}

function expectAnswer(actual: ExpectedAnswer, expected: ExpectedAnswer, generatesIds: boolean) {
  if (!generatesIds) {
    expect(actual).toEqual(expected);
    return;
  }
  const ids = actual.toolCalls.map((call) => call.toolCallId);
  expect(new Set(ids).size).toBe(ids.length);
  const withoutIds = (answer: ExpectedAnswer) => ({
    ...answer,
    toolCalls: answer.toolCalls.map(({ toolCallId: _id, ...call }) => call),
  });
  expect(withoutIds(actual)).toEqual(withoutIds(expected));
}

export function describeLanguageModelConformance(name: string, harness: LanguageModelHarness) {
  describe(`LanguageModel conformance: ${name}`, () => {
    for (const scenario of harness.scenarios) {
      it(`answers "${scenario}" with well-formed parts`, async () => {
        const result = await withReplay(harness.replay(scenario, {}), (replay) => run(replay));
        expect(result.error).toBeUndefined();
        expect(result.parts.filter((part) => part.type === 'finish')).toHaveLength(1);
        expectAnswer(
          assembleParts(result.parts),
          CONFORMANCE_SCENARIOS[scenario],
          harness.generatesToolCallIds === true,
        );
      });

      if (harness.rechunks) {
        it(`gives the same "${scenario}" parts whatever the chunk boundaries`, async () => {
          const whole = await withReplay(harness.replay(scenario, {}), (replay) => run(replay));
          for (const chunkSeed of [1, 2, 3]) {
            const chunked = await withReplay(harness.replay(scenario, { chunkSeed }), (replay) =>
              run(replay),
            );
            expect(chunked.error).toBeUndefined();
            expect(chunked.parts).toEqual(whole.parts);
          }
        });
      }
    }

    it('aborting the signal ends the stream with its reason and closes the upstream', async () => {
      await withReplay(harness.hanging(), async (replay) => {
        const controller = new AbortController();
        const { stream } = await replay.model.doStream({
          messages: PROMPT,
          ...replay.options,
          abortSignal: controller.signal,
        });
        const iterator = stream[Symbol.asyncIterator]();
        const first = await iterator.next();
        expect(first.done).toBe(false);
        const reason = new Error('stop now');
        controller.abort(reason);
        await expect(drain(iterator)).rejects.toBe(reason);
        await withinDeadline(replay.upstreamClosed(), CLOSE_DEADLINE_MS, 'upstream left open');
      });
    });

    it('leaving the iteration early closes the upstream', async () => {
      await withReplay(harness.hanging(), async (replay) => {
        const { stream } = await replay.model.doStream({ messages: PROMPT, ...replay.options });
        for await (const _part of stream) break;
        await withinDeadline(replay.upstreamClosed(), CLOSE_DEADLINE_MS, 'upstream left open');
      });
    });

    for (const [failure, start] of Object.entries(harness.failures ?? {})) {
      it(`fails with a ProviderError on ${failure}, never with a finish`, async () => {
        const result = await withReplay((start as () => Promise<Replay>)(), (replay) =>
          run(replay),
        );
        expect(ProviderError.isInstance(result.error), String(result.error)).toBe(true);
        expect(result.finish).toBeUndefined();
      });
    }
  });
}

async function drain(iterator: AsyncIterator<LanguageModelStreamPart>): Promise<void> {
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
  }
}
