/**
 * The OpenAI-compatible provider: the shared LanguageModel conformance suite over replayed
 * wire fixtures, then what only Chat Completions has — the request as sent, the
 * `reasoning` field variant, usage details, servers' tool-call quirks, and error mapping.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { type LanguageModelCallOptions, ProviderError } from '../language-model.ts';
import { messages, TIME_TOOL, WEATHER_TOOL } from '../testing/call-fixtures.ts';
import { collectStream, withinDeadline } from '../testing/collect-stream.ts';
import {
  CONFORMANCE_SCENARIOS,
  type ConformanceScenario,
} from '../testing/conformance-scenarios.ts';
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
  type Replay,
} from '../testing/language-model-conformance.ts';
import { buildOpenAICompatibleRequest } from './build-openai-compatible-request.ts';
import type { OpenAICompatibleSettings } from './openai-compatible-chat-model.ts';
import { createOpenAICompatible } from './openai-compatible-provider.ts';

const API_KEY = 'sk-test-SECRET-abc123';
const fixture = (name: string) => readFixture(import.meta.url, name);

/** What the request that got each recorded answer asked for. */
const SCENARIO_OPTIONS: Partial<Record<ConformanceScenario, Partial<LanguageModelCallOptions>>> = {
  'one-tool-call': { tools: [WEATHER_TOOL] },
  'parallel-tool-calls': { tools: [WEATHER_TOOL, TIME_TOOL] },
  'text-then-tool-call': { tools: [WEATHER_TOOL] },
  'reasoning-then-text': { reasoning: { effort: 'low' } },
  'json-mode': { responseFormat: { type: 'json' } },
};

async function replayFixture(response: FixtureResponse): Promise<Replay> {
  const fixtureServer = await startFixtureServer(response);
  return {
    model: createOpenAICompatible({
      baseUrl: `${fixtureServer.baseUrl}/v1`,
      apiKey: API_KEY,
      modelId: 'gpt-4o',
    }),
    upstreamClosed: async () => (await fixtureServer.nextRequest()).socketClosed,
    close: () => fixtureServer.close(),
  };
}

const replayFixtureFile = (name: string) => () => replayFixture({ body: fixture(name) });

describeLanguageModelConformance('openai-compatible', {
  // Every scenario: each has a fixture `openai-<scenario>.sse.txt` in Chat Completions' format.
  scenarios: Object.keys(CONFORMANCE_SCENARIOS) as ConformanceScenario[],
  rechunks: true,
  async replay(scenario, { chunkSeed }) {
    const replay = await replayFixture({
      body: fixture(`openai-${scenario}.sse.txt`),
      ...(chunkSeed === undefined ? {} : { chunkSeed }),
    });
    return { ...replay, options: SCENARIO_OPTIONS[scenario] ?? {} };
  },
  hanging: () => replayFixture({ body: fixture('openai-truncated.sse.txt'), holdOpen: true }),
  failures: {
    truncated: replayFixtureFile('openai-truncated.sse.txt'),
    'mid-stream-error': replayFixtureFile('openai-mid-stream-error.sse.txt'),
    malformed: replayFixtureFile('openai-malformed.sse.txt'),
    'unknown-tool-index': replayFixtureFile('openai-unknown-tool-index.sse.txt'),
    'tool-call-without-name': replayFixtureFile('openai-tool-call-without-name.sse.txt'),
  },
});

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(
  responder: FixtureResponder,
  settings: Partial<OpenAICompatibleSettings> = {},
) {
  server = await startFixtureServer(responder);
  const model = createOpenAICompatible({
    baseUrl: `${server.baseUrl}/v1/`,
    apiKey: API_KEY,
    modelId: 'gpt-4o',
    ...settings,
  });
  return { server, model };
}

async function streamFixture(name: string) {
  return streamBody(fixture(name));
}

async function streamBody(body: string) {
  const { model } = await serve({ body });
  const { stream } = await model.doStream({ messages });
  return collectStream(stream);
}

/** The JSON body the upstream received for a call with `options`. */
async function sentBody(options: Partial<LanguageModelCallOptions>) {
  const { model, server } = await serve({ body: fixture('openai-text.sse.txt') });
  await collectStream((await model.doStream({ messages, ...options })).stream);
  const request = await server.nextRequest();
  return JSON.parse(request.body) as Record<string, unknown>;
}

/** An SSE body of chunks carrying these choices, ended by `[DONE]`. */
function chunks(...choices: unknown[]): string {
  const events = choices.map((choice) => `data: ${JSON.stringify({ choices: [choice] })}\n\n`);
  return `${events.join('')}data: [DONE]\n\n`;
}

