import { describe, expect, it } from 'vitest';
import {
  type LanguageModelCallOptions,
  type LanguageModelStreamPart,
  ProviderError,
} from '../language-model.ts';
import { collectStream } from '../testing/collect-stream.ts';
import { createSimulator } from './simulator-provider.ts';
import { CORPUS_TOKENS, SENTENCE_STARTS } from './simulator-tokens.ts';

const fast = { ttftMs: 0, tokenIntervalMs: 0 };
const promptText = 'Tell me a story about the sea.';
const prompt = [{ role: 'user' as const, content: promptText }];
const weatherCall = { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' };

async function run(options: Partial<LanguageModelCallOptions> = {}) {
  const { stream } = await createSimulator().doStream({
    messages: prompt,
    simulator: fast,
    ...options,
  });
  const collected = await collectStream(stream);
  const { parts } = collected;
  const deltas = parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : []));
  return { ...collected, deltas, ...reasoningAndFragments(parts) };
}

function reasoningAndFragments(parts: readonly LanguageModelStreamPart[]) {
  const reasoning = parts.flatMap((part) => (part.type === 'reasoning-delta' ? [part.delta] : []));
  const fragments = parts.flatMap((part) =>
    part.type === 'tool-call-delta' ? [part.argumentsDelta] : [],
  );
  return { reasoning, fragments };
}

