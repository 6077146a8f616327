/**
 * An OpenAI client talking to a Claude model through Sluice: the official `openai` SDK
 * against a model configured with an Anthropic upstream (a fake Messages API on loopback).
 * The request is translated (system, images, tools → `input_schema`, tool choice, tool
 * messages → `tool_result`), the answer comes back as OpenAI tool calls and
 * `reasoning_content`, and what Anthropic cannot carry is refused naming field and provider.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type FakeAnthropicTurn,
  type FakeAnthropicUpstream,
  startFakeAnthropicUpstream,
} from '../helpers/fake-anthropic-upstream.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

let upstream: FakeAnthropicUpstream;
let server: RunningGateway;
let client: OpenAI;

const weatherCall = {
  id: 'toolu_01Weather',
  name: 'get_weather',
  argumentFragments: ['{"city":', '"Paris","unit"', ':"celsius"}'],
};

/** Text after a tool result, thinking when asked to think, a tool call otherwise. */
function turn(body: Record<string, unknown>): FakeAnthropicTurn {
  const last = JSON.stringify((body.messages as unknown[]).at(-1));
  if (last.includes('tool_result')) return { tokens: ['It is ', '21 degrees', ' in Paris.'] };
  if (last.includes('think')) {
    return { thinking: ['The user', ' greets me.'], tokens: ['Hello', '!'] };
  }
  return { toolCalls: [weatherCall] };
}

beforeAll(async () => {
  upstream = await startFakeAnthropicUpstream(turn);
  server = await startGateway({
    config: {
      models: [
        {
          name: 'claude',
          provider: 'anthropic',
          baseUrl: upstream.baseUrl,
          apiKey: 'sk-ant-test',
          upstreamModel: 'claude-upstream',
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

const weatherParameters = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { enum: ['celsius', 'fahrenheit'] } },
  required: ['city', 'unit'],
};
const tools: OpenAI.ChatCompletionFunctionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather in a city',
      parameters: weatherParameters,
    },
  },
];
const question: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'user', content: 'What is the weather in Paris?' },
];
const expectedToolCall = {
  id: weatherCall.id,
  type: 'function',
  function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
};

describe('answers from Anthropic, as OpenAI', () => {
  test('tool calls stream as OpenAI tool_calls chunks', async () => {
    const stream = client.chat.completions.stream({ model: 'claude', messages: question, tools });
    const completion = await stream.finalChatCompletion();
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]?.message.tool_calls).toEqual([expectedToolCall]);
  });

  test('tool calls come back whole without streaming', async () => {
    const completion = await client.chat.completions.create({
      model: 'claude',
      messages: question,
      tools,
    });
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]?.message).toMatchObject({
      content: null,
      tool_calls: [expectedToolCall],
    });
  });

  test('thinking comes back as reasoning_content', async () => {
    const completion = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'Say hi, but think first.' }],
    });
    const message = completion.choices[0]?.message as {
      content: string;
      reasoning_content?: string;
    };
    expect(message.content).toBe('Hello!');
    expect(message.reasoning_content).toBe('The user greets me.');
  });

  test('runTools completes a round trip', async () => {
    const runner = client.chat.completions.runTools({
      model: 'claude',
      messages: question,
      stream: true,
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather in a city',
            parameters: weatherParameters,
            parse: (input: string) => JSON.parse(input) as { city: string },
            function: () => ({ temperature: 21 }),
          },
        },
      ],
    });
    expect(await runner.finalContent()).toBe('It is 21 degrees in Paris.');
    const followUp = upstream.requests.at(-1)?.body.messages as unknown[];
    expect(followUp.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: [
          {
            type: 'tool_use',
            id: weatherCall.id,
            name: 'get_weather',
            input: { city: 'Paris', unit: 'celsius' },
          },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: weatherCall.id, content: '{"temperature":21}' },
        ],
      },
    ]);
  });
});

test('the request reaches Anthropic translated', async () => {
  const png =
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
  await client.chat.completions.create({
    model: 'claude',
    messages: [
      { role: 'developer', content: 'Answer with tools.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Where was this taken?' },
          { type: 'image_url', image_url: { url: 'https://example.com/photo.jpg' } },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'toolu_01Time',
            type: 'function',
            function: { name: 'get_time', arguments: '{"zone":"CET"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_01Time', content: '12:00' },
    ],
    tools: [
      ...tools,
      {
        type: 'function',
        function: { name: 'get_time', parameters: { type: 'object', properties: {} } },
      },
    ],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    max_tokens: 300,
    temperature: 0.5,
    stop: 'END',
  });
  const request = upstream.requests.at(-1);
  expect(request?.headers['x-api-key']).toBe('sk-ant-test');
  expect(request?.body).toMatchObject({
    model: 'claude-upstream',
    stream: true,
    max_tokens: 300,
    temperature: 0.5,
    stop_sequences: ['END'],
    system: 'Answer with tools.',
    tools: [
      {
        name: 'get_weather',
        description: 'Current weather in a city',
        input_schema: weatherParameters,
      },
      { name: 'get_time', input_schema: { type: 'object', properties: {} } },
    ],
    tool_choice: { type: 'tool', name: 'get_weather' },
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Where was this taken?' },
          { type: 'image', source: { type: 'url', url: 'https://example.com/photo.jpg' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_01Time', name: 'get_time', input: { zone: 'CET' } },
        ],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_01Time', content: '12:00' }],
      },
    ],
  });
});

describe('what Anthropic cannot carry is refused, naming field and provider', () => {
  const refusal = async (fields: Record<string, unknown>) => {
    const before = upstream.requests.length;
    const error = await client.chat.completions
      .create({ model: 'claude', messages: question, ...fields })
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    // Refused before anything reached the upstream.
    expect(upstream.requests.length).toBe(before);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    return error as InstanceType<typeof OpenAI.BadRequestError>;
  };

  test.each([
    [{ logit_bias: { '1': 1 } }, "logit_bias: not supported for provider 'anthropic': "],
    [
      { parallel_tool_calls: false, tools },
      "parallel_tool_calls: not supported for provider 'anthropic': ",
    ],
    [{ n: 2 }, "n: not supported for provider 'anthropic': "],
    [{ seed: 1 }, "seed: not supported for provider 'anthropic': "],
    [
      { response_format: { type: 'json_object' } },
      "response_format: not supported for provider 'anthropic': ",
    ],
    [
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
            ],
          },
        ],
      },
      "messages.0.content.0.image_url.detail: not supported for provider 'anthropic': ",
    ],
  ])('%o', async (fields, message) => {
    const error = await refusal(fields);
    expect(error.code).toBe('SLUICE_ERR_UNSUPPORTED_FIELD');
    expect(error.message).toContain(message);
  });
});