describe('OpenAICompatibleChatModel: request', () => {
  it('sends the documented request shape and headers', async () => {
    const { model, server } = await serve({ body: fixture('openai-text.sse.txt') });
    const { stream } = await model.doStream({
      messages,
      maxTokens: 64,
      temperature: 0.2,
      seed: 7,
      headers: { traceparent: '00-abc-def-01' },
    });
    await collectStream(stream);
    const request = await server.nextRequest();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.traceparent).toBe('00-abc-def-01');
    expect(JSON.parse(request.body)).toEqual({
      model: 'gpt-4o',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 64,
      temperature: 0.2,
      seed: 7,
    });
  });

  it('sends the built body for a call with every kind of option', async () => {
    const options: Partial<LanguageModelCallOptions> = {
      messages: [
        ...messages,
        {
          role: 'user',
          content: [{ type: 'image', data: 'iVBORw0KGgo=', mediaType: 'image/png' }],
        },
      ],
      tools: [WEATHER_TOOL, TIME_TOOL],
      toolChoice: { toolName: 'get_weather' },
      responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' } },
      topP: 0.5,
      reasoning: { effort: 'high' },
      providerOptions: { 'openai-compatible': { parallel_tool_calls: false } },
    };
    const built = buildOpenAICompatibleRequest(
      { modelId: 'gpt-4o', maxTokensField: 'max_tokens', includeUsage: true },
      { messages, ...options },
    );
    expect(await sentBody(options)).toEqual(built);
  });

  it('can send max_completion_tokens and omit the key for local servers', async () => {
    const { model, server } = await serve(
      { body: fixture('openai-text.sse.txt') },
      { maxTokensField: 'max_completion_tokens', apiKey: undefined as never },
    );
    await collectStream((await model.doStream({ messages, maxTokens: 5 })).stream);
    const request = await server.nextRequest();
    expect(request.headers.authorization).toBeUndefined();
    const body = JSON.parse(request.body);
    expect(body.max_completion_tokens).toBe(5);
    expect(body).not.toHaveProperty('max_tokens');
  });

  it('can carry every typed option except media in tool results', () => {
    const model = createOpenAICompatible({ baseUrl: 'http://127.0.0.1:1/v1', modelId: 'gpt-4o' });
    expect(
      model.unsupportedOptions({
        messages: [
          { role: 'user', content: [{ type: 'image', url: 'https://example.com/a.png' }] },
          { role: 'tool', toolCallId: 'call_1', content: [{ type: 'text', text: 'ok' }] },
        ],
        tools: [WEATHER_TOOL],
        toolChoice: { toolName: 'get_weather' },
        responseFormat: { type: 'json_schema', name: 'a', schema: {} },
        topP: 0.5,
        stop: ['x'],
        seed: 1,
        reasoning: { effort: 'high' },
        providerOptions: { 'openai-compatible': { user: 'u' } },
      }),
    ).toEqual([]);
    expect(
      model.unsupportedOptions({
        messages: [
          { role: 'user', content: 'Weather?' },
          {
            role: 'tool',
            toolCallId: 'call_1',
            content: [
              { type: 'text', text: 'A chart:' },
              { type: 'image', data: 'iVBORw0KGgo=', mediaType: 'image/png' },
              { type: 'file', data: 'JVBERi0=', mediaType: 'application/pdf' },
            ],
          },
        ],
      }),
    ).toEqual([
      { field: 'messages.1.content.1', reason: expect.stringContaining('text only') },
      { field: 'messages.1.content.2', reason: expect.stringContaining('text only') },
    ]);
  });
});

