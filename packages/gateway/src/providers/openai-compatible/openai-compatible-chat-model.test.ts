import { afterEach, describe, expect, it } from 'vitest';
import { type LanguageModelCallOptions, ProviderError } from '../language-model.ts';
import { collectStream, withinDeadline } from '../testing/collect-stream.ts';
import {
  type FixtureResponder,
  type FixtureServer,
  readFixture,
  refusedBaseUrl,
  startFixtureServer,
} from '../testing/fixture-server.ts';
import type { OpenAICompatibleSettings } from './openai-compatible-chat-model.ts';
import { createOpenAICompatible } from './openai-compatible-provider.ts';

const API_KEY = 'sk-test-SECRET-abc123';
const fixture = (name: string) => readFixture(import.meta.url, name);
const messages: LanguageModelCallOptions['messages'] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Say hello' },
];

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

async function streamFixture(name: string, chunkSeed?: number) {
  const { model } = await serve({
    body: fixture(name),
    ...(chunkSeed === undefined ? {} : { chunkSeed }),
  });
  const { stream } = await model.doStream({ messages });
  return collectStream(stream);
}

describe('OpenAICompatibleChatModel', () => {
  it('assembles text, metadata and the finish part', async () => {
    const result = await streamFixture('openai-basic.sse.txt');
    expect(result.error).toBeUndefined();
    expect(result.text).toBe('Hello from the café 🌊!');
    expect(result.parts[0]).toEqual({
      type: 'response-metadata',
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      modelId: 'gpt-4o-2024-08-06',
    });
    expect(result.parts.filter((part) => part.type === 'finish')).toHaveLength(1);
    expect(result.finish).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: undefined, outputTokens: undefined },
    });
  });

  it('gives the same parts whatever the network chunk boundaries', async () => {
    const whole = await streamFixture('openai-usage.sse.txt');
    for (const seed of [1, 2, 3, 4, 5]) {
      const chunked = await streamFixture('openai-usage.sse.txt', seed);
      expect(chunked.parts).toEqual(whole.parts);
      await server?.close();
      server = undefined;
    }
    const basic = await streamFixture('openai-basic.sse.txt', 99);
    expect(basic.text).toBe('Hello from the café 🌊!');
  });

  it('takes usage from the chunk after finish_reason', async () => {
    const result = await streamFixture('openai-usage.sse.txt');
    expect(result.text).toBe('One two three');
    expect(result.finish).toEqual({
      type: 'finish',
      finishReason: 'length',
      usage: { inputTokens: 12, outputTokens: 3 },
    });
  });

  it('accepts a usage chunk with null choices (Ollama, vLLM)', async () => {
    const result = await streamFixture('openai-ollama.sse.txt');
    expect(result.text).toBe('Hi there');
    expect(result.finish).toMatchObject({
      finishReason: 'stop',
      usage: { inputTokens: 26, outputTokens: 2 },
    });
  });

  it('treats [DONE] without a finish_reason as a stop', async () => {
    const { model } = await serve({
      body: 'data: {"choices":[{"index":0,"delta":{"content":"ok"}}]}\n\ndata: [DONE]\n\n',
    });
    const result = await collectStream((await model.doStream({ messages })).stream);
    expect(result.text).toBe('ok');
    expect(result.finish).toMatchObject({ finishReason: 'stop' });
  });

  it('maps an unknown finish_reason to error', async () => {
    const { model } = await serve({
      body: 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"tokens_ran_out_somehow"}]}\n\ndata: [DONE]\n\n',
    });
    const result = await collectStream((await model.doStream({ messages })).stream);
    expect(result.finish).toMatchObject({ finishReason: 'error' });
  });

  it('maps content_filter', async () => {
    const result = await streamFixture('openai-content-filter.sse.txt');
    expect(result.finish).toMatchObject({ finishReason: 'content-filter' });
  });

  it('sends the documented request shape', async () => {
    const { model, server } = await serve({ body: fixture('openai-basic.sse.txt') });
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

  it('can send max_completion_tokens and omit the key for local servers', async () => {
    const { model, server } = await serve(
      { body: fixture('openai-basic.sse.txt') },
      { maxTokensField: 'max_completion_tokens', apiKey: undefined as never },
    );
    await collectStream((await model.doStream({ messages, maxTokens: 5 })).stream);
    const request = await server.nextRequest();
    expect(request.headers.authorization).toBeUndefined();
    const body = JSON.parse(request.body);
    expect(body.max_completion_tokens).toBe(5);
    expect(body).not.toHaveProperty('max_tokens');
  });

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
      statusCode: status,
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
    expect(ProviderError.isInstance(result.error)).toBe(true);
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_ERROR', retryable: true });
    expect((result.error as Error).message).toContain('server_error');
    expect(result.finish).toBeUndefined();
  });

  it('throws a bad-response error for malformed JSON without quoting it', async () => {
    const result = await streamFixture('openai-malformed.sse.txt');
    expect(result.text).toBe('Fine');
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE' });
    expect((result.error as Error).message).not.toContain('broken');
  });

  it('throws a bad-response error for a chunk of the wrong shape', async () => {
    const { model } = await serve({ body: 'data: {"choices":[{"delta":{"content":42}}]}\n\n' });
    const result = await collectStream((await model.doStream({ messages })).stream);
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE' });
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

  it('closes the upstream socket within 100 ms of an abort', async () => {
    const controller = new AbortController();
    const { model, server } = await serve({
      body: fixture('openai-truncated.sse.txt'),
      holdOpen: true,
    });
    const { stream } = await model.doStream({ messages, abortSignal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ type: 'response-metadata' });
    const request = await server.nextRequest();
    const pending = iterator
      .next()
      .then(() => iterator.next())
      .then(() => iterator.next())
      .catch((error: unknown) => error);
    await request.bodyWritten;
    const abortedAt = performance.now();
    controller.abort();
    const closedAt = await withinDeadline(request.socketClosed, 100, 'upstream socket still open');
    expect(closedAt).toBeGreaterThanOrEqual(abortedAt);
    expect(await pending).toMatchObject({ name: 'AbortError' });
  });

  it('closes the upstream socket when the consumer stops reading', async () => {
    const { model, server } = await serve({
      body: fixture('openai-truncated.sse.txt'),
      holdOpen: true,
    });
    const { stream } = await model.doStream({ messages });
    for await (const part of stream) if (part.type === 'text-delta') break;
    const request = await server.nextRequest();
    await request.socketClosed;
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
    await withinDeadline(request.socketClosed, 100, 'upstream socket still open');
  });

  it('rejects doStream at once when already aborted', async () => {
    const { model, server } = await serve({ body: fixture('openai-basic.sse.txt') });
    await expect(
      model.doStream({ messages, abortSignal: AbortSignal.abort() }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(server.requests).toHaveLength(0);
  });
});
