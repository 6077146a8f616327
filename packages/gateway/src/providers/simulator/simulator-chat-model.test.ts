import { describe, expect, it } from 'vitest';
import {
  type LanguageModelCallOptions,
  type LanguageModelStreamPart,
  ProviderError,
} from '../language-model.ts';
import { createSimulator } from './simulator-provider.ts';
import { CORPUS_TOKENS, SENTENCE_STARTS } from './simulator-tokens.ts';

const fast = { ttftMs: 0, tokenIntervalMs: 0 };
const promptText = 'Tell me a story about the sea.';
const prompt = [{ role: 'user' as const, content: promptText }];

async function run(options: Partial<LanguageModelCallOptions> = {}) {
  const { stream } = await createSimulator().doStream({
    messages: prompt,
    simulator: fast,
    ...options,
  });
  const parts: LanguageModelStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  const deltas = parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : []));
  const finish = parts.find((part) => part.type === 'finish');
  return { parts, deltas, text: deltas.join(''), finish };
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
  it('identifies itself as the simulator', () => {
    const model = createSimulator();
    expect(model).toMatchObject({ provider: 'simulator', modelId: 'simulator' });
    expect(model.specificationVersion).toBe('sluice-v1');
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
    const { stream } = await createSimulator().doStream({
      messages: prompt,
      simulator: { ...fast, failAfterTokens: 3 },
    });
    const deltas: string[] = [];
    const error = await (async () => {
      try {
        for await (const part of stream) if (part.type === 'text-delta') deltas.push(part.delta);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(deltas).toHaveLength(3);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_ERROR', retryable: true });
  });

  it('stalls after stallAfterTokens until aborted, then rejects at once', async () => {
    const controller = new AbortController();
    const { stream } = await createSimulator().doStream({
      messages: prompt,
      simulator: { ttftMs: 1, tokenIntervalMs: 1, stallAfterTokens: 2 },
      abortSignal: controller.signal,
    });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.type).toBe('response-metadata');
    expect((await iterator.next()).value?.type).toBe('text-delta');
    expect((await iterator.next()).value?.type).toBe('text-delta');
    const stalled = iterator.next();
    controller.abort();
    await expect(stalled).rejects.toMatchObject({ name: 'AbortError' });
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects a pending paced token as soon as the signal aborts', async () => {
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
    controller.abort(new Error('cancelled by test'));
    await expect(pending).rejects.toThrow('cancelled by test');
  });

  it('rejects doStream when the signal is already aborted', async () => {
    await expect(
      createSimulator().doStream({ messages: prompt, abortSignal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('stops cleanly when the consumer breaks out', async () => {
    const controller = new AbortController();
    const { stream } = await createSimulator().doStream({
      messages: prompt,
      simulator: fast,
      abortSignal: controller.signal,
    });
    let count = 0;
    for await (const _part of stream) if (++count === 3) break;
    const iterator = stream[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('paces tokens with real timers', async () => {
    const result = await run({ maxTokens: 5, simulator: { ttftMs: 2, tokenIntervalMs: 1 } });
    expect(result.deltas).toHaveLength(5);
  });
});
