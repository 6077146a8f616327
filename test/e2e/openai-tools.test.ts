/**
 * Full-fidelity Chat Completions through Sluice with the official `openai` SDK and an
 * OpenAI-compatible upstream on loopback: tool calls streamed and not, assembled by the
 * SDK (`finalChatCompletion()`, `runTools`), reasoning relayed as `reasoning_content`, usage
 * details, and the request reaching the upstream unchanged (tools, tool choice, images,
 * tool messages, fields Sluice does not translate).
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type FakeOpenAiUpstream,
  type FakeTurn,
  startFakeOpenAiUpstream,
} from '../helpers/fake-openai-upstream.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

let upstream: FakeOpenAiUpstream;
let server: RunningGateway;
let client: OpenAI;

const weatherCall = {
  id: 'call_weather_1',
  name: 'get_weather',
  argumentFragments: ['{"ci', 'ty":"Par', 'is","unit":"c', 'elsius"}'],
};
const timeCall = { id: 'call_time_2', name: 'get_time', argumentFragments: ['{"zone":', '"CET"}'] };

/** The upstream answers a tool result with text, a question about the time with two calls. */
function turn(body: Record<string, unknown>): FakeTurn {
  const messages = body.messages as Array<{ role: string; content?: unknown }>;
  const last = messages.at(-1);
  if (last?.role === 'tool') return { tokens: ['It is ', '21 degrees', ' in Paris.'] };
  if (JSON.stringify(last?.content).includes('think')) {
    return {
      reasoning: ['The user', ' wants a greeting.'],
      tokens: ['Hello', '!'],
      usage: {
        prompt_tokens: 20,
        completion_tokens: 12,
        total_tokens: 32,
        prompt_tokens_details: { cached_tokens: 16 },
        completion_tokens_details: { reasoning_tokens: 10 },
      },
    };
  }
  if (JSON.stringify(last?.content).includes('time')) return { toolCalls: [weatherCall, timeCall] };
  return { toolCalls: [weatherCall] };
}

beforeAll(async () => {
  upstream = await startFakeOpenAiUpstream({ tokens: [], turn });
  server = await startGateway({
    config: {
      models: [{ name: 'gpt-tools', provider: 'openai-compatible', baseUrl: upstream.baseUrl }],
    },
  });
  client = new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  await upstream.close();
});

const tools: OpenAI.ChatCompletionFunctionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather in a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { enum: ['celsius', 'fahrenheit'] } },
        required: ['city', 'unit'],
        additionalProperties: false,
      },
      strict: true,
    },
  },
  {
    type: 'function',
    function: {
      name: 'get_time',
      parameters: { type: 'object', properties: { zone: { type: 'string' } } },
    },
  },
];

const question: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'user', content: 'What is the weather in Paris?' },
];

/** What the upstream sent, as OpenAI tool calls. */
const upstreamToolCalls = (calls: (typeof weatherCall)[]) =>
  calls.map((call) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.argumentFragments.join('') },
  }));

describe('tool calls', () => {
  test('stream as OpenAI chunks the SDK assembles into the calls the upstream made', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-tools',
      messages: [{ role: 'user', content: 'What is the time and the weather?' }],
      tools,
      stream: true,
    });
    const calls: Array<{
      id?: string;
      type?: string;
      function: { name: string; arguments: string };
    }> = [];
    const finishReasons: string[] = [];
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        for (const delta of choice.delta.tool_calls ?? []) {
          calls[delta.index] ??= { function: { name: '', arguments: '' } };
          const call = calls[delta.index] as (typeof calls)[number];
          if (delta.id) call.id = delta.id;
          if (delta.type) call.type = delta.type;
          call.function.name += delta.function?.name ?? '';
          call.function.arguments += delta.function?.arguments ?? '';
        }
        if (choice.finish_reason) finishReasons.push(choice.finish_reason);
      }
    }
    expect(calls).toEqual(upstreamToolCalls([weatherCall, timeCall]));
    expect(finishReasons).toEqual(['tool_calls']);
  });

  test('come back whole without streaming, with null content', async () => {
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'gpt-tools', messages: question, tools })
      .withResponse();
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toEqual(upstreamToolCalls([weatherCall]));
    // The durable generation behind the answer holds the same calls.
    const id = response.headers.get('sluice-generation-id');
    const view = (await (await fetch(`${server.baseUrl}/v1/generations/${id}`)).json()) as {
      toolCalls: unknown[];
    };
    expect(view.toolCalls).toEqual([
      {
        toolCallId: weatherCall.id,
        toolName: weatherCall.name,
        arguments: weatherCall.argumentFragments.join(''),
      },
    ]);
  });

  test('assemble through the SDK stream helper (finalChatCompletion)', async () => {
    const stream = client.chat.completions.stream({
      model: 'gpt-tools',
      messages: question,
      tools,
      stream_options: { include_usage: true },
    });
    const completion = await stream.finalChatCompletion();
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    // The SDK adds `parsed_arguments` for a strict tool.
    expect(completion.choices[0]?.message.tool_calls).toMatchObject(
      upstreamToolCalls([weatherCall]),
    );
  });

  test.each([false, true])('complete a round trip with runTools (stream: %s)', async (streamed) => {
    const calledWith: unknown[] = [];
    const runnableTools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          description: 'Current weather in a city',
          parameters: tools[0]?.function.parameters ?? {},
          parse: (input: string) => JSON.parse(input) as { city: string; unit: string },
          function: (args: { city: string; unit: string }) => {
            calledWith.push(args);
            return { temperature: 21 };
          },
        },
      },
    ];
    const runner = streamed
      ? client.chat.completions.runTools({
          model: 'gpt-tools',
          messages: question,
          tools: runnableTools,
          stream: true,
        })
      : client.chat.completions.runTools({
          model: 'gpt-tools',
          messages: question,
          tools: runnableTools,
        });
    expect(await runner.finalContent()).toBe('It is 21 degrees in Paris.');
    expect(calledWith).toEqual([{ city: 'Paris', unit: 'celsius' }]);
    // The second request carried the assistant's call and the tool's answer back upstream.
    const followUp = upstream.requests.at(-1)?.body.messages as unknown[];
    expect(followUp.slice(-2)).toEqual([
      { role: 'assistant', content: null, tool_calls: upstreamToolCalls([weatherCall]) },
      { role: 'tool', tool_call_id: weatherCall.id, content: '{"temperature":21}' },
    ]);
  });
});

