import { describe, expect, it } from 'vitest';
import {
  type LanguageModelCallOptions,
  type LanguageModelStreamPart,
  ProviderError,
} from '../../providers/language-model.ts';
import {
  MockLanguageModel,
  mockTextParts,
  mockToolCallParts,
} from '../../providers/mock-language-model.ts';
import { abortReason } from '../../providers/shared/abort-reason.ts';
import { createDeferred, type Deferred } from '../../providers/shared/deferred.ts';
import { collectStream } from '../../providers/testing/collect-stream.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { ManualScheduler } from './manual-scheduler.ts';
import { CircuitOpenError } from './resilience-errors.ts';
import type { ContinuationSupport } from './resilience-settings.ts';
import {
  type ResilienceEvent,
  type ResilientChainLink,
  ResilientLanguageModel,
} from './resilient-language-model.ts';

const messages: LanguageModelCallOptions['messages'] = [{ role: 'user', content: 'Say hello' }];

function serverError(): ProviderError {
  return new ProviderError({
    code: 'SLUICE_ERR_UPSTREAM_ERROR',
    message: 'The upstream responded with HTTP 503',
    retryable: true,
    upstreamStatus: 503,
  });
}

function badRequest(): ProviderError {
  return new ProviderError({
    code: 'SLUICE_ERR_UPSTREAM_ERROR',
    message: 'The upstream responded with HTTP 400',
    retryable: false,
    upstreamStatus: 400,
  });
}

/** A stream that yields `deltas` and then fails with `error`. */
async function* failingAfter(
  deltas: readonly string[],
  error: unknown,
): AsyncGenerator<LanguageModelStreamPart> {
  yield { type: 'response-metadata', modelId: 'mock-model' };
  for (const delta of deltas) yield { type: 'text-delta', delta };
  throw error;
}

/** A stream that yields `deltas` and then waits until its call is aborted. */
async function* hangingAfter(
  deltas: readonly string[],
  signal: AbortSignal | undefined,
  hung?: Deferred<void>,
): AsyncGenerator<LanguageModelStreamPart> {
  for (const delta of deltas) yield { type: 'text-delta', delta };
  hung?.resolve();
  await new Promise((_, reject) => {
    if (signal?.aborted) reject(abortReason(signal));
    signal?.addEventListener('abort', () => reject(abortReason(signal)), { once: true });
  });
}

function link(
  name: string,
  model: MockLanguageModel,
  options: { continuation?: ContinuationSupport; breaker?: CircuitBreaker } = {},
): ResilientChainLink {
  return {
    name,
    model,
    breaker: options.breaker ?? new CircuitBreaker(name, { failureThreshold: 3 }),
    continuation: options.continuation ?? 'assistant-prefix',
  };
}

interface Setup {
  chain: [ResilientChainLink, ...ResilientChainLink[]];
  attempts?: number;
  firstTokenMs?: number;
  tokenGapMs?: number;
  random?: () => number;
}

function resilient(setup: Setup) {
  const scheduler = new ManualScheduler();
  const events: ResilienceEvent[] = [];
  const model = new ResilientLanguageModel({
    chain: setup.chain,
    retry: { attempts: setup.attempts ?? 3, baseDelayMs: 100, maxDelayMs: 150 },
    timeouts: { firstTokenMs: setup.firstTokenMs, tokenGapMs: setup.tokenGapMs },
    random: setup.random ?? (() => 0),
    scheduler,
    onEvent: (event) => events.push(event),
  });
  return { model, scheduler, events };
}

