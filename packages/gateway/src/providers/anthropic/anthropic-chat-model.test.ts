import { afterEach, describe, expect, it } from 'vitest';
import { type LanguageModelCallOptions, ProviderError } from '../language-model.ts';
import { collectStream } from '../testing/collect-stream.ts';
import type { ConformanceScenario } from '../testing/conformance-scenarios.ts';
import {
  type FixtureResponder,
  type FixtureResponse,
  type FixtureServer,
  readFixture,
  refusedBaseUrl,
  startFixtureServer,
} from '../testing/fixture-server.ts';
import {
  describeLanguageModelConformance,
  type LanguageModelHarness,
  type Replay,
} from '../testing/language-model-conformance.ts';
import type { AnthropicSettings } from './anthropic-chat-model.ts';
import { createAnthropic } from './anthropic-provider.ts';

const API_KEY = 'sk-ant-test-SECRET-xyz789';
const fixture = (name: string) => readFixture(import.meta.url, name);
const messages: LanguageModelCallOptions['messages'] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Say hello' },
  { role: 'assistant', content: 'Hello?' },
  { role: 'system', content: 'Use British spelling.' },
  { role: 'user', content: 'Again' },
];

const tools: LanguageModelCallOptions['tools'] = [
  {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
  {
    name: 'get_time',
    parameters: { type: 'object', properties: { timezone: { type: 'string' } } },
  },
];

/** What each scenario's request would carry for Anthropic to answer that way. */
const SCENARIO_OPTIONS: Record<ConformanceScenario, Partial<LanguageModelCallOptions>> = {
  text: {},
  'one-tool-call': { tools },
  'parallel-tool-calls': { tools },
  'text-then-tool-call': { tools },
  'reasoning-then-text': { reasoning: { effort: 'low' } },
  'json-mode': {
    responseFormat: {
      type: 'json_schema',
      name: 'answer',
      schema: { type: 'object', properties: { answer: { type: 'number' } } },
    },
  },
};

async function replayFixture(
  name: string,
  response: Partial<FixtureResponse> = {},
  options: Partial<LanguageModelCallOptions> = {},
): Promise<Replay> {
  const fixtureServer = await startFixtureServer({ body: fixture(name), ...response });
  return {
    model: createAnthropic({
      baseUrl: `${fixtureServer.baseUrl}/v1`,
      apiKey: API_KEY,
      modelId: 'claude-sonnet-4-5',
    }),
    options,
    upstreamClosed: () => fixtureServer.nextRequest().then((request) => request.socketClosed),
    close: () => fixtureServer.close(),
  };
}

const harness: LanguageModelHarness = {
  scenarios: Object.keys(SCENARIO_OPTIONS) as ConformanceScenario[],
  rechunks: true,
  replay: (scenario, { chunkSeed }) =>
    replayFixture(
      `anthropic-${scenario}.sse.txt`,
      chunkSeed === undefined ? {} : { chunkSeed },
      SCENARIO_OPTIONS[scenario],
    ),
  hanging: () => replayFixture('anthropic-truncated.sse.txt', { holdOpen: true }),
  failures: {
    truncated: () => replayFixture('anthropic-truncated.sse.txt'),
    'mid-stream-error': () => replayFixture('anthropic-error.sse.txt'),
    malformed: () => replayFixture('anthropic-malformed.sse.txt'),
    'unknown-tool-index': () => replayFixture('anthropic-unknown-block-index.sse.txt'),
    'tool-call-without-name': () => replayFixture('anthropic-tool-use-without-name.sse.txt'),
  },
};

describeLanguageModelConformance('anthropic', harness);

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(responder: FixtureResponder, settings: Partial<AnthropicSettings> = {}) {
  server = await startFixtureServer(responder);
  const model = createAnthropic({
    baseUrl: `${server.baseUrl}/v1`,
    apiKey: API_KEY,
    modelId: 'claude-sonnet-4-5',
    ...settings,
  });
  return { server, model };
}

async function streamFixture(name: string, options: Partial<LanguageModelCallOptions> = {}) {
  const { model } = await serve({ body: fixture(name) });
  const { stream } = await model.doStream({ messages, ...options });
  return collectStream(stream);
}

describe('AnthropicChatModel', () => {
  it('relays the message id and model, then usage with the cache reads', async () => {
    const result = await streamFixture('anthropic-text.sse.txt');
    expect(result.parts[0]).toEqual({
      type: 'response-metadata',
      id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY',
      modelId: 'claude-sonnet-4-5-20250929',
    });
    expect(result.finish).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 25, outputTokens: 15, cachedInputTokens: 0 },
    });
  });

  it('counts cache writes and reads into the input tokens, maps max_tokens to length', async () => {
    const result = await streamFixture('anthropic-max-tokens.sse.txt');
    expect(result.text).toBe('It was the best of times');
    expect(result.parts).toContainEqual({
      type: 'reasoning-delta',
      delta: 'Private reasoning that is not relayed.',
    });
    expect(result.finish).toEqual({
      type: 'finish',
      finishReason: 'length',
      usage: { inputTokens: 60, outputTokens: 6, cachedInputTokens: 30 },
    });
  });

  it('maps refusal to content-filter', async () => {
    const result = await streamFixture('anthropic-refusal.sse.txt');
    expect(result.finish).toMatchObject({ finishReason: 'content-filter' });
  });

  it('gives a tool without parameters the arguments {}', async () => {
    const result = await streamFixture('anthropic-tool-without-arguments.sse.txt', { tools });
    expect(result.parts.filter((part) => part.type.startsWith('tool-call'))).toEqual([
      {
        type: 'tool-call-start',
        index: 0,
        toolCallId: 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP',
        toolName: 'list_issues',
      },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' },
      { type: 'tool-call-end', index: 0 },
    ]);
    expect(result.finish).toMatchObject({ finishReason: 'tool-calls' });
  });

  it('fails on tool input streamed into a text block', async () => {
    const result = await streamFixture('anthropic-tool-input-on-text-block.sse.txt');
    expect(result.text).toBe('Checking');
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE' });
    expect((result.error as Error).message).toContain('input_json_delta on a text block');
    expect(result.finish).toBeUndefined();
  });

  it('sends the documented request shape', async () => {
    const { model, server } = await serve({ body: fixture('anthropic-text.sse.txt') });
    await collectStream(
      (await model.doStream({ messages, temperature: 0.5, headers: { traceparent: 't' } })).stream,
    );
    const request = await server.nextRequest();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/messages');
    expect(request.headers['x-api-key']).toBe(API_KEY);
    expect(request.headers['anthropic-version']).toBe('2023-06-01');
    expect(request.headers.authorization).toBeUndefined();
    expect(request.headers.traceparent).toBe('t');
    expect(JSON.parse(request.body)).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'Be brief.\n\nUse British spelling.',
      messages: [
        { role: 'user', content: 'Say hello' },
        { role: 'assistant', content: 'Hello?' },
        { role: 'user', content: 'Again' },
      ],
      stream: true,
      temperature: 0.5,
    });
  });

  it('refuses a call it cannot carry without sending it', async () => {
    const { model, server } = await serve({ body: fixture('anthropic-text.sse.txt') });
    const options = { messages, seed: 7, responseFormat: { type: 'json' } } as const;
    expect(model.unsupportedOptions(options).map((option) => option.field)).toEqual([
      'responseFormat',
      'seed',
    ]);
    const error = await model.doStream(options).catch((caught: unknown) => caught);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SLUICE_ERR_UNSUPPORTED_FIELD', retryable: false });
    expect((error as Error).message).toContain('seed');
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    [401, 'anthropic-401.body.txt', false, 'authentication_error'],
    [529, 'anthropic-529.body.txt', true, 'overloaded_error'],
    [429, 'anthropic-529.body.txt', true, 'overloaded_error'],
    [400, 'anthropic-401.body.txt', false, 'authentication_error'],
  ])('rejects doStream on HTTP %i', async (status, bodyFixture, retryable, kind) => {
    const { model } = await serve({ status, body: fixture(bodyFixture) });
    const error = await model.doStream({ messages }).catch((caught: unknown) => caught);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'SLUICE_ERR_UPSTREAM_ERROR',
      retryable,
      upstreamStatus: status,
    });
    expect((error as Error).message).toContain(kind);
    expect((error as Error).message).not.toContain(API_KEY);
  });

  it('rejects a refused connection as unavailable', async () => {
    const model = createAnthropic({
      baseUrl: await refusedBaseUrl(),
      apiKey: API_KEY,
      modelId: 'x',
    });
    await expect(model.doStream({ messages })).rejects.toMatchObject({
      code: 'SLUICE_ERR_UPSTREAM_UNAVAILABLE',
      retryable: true,
    });
  });

  it('rejects with a timeout when headers never come', async () => {
    const { model } = await serve({ neverRespond: true }, { headersTimeoutMs: 50 });
    await expect(model.doStream({ messages })).rejects.toMatchObject({
      code: 'SLUICE_ERR_UPSTREAM_TIMEOUT',
    });
  });

  it('throws a typed, retryable error for an overloaded_error event mid-stream', async () => {
    const result = await streamFixture('anthropic-error.sse.txt');
    expect(result.text).toBe('Partial answer');
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_ERROR', retryable: true });
    expect((result.error as Error).message).toContain('overloaded_error');
  });

  it('reports malformed JSON without quoting it', async () => {
    const result = await streamFixture('anthropic-malformed.sse.txt');
    expect(result.text).toBe('Fine');
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE' });
    expect((result.error as Error).message).not.toContain('broken');
  });

  it('reports a stream cut before message_stop as truncated and retryable', async () => {
    const result = await streamFixture('anthropic-truncated.sse.txt');
    expect(result.text).toBe('This answer stops');
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_STREAM_TRUNCATED', retryable: true });
  });
});