describe('simulator corpus', () => {
  it('tokenizes into words with leading spaces and bare punctuation', () => {
    expect(CORPUS_TOKENS.length).toBeGreaterThan(500);
    for (const token of CORPUS_TOKENS)
      expect(token).toMatch(/^( ?[A-Za-z0-9'’-]+|\s?[^\sA-Za-z0-9])$/);
    expect(SENTENCE_STARTS.length).toBeGreaterThan(20);
  });
});

describe('SimulatorChatModel', () => {
  it('identifies itself as the simulator and accepts every option', () => {
    const model = createSimulator();
    expect(model).toMatchObject({ provider: 'simulator', modelId: 'simulator' });
    expect(model.specificationVersion).toBe('sluice-v2');
    const everything: LanguageModelCallOptions = {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image', url: 'https://example.com/cat.png' },
            { type: 'file', data: 'JVBERi0=', mediaType: 'application/pdf' },
          ],
        },
      ],
      tools: [{ name: 'get_weather', parameters: { type: 'object' } }],
      toolChoice: 'required',
      responseFormat: { type: 'json' },
      reasoning: { effort: 'high' },
      stop: ['END'],
      providerOptions: { 'openai-compatible': { logprobs: true } },
    };
    expect(model.unsupportedOptions(everything)).toEqual([]);
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const first = await run({ seed: 42 });
    const second = await run({ seed: 42 });
    const other = await run({ seed: 43 });
    expect(second.parts).toEqual(first.parts);
    expect(other.text).not.toBe(first.text);
  });

  it('derives the seed from the prompt when none is given', async () => {
    const first = await run();
    const second = await run();
    const otherPrompt = await run({ messages: [{ role: 'user', content: 'Something else' }] });
    expect(second.text).toBe(first.text);
    expect(otherPrompt.text).not.toBe(first.text);
  });

  it('reads the seed and the input estimate from content parts as from plain text', async () => {
    const plain = await run();
    const parts = await run({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Tell me a story ' },
            { type: 'image', data: 'iVBORw0KGgo=', mediaType: 'image/png' },
            { type: 'text', text: 'about the sea.' },
          ],
        },
      ],
    });
    expect(parts.parts).toEqual(plain.parts);
  });

  it('counts tool calls of earlier turns in the seed and the input estimate', async () => {
    const withCall = (argumentsText: string): LanguageModelCallOptions['messages'] => [
      ...prompt,
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ toolCallId: 'call_1', toolName: 'get_weather', arguments: argumentsText }],
      },
      { role: 'tool', toolCallId: 'call_1', content: '{"celsius":21}' },
    ];
    const paris = await run({ messages: withCall('{"city":"Paris"}') });
    const oslo = await run({ messages: withCall('{"city":"Oslo"}') });
    // The response id names the seed.
    expect(oslo.parts[0]).not.toEqual(paris.parts[0]);
    const characters = promptText.length + 'get_weather{"city":"Paris"}'.length + 14;
    expect(paris.finish?.usage.inputTokens).toBe(Math.ceil(characters / 4));
  });

  it('emits exactly maxTokens tokens and finishes with length', async () => {
    for (const maxTokens of [0, 1, 7, 250]) {
      const result = await run({ maxTokens, seed: maxTokens });
      expect(result.deltas).toHaveLength(maxTokens);
      expect(result.finish).toEqual({
        type: 'finish',
        finishReason: 'length',
        usage: { inputTokens: Math.ceil(promptText.length / 4), outputTokens: maxTokens },
      });
    }
  });

  it('ends at a natural length with stop when maxTokens is absent', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const result = await run({ seed });
      expect(result.deltas.length).toBeGreaterThanOrEqual(30);
      expect(result.deltas.length).toBeLessThanOrEqual(120);
      expect(result.finish).toMatchObject({
        finishReason: 'stop',
        usage: { outputTokens: result.deltas.length },
      });
    }
  });

  it('reads as English sentences', async () => {
    const { text, parts } = await run({ seed: 7 });
    expect(parts[0]).toMatchObject({ type: 'response-metadata', modelId: 'simulator' });
    expect(text).toMatch(/^[A-Z]/);
    expect(text).toMatch(/[.!?]$/);
    expect(text).not.toMatch(/ {2}|\s[,.;:]/);
    const words = text.split(/\s+/);
    expect(words.length).toBeGreaterThan(20);
  });

  it('throws a retryable upstream error after failAfterTokens', async () => {
    const result = await run({ simulator: { ...fast, failAfterTokens: 3 } });
    expect(result.deltas).toHaveLength(3);
    expect(ProviderError.isInstance(result.error)).toBe(true);
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_ERROR', retryable: true });
    expect(result.finish).toBeUndefined();
  });

  it('rejects a pending paced token as soon as the signal aborts, clearing its timer', async () => {
    const controller = new AbortController();
    const { stream } = await createSimulator().doStream({
      messages: prompt,
      // An hour-long gap: the test finishing at all proves the abort cleared the timer.
      simulator: { ttftMs: 0, tokenIntervalMs: 3_600_000 },
      abortSignal: controller.signal,
    });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    const pending = iterator.next();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
    expect(stream.closed).toBe(true);
  });

  it('rejects doStream when the signal is already aborted', async () => {
    await expect(
      createSimulator().doStream({ messages: prompt, abortSignal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('paces tokens with real timers', async () => {
    const result = await run({ maxTokens: 5, simulator: { ttftMs: 2, tokenIntervalMs: 1 } });
    expect(result.deltas).toHaveLength(5);
  });
});

describe('SimulatorChatModel toolCall option', () => {
  it('answers with the tool call: a seed-derived id, fragments that rebuild the arguments', async () => {
    const result = await run({ seed: 42, simulator: { ...fast, toolCall: weatherCall } });
    expect(result.error).toBeUndefined();
    expect(result.deltas).toEqual([]);
    expect(result.fragments.length).toBeGreaterThan(2);
    expect(result.fragments.join('')).toBe(weatherCall.arguments);
    expect(result.parts.filter((part) => part.type !== 'tool-call-delta')).toEqual([
      { type: 'response-metadata', id: 'simulator-2a', modelId: 'simulator' },
      { type: 'tool-call-start', index: 0, toolCallId: 'call_sim_2a', toolName: 'get_weather' },
      { type: 'tool-call-end', index: 0 },
      {
        type: 'finish',
        finishReason: 'tool-calls',
        usage: {
          inputTokens: Math.ceil(promptText.length / 4),
          outputTokens: result.fragments.length,
        },
      },
    ]);
  });

  it('is deterministic for a seed', async () => {
    const simulator = { ...fast, toolCall: weatherCall };
    const first = await run({ seed: 9, simulator });
    const second = await run({ seed: 9, simulator });
    expect(second.parts).toEqual(first.parts);
  });

  it('never splits a character outside the basic plane between fragments', async () => {
    const argumentsText = JSON.stringify({ waves: '🌊🌊🌊🌊🌊🌊🌊🌊', note: 'café 🐋' });
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const result = await run({
        seed,
        simulator: { ...fast, toolCall: { name: 'log', arguments: argumentsText } },
      });
      expect(result.fragments.join('')).toBe(argumentsText);
      for (const fragment of result.fragments) expect(fragment.isWellFormed()).toBe(true);
    }
  });

  it('starts and ends a call with empty arguments without any fragment', async () => {
    const result = await run({ simulator: { ...fast, toolCall: { name: 'ping', arguments: '' } } });
    expect(result.parts.map((part) => part.type)).toEqual([
      'response-metadata',
      'tool-call-start',
      'tool-call-end',
      'finish',
    ]);
  });

  it('sends the first fragment with the start, the rest at the token pace', async () => {
    const controller = new AbortController();
    const { stream } = await createSimulator().doStream({
      messages: prompt,
      // An hour between tokens: anything that arrives did not wait for the interval.
      simulator: { ttftMs: 0, tokenIntervalMs: 3_600_000, toolCall: weatherCall },
      abortSignal: controller.signal,
    });
    const iterator = stream[Symbol.asyncIterator]();
    const types: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const next = await iterator.next();
      if (!next.done) types.push(next.value.type);
    }
    expect(types).toEqual(['response-metadata', 'tool-call-start', 'tool-call-delta']);
    const paced = iterator.next();
    controller.abort();
    await expect(paced).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('stops mid-call on abort: the reason, no end of the call, timers released', async () => {
    const controller = new AbortController();
    const { stream } = await createSimulator().doStream({
      messages: prompt,
      simulator: { ...fast, toolCall: weatherCall, stallAfterTokens: 2 },
      abortSignal: controller.signal,
    });
    const iterator = stream[Symbol.asyncIterator]();
    const seen: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      const next = await iterator.next();
      if (!next.done) seen.push(next.value.type);
    }
    expect(seen).toEqual([
      'response-metadata',
      'tool-call-start',
      'tool-call-delta',
      'tool-call-delta',
    ]);
    const stalled = iterator.next();
    const reason = new Error('client went away');
    controller.abort(reason);
    await expect(stalled).rejects.toBe(reason);
    expect(stream.closed).toBe(true);
  });

  it('fails mid-call after failAfterTokens fragments', async () => {
    const result = await run({
      simulator: { ...fast, toolCall: weatherCall, failAfterTokens: 1 },
    });
    expect(result.fragments).toHaveLength(1);
    expect(result.parts.some((part) => part.type === 'tool-call-end')).toBe(false);
    expect(ProviderError.isInstance(result.error)).toBe(true);
  });
});

describe('SimulatorChatModel reasoningTokens option', () => {
  it('streams the reasoning first and leaves the answer as it is without', async () => {
    const plain = await run({ seed: 5, maxTokens: 12 });
    const reasoned = await run({
      seed: 5,
      maxTokens: 12,
      simulator: { ...fast, reasoningTokens: 8 },
    });
    expect(reasoned.reasoning).toHaveLength(8);
    expect(reasoned.reasoning.join('')).toMatch(/^\S/);
    expect(reasoned.text).toBe(plain.text);
    const types = reasoned.parts.map((part) => part.type);
    expect(types.lastIndexOf('reasoning-delta')).toBeLessThan(types.indexOf('text-delta'));
    expect(reasoned.finish).toEqual({
      type: 'finish',
      finishReason: 'length',
      usage: {
        inputTokens: Math.ceil(promptText.length / 4),
        outputTokens: 20,
        reasoningTokens: 8,
      },
    });
  });

  it('is deterministic for a seed', async () => {
    const simulator = { ...fast, reasoningTokens: 30 };
    const first = await run({ seed: 3, simulator });
    const second = await run({ seed: 3, simulator });
    expect(second.parts).toEqual(first.parts);
  });

  it('reasons before a tool call too, and counts reasoning towards failAfterTokens', async () => {
    const both = await run({
      seed: 1,
      simulator: { ...fast, reasoningTokens: 3, toolCall: weatherCall },
    });
    expect(both.parts.slice(0, 5).map((part) => part.type)).toEqual([
      'response-metadata',
      'reasoning-delta',
      'reasoning-delta',
      'reasoning-delta',
      'tool-call-start',
    ]);
    expect(both.finish?.usage).toMatchObject({
      outputTokens: 3 + both.fragments.length,
      reasoningTokens: 3,
    });
    const failed = await run({ simulator: { ...fast, reasoningTokens: 3, failAfterTokens: 2 } });
    expect(failed.reasoning).toHaveLength(2);
    expect(ProviderError.isInstance(failed.error)).toBe(true);
  });
});