describe('ResilientLanguageModel before the first token', () => {
  it('retries a retryable failure and succeeds on the second attempt', async () => {
    const primary = new MockLanguageModel({
      stream: (_options, call) => {
        if (call.index === 0) throw serverError();
        return mockTextParts(['Hello', '!']);
      },
    });
    const { model } = resilient({ chain: [link('primary', primary)] });
    const { stream } = await model.doStream({ messages });
    const collected = await collectStream(stream);
    expect(collected.text).toBe('Hello!');
    expect(collected.finish?.finishReason).toBe('stop');
    expect(primary.calls).toHaveLength(2);
  });

  it('waits an exponential backoff with full jitter between attempts', async () => {
    const primary = new MockLanguageModel({
      stream: (_options, call) => {
        if (call.index < 2) throw serverError();
        return mockTextParts(['ok']);
      },
    });
    const { model, scheduler } = resilient({
      chain: [link('primary', primary)],
      random: () => 0.5,
    });
    const started = model.doStream({ messages });
    // First retry: half of min(150, 100); second: half of min(150, 200).
    expect(await scheduler.whenScheduled()).toBe(50);
    expect(primary.calls).toHaveLength(1);
    scheduler.advance(50);
    expect(await scheduler.whenScheduled()).toBe(75);
    expect(primary.calls).toHaveLength(2);
    scheduler.advance(75);
    const collected = await collectStream((await started).stream);
    expect(collected.text).toBe('ok');
    expect(primary.calls).toHaveLength(3);
  });

  it('rejects with the last error once the attempts are used up', async () => {
    const primary = new MockLanguageModel({ rejectWith: serverError() });
    const breaker = new CircuitBreaker('primary', { failureThreshold: 10 });
    const { model, events } = resilient({ chain: [link('primary', primary, { breaker })] });
    const error = await model.doStream({ messages }).catch((caught: unknown) => caught);
    expect(ProviderError.isInstance(error) && error.upstreamStatus).toBe(503);
    expect(primary.calls).toHaveLength(3);
    expect(breaker.snapshot().consecutiveFailures).toBe(3);
    expect(events.filter((event) => event.type === 'attempt-failed')).toHaveLength(3);
  });

  it('neither retries nor falls back when the upstream rejects the request itself', async () => {
    const primary = new MockLanguageModel({ rejectWith: badRequest() });
    const fallback = new MockLanguageModel();
    const breaker = new CircuitBreaker('primary', { failureThreshold: 1 });
    const { model } = resilient({
      chain: [link('primary', primary, { breaker }), link('fallback', fallback)],
    });
    const error = await model.doStream({ messages }).catch((caught: unknown) => caught);
    expect(ProviderError.isInstance(error) && error.upstreamStatus).toBe(400);
    expect(primary.calls).toHaveLength(1);
    expect(fallback.calls).toHaveLength(0);
    expect(breaker.state).toBe('closed');
  });

  it('falls back to the next model when the primary fails before its first token', async () => {
    const primary = new MockLanguageModel({
      stream: () => failingAfter([], serverError()),
    });
    const fallback = new MockLanguageModel({ stream: mockTextParts(['From', ' fallback']) });
    const { model } = resilient({
      chain: [link('primary', primary), link('fallback', fallback)],
      attempts: 2,
    });
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.text).toBe('From fallback');
    expect(collected.parts.some((part) => part.type === 'model-switch')).toBe(false);
    expect(primary.calls).toHaveLength(2);
    expect(fallback.calls).toHaveLength(1);
    expect(fallback.lastCall?.options.messages).toEqual(messages);
  });

  it('counts a first-token timeout as a failure and falls back, closing the slow upstream', async () => {
    const primary = new MockLanguageModel({
      stream: (options) => hangingAfter([], options.abortSignal),
    });
    const fallback = new MockLanguageModel({ stream: mockTextParts(['fast']) });
    const { model, scheduler, events } = resilient({
      chain: [link('primary', primary), link('fallback', fallback)],
      attempts: 1,
      firstTokenMs: 5_000,
    });
    const started = model.doStream({ messages });
    expect(await scheduler.whenScheduled(5_000)).toBe(5_000);
    scheduler.advance(5_000);
    const collected = await collectStream((await started).stream);
    expect(collected.text).toBe('fast');
    await primary.lastCall?.whenAborted;
    expect(primary.lastCall?.aborted).toBe(true);
    expect(events[0]).toMatchObject({
      type: 'attempt-failed',
      model: 'primary',
      code: 'SLUICE_ERR_UPSTREAM_TIMEOUT',
    });
  });

  it('skips a model whose circuit is open without calling it', async () => {
    const primary = new MockLanguageModel();
    const breaker = new CircuitBreaker('primary', { failureThreshold: 1 });
    breaker.tryAcquire()?.failure();
    const fallback = new MockLanguageModel({ stream: mockTextParts(['spare']) });
    const { model, events } = resilient({
      chain: [link('primary', primary, { breaker }), link('fallback', fallback)],
    });
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.text).toBe('spare');
    expect(primary.calls).toHaveLength(0);
    expect(events[0]).toEqual({ type: 'model-skipped', model: 'primary', reason: 'circuit-open' });
  });

  it('rejects with CircuitOpenError when every circuit is open', async () => {
    const primary = new MockLanguageModel();
    const breaker = new CircuitBreaker('primary', { failureThreshold: 1 });
    breaker.tryAcquire()?.failure();
    const { model } = resilient({ chain: [link('primary', primary, { breaker })] });
    const error = await model.doStream({ messages }).catch((caught: unknown) => caught);
    expect(CircuitOpenError.isInstance(error)).toBe(true);
    expect(ProviderError.isInstance(error) && error.code).toBe('SLUICE_ERR_UPSTREAM_UNAVAILABLE');
    expect(ProviderError.isInstance(error) && error.retryable).toBe(true);
    expect(primary.calls).toHaveLength(0);
  });

  it('stops everything when the caller cancels during a retry backoff', async () => {
    const primary = new MockLanguageModel({ rejectWith: serverError() });
    const fallback = new MockLanguageModel();
    const { model, scheduler } = resilient({
      chain: [link('primary', primary), link('fallback', fallback)],
      random: () => 1,
    });
    const controller = new AbortController();
    const started = model.doStream({ messages, abortSignal: controller.signal });
    await scheduler.whenScheduled();
    controller.abort();
    const error = await started.catch((caught: unknown) => caught);
    expect((error as Error).name).toBe('AbortError');
    expect(scheduler.pendingTimers).toBe(0);
    scheduler.advance(10_000);
    expect(primary.calls).toHaveLength(1);
    expect(fallback.calls).toHaveLength(0);
  });

  it('treats a finish with no text as the first token', async () => {
    const primary = new MockLanguageModel({ stream: mockTextParts([]) });
    const { model } = resilient({ chain: [link('primary', primary)] });
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.finish?.finishReason).toBe('stop');
    expect(primary.calls).toHaveLength(1);
  });
});