describe('reasoning', () => {
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: 'user', content: 'Please think.' },
  ];

  test('streams as delta.reasoning_content, with reasoning and cached token counts', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-tools',
      messages,
      reasoning_effort: 'low',
      stream: true,
      stream_options: { include_usage: true },
    });
    let reasoning = '';
    let content = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        const delta = choice.delta as { content?: string | null; reasoning_content?: string };
        reasoning += delta.reasoning_content ?? '';
        content += delta.content ?? '';
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(reasoning).toBe('The user wants a greeting.');
    expect(content).toBe('Hello!');
    expect(usage?.completion_tokens_details?.reasoning_tokens).toBe(10);
    expect(usage?.prompt_tokens_details?.cached_tokens).toBe(16);
    expect(upstream.requests.at(-1)?.body.reasoning_effort).toBe('low');
  });

  test('comes back as message.reasoning_content without streaming', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-tools', messages });
    const message = completion.choices[0]?.message as {
      content: string;
      reasoning_content?: string;
    };
    expect(message.content).toBe('Hello!');
    expect(message.reasoning_content).toBe('The user wants a greeting.');
  });
});

test('the upstream receives the request as the client sent it', async () => {
  const png =
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'Answer with tools.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Where was this taken, and what is the weather there?' },
        { type: 'image_url', image_url: { url: 'https://example.com/photo.jpg', detail: 'high' } },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
      ],
    },
    { role: 'assistant', content: null, tool_calls: upstreamToolCalls([timeCall]) as never },
    { role: 'tool', tool_call_id: timeCall.id, content: '12:00' },
  ];
  const toolChoice = { type: 'function', function: { name: 'get_weather' } } as const;
  const untranslated = {
    parallel_tool_calls: false,
    logit_bias: { '1734': -100 },
    frequency_penalty: 0.5,
    presence_penalty: 0.25,
    metadata: { suite: 'e2e' },
    store: false,
    service_tier: 'auto',
    user: 'end-user-7',
  } as const;
  await client.chat.completions.create({
    model: 'gpt-tools',
    messages,
    tools,
    tool_choice: toolChoice,
    temperature: 0.3,
    top_p: 0.8,
    stop: ['END'],
    seed: 42,
    max_completion_tokens: 64,
    ...untranslated,
  });
  const received = upstream.requests.at(-1)?.body;
  expect(received).toMatchObject({
    messages,
    tools,
    tool_choice: toolChoice,
    temperature: 0.3,
    top_p: 0.8,
    stop: ['END'],
    seed: 42,
    ...untranslated,
  });
});

test('a malformed request is a 400 naming the OpenAI path', async () => {
  const response = await fetch(`${server.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-tools', messages: question, tools: [tools[0], tools[0]] }),
  });
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({
    error: {
      code: 'SLUICE_ERR_INVALID_REQUEST',
      message: 'tools.1.function.name: duplicate tool name',
    },
  });
});

test('a field no provider can carry is refused, naming it and the provider', async () => {
  const refused = client.chat.completions.create({
    model: 'gpt-tools',
    messages: question,
    logprobs: true,
  });
  await expect(refused).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  await expect(refused).rejects.toMatchObject({
    status: 400,
    code: 'SLUICE_ERR_UNSUPPORTED_FIELD',
    message: expect.stringContaining(
      "logprobs: not supported for provider 'openai-compatible': Sluice does not relay log probabilities",
    ),
  });
});

test("the simulator's tool call and reasoning, asked for through Sluice's own field", async () => {
  const completion = await client.chat.completions.create({
    model: 'simulator',
    messages: question,
    tools,
    // @ts-expect-error Sluice's extension of the request body
    simulator: {
      toolCall: { name: 'get_weather', arguments: '{"city":"Oslo","unit":"celsius"}' },
      reasoningTokens: 3,
    },
  });
  const message = completion.choices[0]?.message as OpenAI.ChatCompletionMessage & {
    reasoning_content?: string;
  };
  expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
  expect(message.tool_calls?.[0]).toMatchObject({
    type: 'function',
    function: { name: 'get_weather', arguments: '{"city":"Oslo","unit":"celsius"}' },
  });
  expect(message.reasoning_content?.length).toBeGreaterThan(0);
});
