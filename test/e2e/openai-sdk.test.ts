/**
 * The official `openai` SDK against Sluice's Chat Completions endpoint: streaming (with
 * and without usage) and non-streaming, from the simulator and from an OpenAI-compatible
 * upstream running locally.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type FakeOpenAiUpstream,
  startFakeOpenAiUpstream,
} from '../helpers/fake-openai-upstream.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

let upstream: FakeOpenAiUpstream;
let server: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAiUpstream({ tokens: ['Hello', ',', ' upstream', ' world', '!'] });
  server = await startGateway({
    config: {
      models: [
        {
          name: 'local-gpt',
          provider: 'openai-compatible',
          baseUrl: upstream.baseUrl,
          apiKey: 'sk-test-upstream-key',
          upstreamModel: 'gpt-upstream',
        },
      ],
    },
  });
  client = new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  await upstream.close();
});

const messages = [{ role: 'user' as const, content: 'Say hello.' }];

describe.each([
  ['simulator', 'simulator'],
  ['an OpenAI-compatible upstream', 'local-gpt'],
])('through %s', (_label, model) => {
  test('streams chunks and usage', async () => {
    const stream = await client.chat.completions.create({
      model,
      messages,
      max_tokens: 5,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const finishReasons: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    let chunkCount = 0;
    for await (const chunk of stream) {
      chunkCount += 1;
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.model).toBe(model);
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        if (choice.finish_reason) finishReasons.push(choice.finish_reason);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunkCount).toBeGreaterThan(2);
    expect(text.length).toBeGreaterThan(0);
    if (model === 'local-gpt') expect(text).toBe('Hello, upstream world!');
    expect(finishReasons).toHaveLength(1);
    expect(usage?.completion_tokens).toBe(5);
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + 5);
  });

  test('streams without a usage chunk unless asked', async () => {
    const stream = await client.chat.completions.create({
      model,
      messages,
      max_tokens: 5,
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  test('answers without streaming', async () => {
    const completion = await client.chat.completions.create({ model, messages, max_tokens: 5 });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.role).toBe('assistant');
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    if (model === 'local-gpt')
      expect(completion.choices[0]?.message.content).toBe('Hello, upstream world!');
    expect(completion.usage?.completion_tokens).toBe(5);
  });

  test('exposes the durable generation behind the response', async () => {
    const { data, response } = await client.chat.completions
      .create({ model, messages, max_tokens: 5 })
      .withResponse();
    const id = response.headers.get('sluice-generation-id');
    expect(data.id).toBe(`chatcmpl-${id}`);
    const view = (await (await fetch(`${server.baseUrl}/v1/generations/${id}`)).json()) as {
      text: string;
    };
    expect(view.text).toBe(data.choices[0]?.message.content);
  });
});

test('lists models', async () => {
  const models = [];
  for await (const model of client.models.list()) models.push(model.id);
  expect(models).toEqual(expect.arrayContaining(['simulator', 'local-gpt']));
});

test('the upstream received what an OpenAI client sends, with the configured key', async () => {
  const request = upstream.requests.at(-1);
  expect(request?.headers.authorization).toBe('Bearer sk-test-upstream-key');
  expect(request?.body).toMatchObject({ model: 'gpt-upstream', stream: true });
});

test('unknown models surface as an SDK NotFoundError', async () => {
  await expect(
    client.chat.completions.create({ model: 'missing', messages }),
  ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
});