describe('ResilientLanguageModel after the first token', () => {
  it('continues on the next model with the delivered text as an assistant prefix', async () => {
    const primary = new MockLanguageModel({
      stream: () => failingAfter(['Hello', ' wor'], serverError()),
    });
    const fallback = new MockLanguageModel({
      stream: mockTextParts(['ld', '!'], { usage: { inputTokens: 12, outputTokens: 2 } }),
    });
    const primaryBreaker = new CircuitBreaker('primary', { failureThreshold: 5 });
    const { model } = resilient({
      chain: [link('primary', primary, { breaker: primaryBreaker }), link('fallback', fallback)],
    });
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.error).toBeUndefined();
    expect(collected.text).toBe('Hello world!');
    expect(collected.parts.filter((part) => part.type !== 'response-metadata')).toEqual([
      { type: 'text-delta', delta: 'Hello' },
      { type: 'text-delta', delta: ' wor' },
      {
        type: 'model-switch',
        from: 'primary',
        to: 'fallback',
        reason: 'SLUICE_ERR_UPSTREAM_ERROR',
        afterCharacters: 9,
      },
      { type: 'text-delta', delta: 'ld' },
      { type: 'text-delta', delta: '!' },
      // Output: 2 deltas from the primary + 2 reported; input: the primary's estimate + 12.
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 15, outputTokens: 4 } },
    ]);
    expect(fallback.lastCall?.options.messages).toEqual([
      ...messages,
      { role: 'assistant', content: 'Hello wor' },
    ]);
    expect(primary.calls).toHaveLength(1);
    expect(primaryBreaker.snapshot().consecutiveFailures).toBe(1);
  });

  it('ends with the original error when no later model can continue', async () => {
    const primary = new MockLanguageModel({
      stream: () => failingAfter(['Hello'], serverError()),
    });
    const fallback = new MockLanguageModel();
    const { model } = resilient({
      chain: [link('primary', primary), link('fallback', fallback, { continuation: 'none' })],
    });
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.text).toBe('Hello');
    expect(ProviderError.isInstance(collected.error) && collected.error.upstreamStatus).toBe(503);
    expect(fallback.calls).toHaveLength(0);
  });

  it('ends with the original error when the continuation fails too', async () => {
    const original = serverError();
    const primary = new MockLanguageModel({ stream: () => failingAfter(['Hello'], original) });
    const fallback = new MockLanguageModel({
      rejectWith: new ProviderError({
        code: 'SLUICE_ERR_UPSTREAM_UNAVAILABLE',
        message: 'The upstream is unreachable',
        retryable: true,
      }),
    });
    const { model } = resilient({
      chain: [link('primary', primary), link('fallback', fallback)],
      attempts: 2,
    });
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.error).toBe(original);
    expect(fallback.calls).toHaveLength(2);
  });

  it('does not continue after a failure caused by the request', async () => {
    const requestError = new ProviderError({
      code: 'SLUICE_ERR_UPSTREAM_ERROR',
      message: 'The upstream reported an error mid-stream (invalid_request_error)',
      retryable: false,
    });
    const primary = new MockLanguageModel({ stream: () => failingAfter(['Hi'], requestError) });
    const fallback = new MockLanguageModel();
    const { model } = resilient({ chain: [link('primary', primary), link('fallback', fallback)] });
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.error).toBe(requestError);
    expect(fallback.calls).toHaveLength(0);
  });

  it('cuts trailing whitespace from the prefix and the doubled whitespace after the seam', async () => {
    const primary = new MockLanguageModel({
      stream: () => failingAfter(['Hello', ' '], serverError()),
    });
    const fallback = new MockLanguageModel({ stream: mockTextParts([' ', ' world']) });
    const { model } = resilient({ chain: [link('primary', primary), link('fallback', fallback)] });
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.text).toBe('Hello world');
    expect(fallback.lastCall?.options.messages.at(-1)).toEqual({
      role: 'assistant',
      content: 'Hello',
    });
  });

  it('extends a prefill the caller already gave instead of adding a second assistant turn', async () => {
    const prefilled: LanguageModelCallOptions['messages'] = [
      ...messages,
      { role: 'assistant', content: 'Answer:' },
    ];
    const primary = new MockLanguageModel({ stream: () => failingAfter([' 4'], serverError()) });
    const fallback = new MockLanguageModel({ stream: mockTextParts(['2']) });
    const { model } = resilient({ chain: [link('primary', primary), link('fallback', fallback)] });
    await collectStream((await model.doStream({ messages: prefilled })).stream);
    expect(fallback.lastCall?.options.messages).toEqual([
      ...messages,
      { role: 'assistant', content: 'Answer: 4' },
    ]);
  });

  it('continues after the gap between parts exceeds the token-gap timeout', async () => {
    const hung = createDeferred();
    const primary = new MockLanguageModel({
      stream: (options) => hangingAfter(['Once'], options.abortSignal, hung),
    });
    const fallback = new MockLanguageModel({ stream: mockTextParts([' upon']) });
    const { model, scheduler } = resilient({
      chain: [link('primary', primary), link('fallback', fallback)],
      tokenGapMs: 2_000,
    });
    const { stream } = await model.doStream({ messages });
    const collecting = collectStream(stream);
    await hung.promise;
    scheduler.advance(2_000);
    const collected = await collecting;
    expect(collected.text).toBe('Once upon');
    expect(collected.parts).toContainEqual(
      expect.objectContaining({ type: 'model-switch', reason: 'SLUICE_ERR_UPSTREAM_TIMEOUT' }),
    );
  });

  it('does not count time the consumer holds a part as upstream silence', async () => {
    const primary = new MockLanguageModel({ stream: mockTextParts(['a', 'b']) });
    const fallback = new MockLanguageModel();
    const { model, scheduler } = resilient({
      chain: [link('primary', primary), link('fallback', fallback)],
      tokenGapMs: 1_000,
    });
    const { stream } = await model.doStream({ messages });
    const iterator = stream[Symbol.asyncIterator]();
    let text = '';
    for (let result = await iterator.next(); !result.done; result = await iterator.next()) {
      if (result.value.type === 'text-delta') text += result.value.delta;
      scheduler.advance(5_000);
    }
    expect(text).toBe('ab');
    expect(fallback.calls).toHaveLength(0);
  });

  it('closes the active upstream at once on cancel and does not retry', async () => {
    const primary = new MockLanguageModel({
      stream: (options) => hangingAfter(['Hi'], options.abortSignal),
    });
    const fallback = new MockLanguageModel();
    const { model } = resilient({ chain: [link('primary', primary), link('fallback', fallback)] });
    const controller = new AbortController();
    const { stream } = await model.doStream({ messages, abortSignal: controller.signal });
    const collecting = collectStream(stream);
    controller.abort();
    const collected = await collecting;
    expect((collected.error as Error).name).toBe('AbortError');
    expect(primary.lastCall?.aborted).toBe(true);
    expect(primary.calls).toHaveLength(1);
    expect(fallback.calls).toHaveLength(0);
  });

  it('closes the continuing upstream when the consumer stops at the seam', async () => {
    const primary = new MockLanguageModel({ stream: () => failingAfter(['One'], serverError()) });
    const fallback = new MockLanguageModel({
      stream: (options) => hangingAfter([' two'], options.abortSignal),
    });
    const { model } = resilient({ chain: [link('primary', primary), link('fallback', fallback)] });
    const { stream } = await model.doStream({ messages });
    for await (const part of stream) {
      if (part.type === 'model-switch') break;
    }
    await fallback.lastCall?.whenAborted;
    expect(fallback.lastCall?.aborted).toBe(true);
  });

  it('closes the upstream when the consumer stops reading', async () => {
    const primary = new MockLanguageModel({
      stream: (options) => hangingAfter(['a', 'b', 'c'], options.abortSignal),
    });
    const { model } = resilient({ chain: [link('primary', primary)] });
    const { stream } = await model.doStream({ messages });
    for await (const part of stream) {
      if (part.type === 'text-delta') break;
    }
    await primary.lastCall?.whenEnded;
    expect(primary.lastCall?.aborted).toBe(true);
  });

  it('returns a finished model stream so its cleanup (draining the body) runs', async () => {
    const cleaned = createDeferred();
    async function* parts(): AsyncGenerator<LanguageModelStreamPart> {
      try {
        yield* mockTextParts(['done']);
        // A provider parks here after its finish part until it is returned or read on.
        await new Promise(() => undefined);
      } finally {
        cleaned.resolve();
      }
    }
    const primary = new MockLanguageModel({ stream: () => parts() });
    const { model } = resilient({ chain: [link('primary', primary)] });
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.finish?.finishReason).toBe('stop');
    await cleaned.promise;
  });

  it('passes a single model usage through untouched', async () => {
    const primary = new MockLanguageModel({
      stream: mockTextParts(['x'], { usage: { inputTokens: undefined, outputTokens: 1 } }),
    });
    const { model } = resilient({ chain: [link('primary', primary)] });
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.finish?.usage).toEqual({ inputTokens: undefined, outputTokens: 1 });
  });
});