describe('OpenAICompatibleChatModel: stream', () => {
  it('reports the response id and upstream model first', async () => {
    const result = await streamFixture('openai-text.sse.txt');
    expect(result.parts[0]).toEqual({
      type: 'response-metadata',
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      modelId: 'gpt-4o-2024-08-06',
    });
  });

  it('numbers calls by first appearance, skips empty fragments, ends calls in order at finish_reason', async () => {
    const result = await streamFixture('openai-parallel-tool-calls.sse.txt');
    expect(result.parts.slice(1)).toEqual([
      { type: 'tool-call-start', index: 0, toolCallId: 'call_weather_01', toolName: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"ci' },
      { type: 'tool-call-start', index: 1, toolCallId: 'call_time_02', toolName: 'get_time' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"time' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: 'ty":"Par' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: 'zone":"Europe/' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: 'is"}' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: 'Paris"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-end', index: 1 },
      {
        type: 'finish',
        finishReason: 'tool-calls',
        usage: { inputTokens: 95, outputTokens: 41, reasoningTokens: 0, cachedInputTokens: 0 },
      },
    ]);
  });

  it('takes whole calls in one delta, told apart by id at a reused index (Ollama)', async () => {
    const result = await streamFixture('openai-ollama-tool-calls.sse.txt');
    expect(result.parts.slice(1)).toEqual([
      { type: 'tool-call-start', index: 0, toolCallId: 'call_k3r9x2vb', toolName: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Paris"}' },
      { type: 'tool-call-start', index: 1, toolCallId: 'call_p7m2q8wd', toolName: 'get_time' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"timezone":"Europe/Paris"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-end', index: 1 },
      // Ollama said `stop`; the caller still has two calls to run.
      { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 161, outputTokens: 38 } },
    ]);
  });

  it('continues a call whose fragments repeat its id and name', async () => {
    const call = { index: 0, id: 'call_1', type: 'function' };
    const result = await streamBody(
      chunks(
        { delta: { tool_calls: [{ ...call, function: { name: 'get_time', arguments: '{"a"' } }] } },
        { delta: { tool_calls: [{ ...call, function: { name: 'get_time', arguments: ':1}' } }] } },
        { delta: {}, finish_reason: 'tool_calls' },
      ),
    );
    expect(result.parts.filter((part) => part.type.startsWith('tool-call'))).toEqual([
      { type: 'tool-call-start', index: 0, toolCallId: 'call_1', toolName: 'get_time' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a"' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: ':1}' },
      { type: 'tool-call-end', index: 0 },
    ]);
  });

  it('reads reasoning from `reasoning` as well as `reasoning_content`, once when both come', async () => {
    const result = await streamBody(
      chunks(
        { delta: { reasoning: 'Think' } },
        { delta: { reasoning: 'ing.', reasoning_content: 'ing.' } },
        { delta: { content: 'Done' }, finish_reason: 'stop' },
      ),
    );
    expect(result.parts.slice(1, -1)).toEqual([
      { type: 'reasoning-delta', delta: 'Think' },
      { type: 'reasoning-delta', delta: 'ing.' },
      { type: 'text-delta', delta: 'Done' },
    ]);
  });

  it('reports reasoning and cached tokens when the usage details carry them', async () => {
    const result = await streamFixture('openai-reasoning-then-text.sse.txt');
    expect(result.finish?.usage).toEqual({
      inputTokens: 13,
      outputTokens: 40,
      reasoningTokens: 31,
      cachedInputTokens: 8,
    });
  });

  it('takes usage from the chunk after finish_reason', async () => {
    const result = await streamFixture('openai-usage.sse.txt');
    expect(result.text).toBe('One two three');
    expect(result.finish).toEqual({
      type: 'finish',
      finishReason: 'length',
      usage: { inputTokens: 12, outputTokens: 3, reasoningTokens: 0, cachedInputTokens: 0 },
    });
  });

  it('accepts a usage chunk with null choices and no details (Ollama, vLLM)', async () => {
    const result = await streamFixture('openai-ollama.sse.txt');
    expect(result.text).toBe('Hi there');
    expect(result.finish).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 26, outputTokens: 2 },
    });
  });

  it('treats [DONE] without a finish_reason as a stop', async () => {
    const result = await streamBody(chunks({ index: 0, delta: { content: 'ok' } }));
    expect(result.text).toBe('ok');
    expect(result.finish).toMatchObject({ finishReason: 'stop' });
  });

  it.each([
    ['function_call', 'tool-calls'],
    ['tokens_ran_out_somehow', 'error'],
  ])('maps finish_reason %s to %s', async (finishReason, expected) => {
    const result = await streamBody(chunks({ index: 0, delta: {}, finish_reason: finishReason }));
    expect(result.finish).toMatchObject({ finishReason: expected });
  });

  it('relays a structured-output refusal as text and finishes content-filter', async () => {
    const result = await streamBody(
      chunks(
        { delta: { role: 'assistant', content: null, refusal: 'I cannot ' } },
        { delta: { refusal: 'help with that.' }, finish_reason: 'stop' },
      ),
    );
    expect(result.text).toBe('I cannot help with that.');
    expect(result.finish).toMatchObject({ finishReason: 'content-filter' });
  });

  it('maps content_filter', async () => {
    const result = await streamFixture('openai-content-filter.sse.txt');
    expect(result.finish).toMatchObject({ finishReason: 'content-filter' });
  });
});

