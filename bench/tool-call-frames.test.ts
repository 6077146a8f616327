/**
 * Checks the bench upstream's tool-call answer: as many argument fragments as the answer
 * has tokens, arguments that are valid JSON for the declared tool, OpenAI's chunk shape,
 * and — through the gateway's own OpenAI-compatible chunk reader — that Sluice reads the
 * frames as the calls they are meant to be.
 */
import { describe, expect, it } from 'vitest';
import type { LanguageModelStreamPart } from '../packages/gateway/src/providers/language-model.ts';
import { OpenAICompatibleChunkReader } from '../packages/gateway/src/providers/openai-compatible/read-openai-compatible-chunks.ts';
import { validateOpenAICompatibleChunk } from '../packages/gateway/src/providers/openai-compatible/validate-openai-compatible-chunk.ts';
import { answerCharacters } from './answer-kinds.ts';
import {
  BENCH_TOOL,
  benchToolCalls,
  createToolCallAnswerFrames,
  TOOL_CALLS_PER_ANSWER,
  toolCallArgumentCharacters,
  toolCallMessage,
} from './tool-call-frames.ts';

/** The JSON payloads of the SSE frames in `buffer`. */
function payloads(buffer: Buffer): Record<string, unknown>[] {
  return buffer
    .toString('utf8')
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      expect(frame.startsWith('data: ')).toBe(true);
      return JSON.parse(frame.slice('data: '.length)) as Record<string, unknown>;
    });
}

function onlyChoice(payload: Record<string, unknown>) {
  const choices = payload.choices as Record<string, unknown>[];
  expect(choices).toHaveLength(1);
  return choices[0] as { index: number; delta: Record<string, unknown>; finish_reason: unknown };
}

function answerFrames(tokens: number): Buffer[] {
  const answer = createToolCallAnswerFrames('bench-model', tokens);
  return [
    answer.opening,
    ...Array.from({ length: tokens }, (_, index) => answer.token(index)),
    answer.finish,
  ];
}

describe('benchToolCalls', () => {
  it('splits 100 tokens into two calls of 50 fragments whose arguments fit the tool', () => {
    const calls = benchToolCalls(100);
    expect(calls).toHaveLength(TOOL_CALLS_PER_ANSWER);
    expect(calls.map((call) => call.fragments.length)).toEqual([50, 50]);
    const parsed = calls.map((call) => JSON.parse(call.fragments.join('')));
    expect(parsed[0]).toEqual({ path: 'notes/part-1.md', content: expect.any(String) });
    expect(parsed[1]).toEqual({ path: 'notes/part-2.md', content: expect.any(String) });
    expect(parsed[0].content.startsWith(' The stream keeps flowing')).toBe(true);
    expect(Object.keys(BENCH_TOOL.parameters.properties)).toEqual(['path', 'content']);
  });

  it('gives exactly one non-empty fragment per token and valid JSON at any length', () => {
    for (let tokens = 1; tokens <= 60; tokens += 1) {
      const calls = benchToolCalls(tokens);
      const fragments = calls.flatMap((call) => call.fragments);
      expect(fragments).toHaveLength(tokens);
      expect(fragments.every((fragment) => fragment.length > 0)).toBe(true);
      for (const call of calls) expect(() => JSON.parse(call.fragments.join(''))).not.toThrow();
      expect(toolCallArgumentCharacters(tokens)).toBe(fragments.join('').length);
    }
    expect(benchToolCalls(0)).toEqual([]);
  });

  it('keeps fragments about as long as the text answer tokens', () => {
    const perFragment = toolCallArgumentCharacters(100) / 100;
    const perToken = answerCharacters('text', 100) / 100;
    expect(Math.abs(perFragment - perToken)).toBeLessThan(1);
  });
});

describe('createToolCallAnswerFrames', () => {
  it("opens with the role and the first call's start, arguments empty, as OpenAI does", () => {
    const [opening] = payloads(createToolCallAnswerFrames('bench-model', 100).opening);
    expect(opening).toMatchObject({ object: 'chat.completion.chunk', model: 'bench-model' });
    expect(onlyChoice(opening as Record<string, unknown>)).toEqual({
      index: 0,
      delta: {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            index: 0,
            id: 'call_bench_1',
            type: 'function',
            function: { name: 'write_file', arguments: '' },
          },
        ],
        refusal: null,
      },
      logprobs: null,
      finish_reason: null,
    });
  });

  it('streams one fragment per token, starts the second call with its first fragment, and finishes tool_calls', () => {
    const answer = createToolCallAnswerFrames('bench-model', 100);
    const calls = benchToolCalls(100);
    for (let index = 0; index < 100; index += 1) {
      const frames = payloads(answer.token(index));
      const fragment = frames.at(-1) as Record<string, unknown>;
      const call = index < 50 ? 0 : 1;
      expect(onlyChoice(fragment).delta).toEqual({
        tool_calls: [{ index: call, function: { arguments: calls[call]?.fragments[index % 50] } }],
      });
      if (index === 50) {
        expect(frames).toHaveLength(2);
        expect(onlyChoice(frames[0] as Record<string, unknown>).delta).toEqual({
          tool_calls: [
            {
              index: 1,
              id: 'call_bench_2',
              type: 'function',
              function: { name: 'write_file', arguments: '' },
            },
          ],
        });
      } else {
        expect(frames).toHaveLength(1);
      }
    }
    const [finish] = payloads(answer.finish);
    expect(onlyChoice(finish as Record<string, unknown>)).toMatchObject({
      delta: {},
      finish_reason: 'tool_calls',
    });
  });

  it("reads, through the gateway's OpenAI-compatible chunk reader, as two calls finishing tool-calls", () => {
    const reader = new OpenAICompatibleChunkReader();
    const parts: LanguageModelStreamPart[] = [];
    for (const buffer of answerFrames(100)) {
      for (const payload of payloads(buffer)) {
        reader.read(validateOpenAICompatibleChunk(payload), parts);
      }
    }
    reader.finish(parts);
    const calls = benchToolCalls(100);
    const starts = parts.filter((part) => part.type === 'tool-call-start');
    expect(starts).toEqual([
      { type: 'tool-call-start', index: 0, toolCallId: 'call_bench_1', toolName: 'write_file' },
      { type: 'tool-call-start', index: 1, toolCallId: 'call_bench_2', toolName: 'write_file' },
    ]);
    for (const [index, call] of calls.entries()) {
      const fragments = parts.flatMap((part) =>
        part.type === 'tool-call-delta' && part.index === index ? [part.argumentsDelta] : [],
      );
      expect(fragments).toEqual(call.fragments);
    }
    expect(parts.filter((part) => part.type === 'tool-call-end')).toHaveLength(2);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
  });

  it('gives the same calls in a non-streaming message', () => {
    const message = toolCallMessage(100);
    expect(message.tool_calls.map((call) => JSON.parse(call.function.arguments))).toEqual(
      benchToolCalls(100).map((call) => JSON.parse(call.fragments.join(''))),
    );
  });
});