/** A stream that yields `parts` and then fails with `error`. */
async function* partsThenFailure(
  parts: readonly LanguageModelStreamPart[],
  error: unknown,
): AsyncGenerator<LanguageModelStreamPart> {
  yield* parts;
  throw error;
}

const weatherCall = {
  toolCallId: 'call_1',
  toolName: 'get_weather',
  arguments: ['{"city":', '"Paris"}'],
};

describe('ResilientLanguageModel on the v2 contract', () => {
  it('answers unsupportedOptions with the primary model’s list only', () => {
    const primary = new MockLanguageModel({
      unsupportedOptions: (options) =>
        options.responseFormat === undefined ? [] : [{ field: 'responseFormat' }],
    });
    const fallback = new MockLanguageModel({ unsupportedOptions: [{ field: 'tools' }] });
    const { model } = resilient({ chain: [link('primary', primary), link('fallback', fallback)] });
    expect(model.specificationVersion).toBe('sluice-v2');
    expect(model.unsupportedOptions({ messages })).toEqual([]);
    expect(model.unsupportedOptions({ messages, responseFormat: { type: 'json' } })).toEqual([
      { field: 'responseFormat' },
    ]);
  });

  it('skips a fallback that cannot carry the call instead of dropping options', async () => {
    const tools = [{ name: 'get_weather', parameters: { type: 'object' } }];
    const primary = new MockLanguageModel({ rejectWith: serverError() });
    const toolless = new MockLanguageModel({
      unsupportedOptions: (options) => (options.tools === undefined ? [] : [{ field: 'tools' }]),
    });
    const capable = new MockLanguageModel({ stream: mockTextParts(['capable']) });
    const { model, events } = resilient({
      chain: [link('primary', primary), link('toolless', toolless), link('capable', capable)],
      attempts: 1,
    });
    const collected = await collectStream((await model.doStream({ messages, tools })).stream);
    expect(collected.text).toBe('capable');
    expect(toolless.calls).toHaveLength(0);
    expect(events).toContainEqual({
      type: 'model-skipped',
      model: 'toolless',
      reason: 'unsupported-options',
    });
  });

  it('passes every call option to each attempt: retries, fallbacks and continuations', async () => {
    const options: LanguageModelCallOptions = {
      messages,
      tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object' } }],
      toolChoice: { toolName: 'get_weather' },
      responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' } },
      maxTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      stop: ['END'],
      seed: 7,
      reasoning: { effort: 'low' },
      providerOptions: { 'openai-compatible': { logprobs: true } },
      headers: { traceparent: '00-abc-def-01' },
      simulator: { ttftMs: 0 },
    };
    const primary = new MockLanguageModel({
      stream: (_options, call) => {
        if (call.index === 0) throw serverError();
        return failingAfter(['Hel'], serverError());
      },
    });
    const fallback = new MockLanguageModel({ stream: mockTextParts(['lo']) });
    const { model } = resilient({
      chain: [link('primary', primary), link('fallback', fallback)],
      attempts: 2,
    });
    const collected = await collectStream((await model.doStream(options)).stream);
    expect(collected.text).toBe('Hello');
    const { messages: _messages, ...rest } = options;
    for (const call of [...primary.calls, ...fallback.calls]) {
      expect(call.options).toMatchObject(rest);
    }
    expect(primary.calls).toHaveLength(2);
    expect(fallback.lastCall?.options.messages.at(-1)).toEqual({
      role: 'assistant',
      content: 'Hel',
    });
  });

  it('relays reasoning and tool calls, and counts either as the first token', async () => {
    async function* reasoningThenSilence(signal: AbortSignal | undefined) {
      yield { type: 'reasoning-delta' as const, delta: 'Thinking' };
      yield* hangingAfter([], signal);
    }
    const thinker = new MockLanguageModel({
      stream: (options) => reasoningThenSilence(options.abortSignal),
    });
    const spare = new MockLanguageModel();
    const first = resilient({
      chain: [link('thinker', thinker), link('spare', spare)],
      firstTokenMs: 1_000,
    });
    const started = await first.model.doStream({ messages });
    // The first-token timer is gone: the reasoning delta was the first token.
    expect(first.scheduler.pendingTimers).toBe(0);
    for await (const part of started.stream) {
      expect(part).toEqual({ type: 'reasoning-delta', delta: 'Thinking' });
      break;
    }
    expect(spare.calls).toHaveLength(0);

    const parts = mockToolCallParts([weatherCall]);
    const caller = new MockLanguageModel({ stream: parts });
    const second = resilient({ chain: [link('caller', caller)] });
    const collected = await collectStream((await second.model.doStream({ messages })).stream);
    expect(collected.parts).toEqual(parts);
  });

  it('does not continue a failure after a tool call started', async () => {
    const original = serverError();
    const primary = new MockLanguageModel({
      stream: () =>
        partsThenFailure(
          [
            { type: 'text-delta', delta: 'Let me check.' },
            { type: 'tool-call-start', index: 0, toolCallId: 'call_1', toolName: 'get_weather' },
            { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
          ],
          original,
        ),
    });
    const fallback = new MockLanguageModel();
    const { model, events } = resilient({
      chain: [link('primary', primary), link('fallback', fallback)],
    });
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.error).toBe(original);
    expect(collected.parts.map((part) => part.type)).toEqual([
      'text-delta',
      'tool-call-start',
      'tool-call-delta',
    ]);
    expect(fallback.calls).toHaveLength(0);
    expect(primary.lastCall?.aborted).toBe(true);
    expect(events.some((event) => event.type === 'model-switched')).toBe(false);
  });

  it('continues after reasoning alone with the original prompt, adding up reasoning usage', async () => {
    const primary = new MockLanguageModel({
      stream: () =>
        partsThenFailure(
          [
            { type: 'reasoning-delta', delta: 'Let me' },
            { type: 'reasoning-delta', delta: ' think' },
          ],
          serverError(),
        ),
    });
    const fallback = new MockLanguageModel({
      stream: [
        { type: 'reasoning-delta', delta: 'Hm.' },
        { type: 'text-delta', delta: 'Hello' },
        {
          type: 'finish',
          finishReason: 'stop',
          usage: { inputTokens: 10, outputTokens: 4, reasoningTokens: 3, cachedInputTokens: 8 },
        },
      ],
    });
    const { model } = resilient({ chain: [link('primary', primary), link('fallback', fallback)] });
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.parts).toContainEqual(
      expect.objectContaining({ type: 'model-switch', afterCharacters: 0 }),
    );
    expect(fallback.lastCall?.options.messages).toEqual(messages);
    expect(collected.finish?.usage).toEqual({
      inputTokens: 3 + 10,
      outputTokens: 2 + 4,
      reasoningTokens: 2 + 3,
      cachedInputTokens: 8,
    });
  });

  it('passes reasoning and cached usage through when only one model answered', async () => {
    const usage = { inputTokens: 20, outputTokens: 9, reasoningTokens: 4, cachedInputTokens: 16 };
    const primary = new MockLanguageModel({ rejectWith: serverError() });
    const fallback = new MockLanguageModel({ stream: mockTextParts(['ok'], { usage }) });
    const { model } = resilient({
      chain: [link('primary', primary), link('fallback', fallback)],
      attempts: 1,
    });
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.finish?.usage).toEqual(usage);
  });
});
