/**
 * The decorator against real providers: the simulator with its fault options and a faulty
 * local HTTP upstream in the OpenAI and Anthropic wire formats.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicChatModel } from '../../providers/anthropic/anthropic-chat-model.ts';
import {
  type LanguageModel,
  type LanguageModelCallOptions,
  ProviderError,
} from '../../providers/language-model.ts';
import { OpenAICompatibleChatModel } from '../../providers/openai-compatible/openai-compatible-chat-model.ts';
import { SimulatorChatModel } from '../../providers/simulator/simulator-chat-model.ts';
import { collectStream } from '../../providers/testing/collect-stream.ts';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.ts';
import type { Scheduler } from './clock.ts';
import { type FaultyUpstream, startFaultyUpstream, type WireFormat } from './faulty-upstream.ts';
import { ManualScheduler } from './manual-scheduler.ts';
import { defaultContinuation, type ResilienceTimeouts } from './resilience-settings.ts';
import { type ResilientChainLink, ResilientLanguageModel } from './resilient-language-model.ts';

const messages: LanguageModelCallOptions['messages'] = [
  { role: 'user', content: 'Tell me a story' },
];
const upstreams: FaultyUpstream[] = [];

afterEach(async () => {
  await Promise.all(upstreams.splice(0).map((upstream) => upstream.close()));
});

async function faulty(format: WireFormat = 'openai'): Promise<FaultyUpstream> {
  const upstream = await startFaultyUpstream(format);
  upstreams.push(upstream);
  return upstream;
}

function httpModel(upstream: FaultyUpstream, format: WireFormat = 'openai'): LanguageModel {
  return format === 'openai'
    ? new OpenAICompatibleChatModel({ baseUrl: upstream.baseUrl, modelId: 'faulty' })
    : new AnthropicChatModel({ baseUrl: upstream.baseUrl, modelId: 'faulty', apiKey: 'test' });
}

function link(name: string, model: LanguageModel, breaker?: CircuitBreaker): ResilientChainLink {
  return {
    name,
    model,
    breaker: breaker ?? new CircuitBreaker(name),
    continuation: defaultContinuation(model.provider),
  };
}

function resilient(
  chain: [ResilientChainLink, ...ResilientChainLink[]],
  options: {
    attempts?: number;
    timeouts?: ResilienceTimeouts;
    scheduler?: Scheduler;
    random?: () => number;
  } = {},
) {
  return new ResilientLanguageModel({
    chain,
    retry: { attempts: options.attempts ?? 2, baseDelayMs: 1, maxDelayMs: 1 },
    timeouts: options.timeouts ?? {},
    random: options.random ?? (() => 0),
    ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
  });
}

const fastSimulator = { ttftMs: 0, tokenIntervalMs: 0 };

describe('retries against a faulty upstream', () => {
  it('succeeds on the second attempt after a 503', async () => {
    const upstream = await faulty();
    upstream.script({ kind: 'status', status: 503 }, { kind: 'answer', tokens: ['Hi', ' there'] });
    const model = resilient([link('gpt', httpModel(upstream))]);
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.text).toBe('Hi there');
    expect(upstream.requests).toHaveLength(2);
  });

  it('rejects with the upstream error once the attempts are used up', async () => {
    const upstream = await faulty();
    upstream.otherwise = { kind: 'status', status: 503 };
    const model = resilient([link('gpt', httpModel(upstream))], { attempts: 3 });
    const error = await model.doStream({ messages }).catch((caught: unknown) => caught);
    expect(ProviderError.isInstance(error) && error.upstreamStatus).toBe(503);
    expect(upstream.requests).toHaveLength(3);
  });
});

describe('fallback before the first token', () => {
  it('moves on from a simulator that fails before its first token', async () => {
    const upstream = await faulty();
    upstream.otherwise = { kind: 'answer', tokens: ['Spare', ' answer'] };
    const model = resilient([
      link('simulator', new SimulatorChatModel()),
      link('gpt', httpModel(upstream)),
    ]);
    const { stream } = await model.doStream({
      messages,
      simulator: { ...fastSimulator, failAfterTokens: 0 },
    });
    const collected = await collectStream(stream);
    expect(collected.text).toBe('Spare answer');
    expect(collected.parts.some((part) => part.type === 'model-switch')).toBe(false);
    expect(upstream.requests[0]?.body.messages).toEqual(messages);
  });

  it('moves on when the first token takes longer than the first-token timeout', async () => {
    const upstream = await faulty();
    upstream.otherwise = { kind: 'answer', tokens: ['Quick'] };
    const model = resilient(
      [link('simulator', new SimulatorChatModel()), link('gpt', httpModel(upstream))],
      { attempts: 1, timeouts: { firstTokenMs: 20 } },
    );
    const { stream } = await model.doStream({ messages, simulator: { ttftMs: 600_000 } });
    expect((await collectStream(stream)).text).toBe('Quick');
  });

  it('moves on from an upstream that refuses with 500 to an Anthropic fallback', async () => {
    const primary = await faulty();
    primary.otherwise = { kind: 'status', status: 500 };
    const fallback = await faulty('anthropic');
    fallback.otherwise = { kind: 'answer', tokens: ['Claude', ' here'] };
    const model = resilient([
      link('gpt', httpModel(primary)),
      link('claude', httpModel(fallback, 'anthropic')),
    ]);
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.text).toBe('Claude here');
    expect(primary.requests).toHaveLength(2);
  });
});

describe('mid-stream continuation', () => {
  it('continues a simulator answer that failed after 3 tokens on an OpenAI-compatible upstream', async () => {
    const upstream = await faulty();
    upstream.otherwise = { kind: 'answer', tokens: [' and', ' the', ' end.'] };
    const model = resilient([
      link('simulator', new SimulatorChatModel()),
      link('gpt', httpModel(upstream)),
    ]);
    const { stream } = await model.doStream({
      messages,
      simulator: { ...fastSimulator, failAfterTokens: 3 },
    });
    const collected = await collectStream(stream);
    expect(collected.error).toBeUndefined();
    const switchIndex = collected.parts.findIndex((part) => part.type === 'model-switch');
    const before = collected.parts
      .slice(0, switchIndex)
      .map((part) => (part.type === 'text-delta' ? part.delta : ''))
      .join('');
    expect(collected.parts.filter((part) => part.type === 'text-delta').length).toBe(6);
    expect(collected.parts[switchIndex]).toEqual({
      type: 'model-switch',
      from: 'simulator',
      to: 'gpt',
      reason: 'SLUICE_ERR_UPSTREAM_ERROR',
      afterCharacters: before.length,
    });
    expect(collected.text).toBe(`${before} and the end.`);
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]?.body.messages).toEqual([
      ...messages,
      { role: 'assistant', content: before.trimEnd() },
    ]);
    // 3 delivered simulator tokens plus the 3 the upstream reported.
    expect(collected.finish?.usage.outputTokens).toBe(6);
  });

  it('continues a dropped OpenAI-compatible stream on Anthropic with the prefix and summed usage', async () => {
    const primary = await faulty();
    primary.otherwise = { kind: 'drop-after', tokens: ['The', ' quick'] };
    const fallback = await faulty('anthropic');
    fallback.otherwise = { kind: 'answer', tokens: [' brown', ' fox'] };
    const model = resilient([
      link('gpt', httpModel(primary)),
      link('claude', httpModel(fallback, 'anthropic')),
    ]);
    const collected = await collectStream((await model.doStream({ messages })).stream);
    expect(collected.text).toBe('The quick brown fox');
    expect(collected.parts).toContainEqual({
      type: 'model-switch',
      from: 'gpt',
      to: 'claude',
      reason: 'SLUICE_ERR_STREAM_TRUNCATED',
      afterCharacters: 9,
    });
    expect(fallback.requests[0]?.body.messages).toEqual([
      ...messages,
      { role: 'assistant', content: 'The quick' },
    ]);
    // Primary: 2 delivered deltas and an estimate of its prompt (4 tokens); Anthropic: 7 in, 2 out.
    expect(collected.finish?.usage).toEqual({ inputTokens: 11, outputTokens: 4 });
  });

  it('continues after a simulator stall exceeds the token-gap timeout', async () => {
    const upstream = await faulty();
    upstream.otherwise = { kind: 'answer', tokens: [' resumed'] };
    const model = resilient(
      [link('simulator', new SimulatorChatModel()), link('gpt', httpModel(upstream))],
      { timeouts: { tokenGapMs: 20 } },
    );
    const { stream } = await model.doStream({
      messages,
      simulator: { ...fastSimulator, stallAfterTokens: 2 },
    });
    const collected = await collectStream(stream);
    expect(collected.parts).toContainEqual(
      expect.objectContaining({ type: 'model-switch', reason: 'SLUICE_ERR_UPSTREAM_TIMEOUT' }),
    );
    expect(collected.text.endsWith(' resumed')).toBe(true);
  });

  it('ends with the original error when the next model cannot continue', async () => {
    const model = resilient([
      link('simulator', new SimulatorChatModel()),
      link('simulator-2', new SimulatorChatModel()),
    ]);
    const { stream } = await model.doStream({
      messages,
      simulator: { ...fastSimulator, failAfterTokens: 2 },
    });
    const collected = await collectStream(stream);
    expect(collected.parts.filter((part) => part.type === 'text-delta')).toHaveLength(2);
    expect(collected.parts.some((part) => part.type === 'model-switch')).toBe(false);
    expect(ProviderError.isInstance(collected.error) && collected.error.code).toBe(
      'SLUICE_ERR_UPSTREAM_ERROR',
    );
  });
});

describe('tool calls and reasoning through the chain', () => {
  const toolCall = { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' };

  it('relays a simulator’s reasoning and tool call as they come', async () => {
    const model = resilient([link('simulator', new SimulatorChatModel())]);
    const { stream } = await model.doStream({
      messages,
      simulator: { ...fastSimulator, reasoningTokens: 2, toolCall },
    });
    const collected = await collectStream(stream);
    expect(collected.parts.slice(1, 4).map((part) => part.type)).toEqual([
      'reasoning-delta',
      'reasoning-delta',
      'tool-call-start',
    ]);
    const fragments = collected.parts.flatMap((part) =>
      part.type === 'tool-call-delta' ? [part.argumentsDelta] : [],
    );
    expect(fragments.join('')).toBe(toolCall.arguments);
    expect(collected.finish?.finishReason).toBe('tool-calls');
  });

  it('does not continue a tool call that failed mid-arguments on the next model', async () => {
    const upstream = await faulty();
    const model = resilient([
      link('simulator', new SimulatorChatModel()),
      link('gpt', httpModel(upstream)),
    ]);
    const { stream } = await model.doStream({
      messages,
      simulator: { ...fastSimulator, toolCall, failAfterTokens: 2 },
    });
    const collected = await collectStream(stream);
    expect(ProviderError.isInstance(collected.error) && collected.error.code).toBe(
      'SLUICE_ERR_UPSTREAM_ERROR',
    );
    expect(collected.parts.some((part) => part.type === 'model-switch')).toBe(false);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('circuit breaker over a faulty upstream', () => {
  it('goes closed → open → half-open → open → half-open → closed', async () => {
    const upstream = await faulty();
    upstream.otherwise = { kind: 'status', status: 503 };
    const scheduler = new ManualScheduler();
    const breaker = new CircuitBreaker('gpt', {
      failureThreshold: 2,
      coolDownMs: 1_000,
      now: () => scheduler.now(),
    });
    const states: CircuitState[] = [];
    breaker.onStateChange((change) => states.push(change.to));
    const model = resilient(
      [link('gpt', httpModel(upstream), breaker), link('simulator', new SimulatorChatModel())],
      { attempts: 1, scheduler, timeouts: { firstTokenMs: undefined, tokenGapMs: undefined } },
    );
    const ask = async () => {
      const { stream } = await model.doStream({ messages, maxTokens: 2, simulator: fastSimulator });
      return collectStream(stream);
    };

    await ask();
    expect(breaker.state).toBe('closed');
    await ask();
    expect(breaker.state).toBe('open');
    expect(upstream.requests).toHaveLength(2);

    // Open: the upstream is skipped at once; the simulator answers.
    expect((await ask()).text.length).toBeGreaterThan(0);
    expect(upstream.requests).toHaveLength(2);

    scheduler.advance(1_000);
    expect(breaker.state).toBe('half-open');
    await ask(); // the probe fails
    expect(breaker.state).toBe('open');
    expect(upstream.requests).toHaveLength(3);

    scheduler.advance(1_000);
    upstream.otherwise = { kind: 'answer', tokens: ['back'] };
    expect((await ask()).text).toBe('back');
    expect(breaker.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });
});

describe('cancel', () => {
  it('closes the upstream socket mid-stream and tries nothing else', async () => {
    const primary = await faulty();
    primary.otherwise = { kind: 'stall-after', tokens: ['Wait'] };
    const fallback = await faulty();
    const model = resilient([link('gpt', httpModel(primary)), link('gpt-2', httpModel(fallback))]);
    const controller = new AbortController();
    const { stream } = await model.doStream({ messages, abortSignal: controller.signal });
    const collecting = collectStream(stream);
    controller.abort();
    const collected = await collecting;
    await primary.requests[0]?.closed;
    expect((collected.error as Error).name).toBe('AbortError');
    expect(primary.requests).toHaveLength(1);
    expect(fallback.requests).toHaveLength(0);
  });

  it('stops during a retry backoff without another request', async () => {
    const upstream = await faulty();
    upstream.otherwise = { kind: 'status', status: 503 };
    const scheduler = new ManualScheduler();
    const model = resilient([link('gpt', httpModel(upstream))], {
      attempts: 5,
      scheduler,
      random: () => 1,
      timeouts: { firstTokenMs: undefined, tokenGapMs: undefined },
    });
    const controller = new AbortController();
    const outcome = model
      .doStream({ messages, abortSignal: controller.signal })
      .catch((caught: unknown) => caught);
    await scheduler.whenScheduled();
    controller.abort();
    expect(((await outcome) as Error).name).toBe('AbortError');
    scheduler.advance(60_000);
    expect(upstream.requests).toHaveLength(1);
  });
});