describe('OpenAICompatibleChatModel: errors', () => {
  it.each([
    [401, false],
    [403, false],
    [404, false],
    [400, false],
    [429, true],
    [500, true],
    [503, true],
  ])('rejects doStream on HTTP %i (retryable: %s)', async (status, retryable) => {
    const { model } = await serve({ status, body: fixture('openai-401.body.txt') });
    const error = await model.doStream({ messages }).catch((caught: unknown) => caught);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'SLUICE_ERR_UPSTREAM_ERROR',
      retryable,
      upstreamStatus: status,
    });
    expect((error as Error).message).toContain(String(status));
    expect((error as Error).message).toContain('invalid_api_key');
    expect((error as Error).message).not.toContain(API_KEY);
    expect((error as Error).message).not.toContain('Say hello');
  });

  it('rejects a 2xx JSON answer as a bad response', async () => {
    const { model } = await serve({ headers: { 'content-type': 'application/json' }, body: '{}' });
    await expect(model.doStream({ messages })).rejects.toMatchObject({
      code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE',
    });
  });

  it('rejects a refused connection as unavailable', async () => {
    const model = createOpenAICompatible({
      baseUrl: await refusedBaseUrl(),
      apiKey: API_KEY,
      modelId: 'x',
    });
    const error = await model.doStream({ messages }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_UNAVAILABLE', retryable: true });
    expect((error as Error).message).not.toContain(API_KEY);
  });

  it('rejects with a timeout when headers never come', async () => {
    const { model } = await serve({ neverRespond: true }, { headersTimeoutMs: 50 });
    await expect(model.doStream({ messages })).rejects.toMatchObject({
      code: 'SLUICE_ERR_UPSTREAM_TIMEOUT',
      retryable: true,
    });
  });

  it('throws a typed error for a mid-stream error payload, after the partial text', async () => {
    const result = await streamFixture('openai-mid-stream-error.sse.txt');
    expect(result.text).toBe('Partial answer');
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_ERROR', retryable: true });
    expect((result.error as Error).message).toContain('server_error');
  });

  it('throws a bad-response error for malformed JSON without quoting it', async () => {
    const result = await streamFixture('openai-malformed.sse.txt');
    expect(result.text).toBe('Fine');
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE' });
    expect((result.error as Error).message).not.toContain('broken');
  });

  const started = { index: 0, id: 'call_1', function: { name: 'get_time', arguments: '' } };
  it.each([
    ['a chunk of the wrong shape', chunks({ delta: { content: 42 } })],
    [
      'a non-string arguments fragment',
      chunks(
        { delta: { tool_calls: [started] } },
        { delta: { tool_calls: [{ index: 0, function: { arguments: { a: 1 } } }] } },
      ),
    ],
    [
      'a tool call without an id',
      chunks({ delta: { tool_calls: [{ index: 0, function: { name: 'get_time' } }] } }),
    ],
    [
      'a tool call fragment after finish_reason',
      chunks(
        { delta: { tool_calls: [started] }, finish_reason: 'tool_calls' },
        { delta: { tool_calls: [{ index: 0, function: { arguments: '{}' } }] } },
      ),
    ],
  ])('throws a bad-response error for %s', async (_case, body) => {
    const result = await streamBody(body);
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE' });
    expect(result.finish).toBeUndefined();
  });

  it.each([
    ['openai-unknown-tool-index.sse.txt', 'arguments for unknown index 1'],
    ['openai-tool-call-without-name.sse.txt', 'tool call without a name'],
  ])('names what is wrong with the tool call in %s', async (name, problem) => {
    const result = await streamFixture(name);
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE' });
    expect((result.error as Error).message).toContain(problem);
  });

  it('throws truncated when the stream ends without finish_reason or [DONE]', async () => {
    const result = await streamFixture('openai-truncated.sse.txt');
    expect(result.text).toBe('This answer stops');
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_STREAM_TRUNCATED', retryable: true });
  });

  it('throws truncated when the connection drops mid-stream', async () => {
    const { model } = await serve({
      body: fixture('openai-truncated.sse.txt'),
      destroyAfterBody: true,
    });
    const result = await collectStream((await model.doStream({ messages })).stream);
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_STREAM_TRUNCATED' });
  });

  it('rejects with the abort reason and closes the socket when aborted before headers', async () => {
    const controller = new AbortController();
    const { model, server } = await serve({ neverRespond: true });
    const pending = model
      .doStream({ messages, abortSignal: controller.signal })
      .catch((error: unknown) => error);
    const request = await server.nextRequest();
    controller.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    await withinDeadline(request.socketClosed, 5_000, 'upstream socket still open');
  });

  it('rejects doStream at once when already aborted', async () => {
    const { model, server } = await serve({ body: fixture('openai-text.sse.txt') });
    await expect(
      model.doStream({ messages, abortSignal: AbortSignal.abort() }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(server.requests).toHaveLength(0);
  });
});
