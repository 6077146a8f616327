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

async function streamFixture(name: string, chunkSeed?: number) {
  const { model } = await serve({
    body: fixture(name),
    ...(chunkSeed === undefined ? {} : { chunkSeed }),
  });
  const { stream } = await model.doStream({ messages });
  return collectStream(stream);
}

describe('AnthropicChatModel', () => {
  it('assembles text, metadata, usage and the finish part', async () => {
    const result = await streamFixture('anthropic-basic.sse.txt');
    expect(result.error).toBeUndefined();
    expect(result.text).toBe('Hello from the café 🌊!');
    expect(result.parts[0]).toEqual({
      type: 'response-metadata',
      id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY',
      modelId: 'claude-sonnet-4-5-20250929',
    });
    expect(result.parts.filter((part) => part.type === 'finish')).toHaveLength(1);
    expect(result.finish).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 25, outputTokens: 15 },
    });
  });

  it('gives the same parts whatever the network chunk boundaries', async () => {
    const whole = await streamFixture('anthropic-max-tokens.sse.txt');
    for (const seed of [11, 12, 13, 14, 15]) {
      await server?.close();
      const chunked = await streamFixture('anthropic-max-tokens.sse.txt', seed);
      expect(chunked.parts).toEqual(whole.parts);
    }
  });

  it('maps max_tokens to length, skips thinking, and counts cached input', async () => {
    const result = await streamFixture('anthropic-max-tokens.sse.txt');
    expect(result.text).toBe('It was the best of times');
    expect(result.finish).toEqual({
      type: 'finish',
      finishReason: 'length',
      usage: { inputTokens: 60, outputTokens: 6 },
    });
  });

  it('maps refusal to content-filter', async () => {
    const result = await streamFixture('anthropic-refusal.sse.txt');
    expect(result.finish).toMatchObject({ finishReason: 'content-filter' });
  });

  it('sends the documented request shape', async () => {
    const { model, server } = await serve({ body: fixture('anthropic-basic.sse.txt') });
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

  it('passes maxTokens through and omits system when there is none', async () => {
    const { model, server } = await serve({ body: fixture('anthropic-basic.sse.txt') });
    await collectStream(
      (await model.doStream({ messages: [{ role: 'user', content: 'Hi' }], maxTokens: 12 })).stream,
    );
    const body = JSON.parse((await server.nextRequest()).body);
    expect(body.max_tokens).toBe(12);
    expect(body).not.toHaveProperty('system');
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
      statusCode: status,
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

  it('throws a typed, retryable error for a mid-stream error event', async () => {
    const result = await streamFixture('anthropic-error.sse.txt');
    expect(result.text).toBe('Partial answer');
    expect(ProviderError.isInstance(result.error)).toBe(true);
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_ERROR', retryable: true });
    expect((result.error as Error).message).toContain('overloaded_error');
    expect(result.finish).toBeUndefined();
  });

  it('throws a bad-response error for malformed JSON', async () => {
    const result = await streamFixture('anthropic-malformed.sse.txt');
    expect(result.text).toBe('Fine');
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE' });
    expect((result.error as Error).message).not.toContain('broken');
  });

  it('throws truncated when the stream ends without message_stop', async () => {
    const result = await streamFixture('anthropic-truncated.sse.txt');
    expect(result.text).toBe('This answer stops');
    expect(result.error).toMatchObject({ code: 'SLUICE_ERR_STREAM_TRUNCATED', retryable: true });
  });

  it('closes the upstream socket within 100 ms of an abort', async () => {
    const controller = new AbortController();
    const { model, server } = await serve({
      body: fixture('anthropic-truncated.sse.txt'),
      holdOpen: true,
    });
    const { stream } = await model.doStream({ messages, abortSignal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ type: 'response-metadata' });
    const request = await server.nextRequest();
    await request.bodyWritten;
    const pending = iterator
      .next()
      .then(() => iterator.next())
      .then(() => iterator.next())
      .catch((error: unknown) => error);
    const abortedAt = performance.now();
    controller.abort();
    const closedAt = await withinDeadline(request.socketClosed, 100, 'upstream socket still open');
    expect(closedAt).toBeGreaterThanOrEqual(abortedAt);
    expect(await pending).toMatchObject({ name: 'AbortError' });
  });
});
