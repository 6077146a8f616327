import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { GenerationRequest } from '../../generation/generation.ts';
import { HttpError } from '../http-error.ts';
import {
  chatCompletionRequestSchema,
  parseChatCompletionRequest,
} from './chat-completion-request.ts';
import { generationRequestFromOpenAi } from './generation-request-from-openai.ts';

const schema = chatCompletionRequestSchema({ messages: 100 });

function translate(
  body: Record<string, unknown>,
  provider = 'openai-compatible',
  headers: IncomingHttpHeaders = {},
): GenerationRequest {
  return generationRequestFromOpenAi(
    parseChatCompletionRequest(schema, body, provider),
    provider,
    headers,
  );
}

/** The error a request is answered with. */
function refusal(
  body: Record<string, unknown>,
  provider = 'openai-compatible',
  headers: IncomingHttpHeaders = {},
) {
  try {
    translate(body, provider, headers);
  } catch (error) {
    if (HttpError.isInstance(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the request was accepted');
}

const user = { role: 'user', content: 'Hi' };
const PNG = 'iVBORw0KGgo=';
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather by city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    strict: true,
  },
};
const toolTurn = [
  { role: 'user', content: 'Weather in Paris?' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      {
        id: 'call_1',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
    ],
  },
  { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":21}' },
];

describe('messages', () => {
  it('translates every role and content part', () => {
    const request = translate({
      model: 'm',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'system', content: [{ type: 'text', text: 'Twice.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            {
              type: 'file',
              file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' },
            },
          ],
        },
        ...toolTurn,
        { role: 'assistant', content: '', refusal: 'I cannot.' },
      ],
    });
    expect(request.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'system', content: [{ type: 'text', text: 'Twice.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', url: 'https://example.com/a.png', detail: 'low' },
          { type: 'image', data: PNG, mediaType: 'image/png' },
          { type: 'file', data: 'JVBERi0=', mediaType: 'application/pdf', filename: 'a.pdf' },
        ],
      },
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { toolCallId: 'call_1', toolName: 'get_weather', arguments: '{"city":"Paris"}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_1', content: '{"temperature":21}' },
      { role: 'assistant', content: 'I cannot.' },
    ]);
  });

  it('accepts what the SDK and Sluice put back into the conversation', () => {
    const request = translate({
      model: 'm',
      messages: [
        user,
        {
          role: 'assistant',
          content: 'Hello',
          refusal: null,
          annotations: [],
          audio: null,
          function_call: null,
          reasoning_content: 'The user greets me.',
        },
      ],
    });
    expect(request.messages[1]).toEqual({ role: 'assistant', content: 'Hello' });
  });

  it.each([
    [
      [...toolTurn.slice(0, 2), { role: 'tool', content: 'x' }],
      'messages.2.tool_call_id: Required',
    ],
    [
      [user, { role: 'tool', tool_call_id: 'call_9', content: 'x' }],
      'messages.1.tool_call_id: answers no earlier assistant tool call',
    ],
    [
      [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'image_url', image_url: { url: 'ftp://x' } },
          ],
        },
      ],
      'messages.0.content.1.image_url.url: must be an http(s) or data: URL',
    ],
    [
      [
        {
          role: 'user',
          content: [{ type: 'image_url', image_url: { url: 'data:image/png,abc' } }],
        },
      ],
      'messages.0.content.0.image_url.url: data URL must be data:<type>;base64,<data>',
    ],
    [
      [{ role: 'user', content: [{ type: 'file', file: { file_data: 'JVBERi0=' } }] }],
      'messages.0.content.0.file.file_data: must be a data:<type>;base64,<data> URL',
    ],
    [
      [{ role: 'user', content: [{ type: 'file', file: { filename: 'a.pdf' } }] }],
      'messages.0.content.0.file.file_data: Required',
    ],
    [
      [
        {
          role: 'assistant',
          content: 'x',
          tool_calls: [
            { id: 'c', type: 'function', function: { name: 'bad name', arguments: '{}' } },
          ],
        },
      ],
      'messages.0.tool_calls.0.function.name: must be 1-64 letters, digits, "_" or "-"',
    ],
    [[{ role: 'robot', content: 'x' }], 'messages.0.role: '],
    [
      [{ role: 'user', content: [{ type: 'video', video: {} }] }],
      'messages.0.content.0.type: Invalid discriminator value',
    ],
    [
      [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://a.b/c' } }] }],
      'messages.0.content.0.type: ',
    ],
    [
      [{ role: 'user', content: 5 }],
      'messages.0.content: must be a string or an array of content parts',
    ],
    [[], 'messages: '],
  ])('refuses malformed messages (%#)', (messages, message) => {
    const answer = refusal({ model: 'm', messages });
    expect(answer.code).toBe('SLUICE_ERR_INVALID_REQUEST');
    expect(answer.message.startsWith(message)).toBe(true);
  });

  it.each([
    [
      { role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] },
      'messages.0.content.0.file.file_id',
    ],
    [
      {
        role: 'user',
        content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }],
      },
      'messages.0.content.0.input_audio',
    ],
    [{ role: 'user', content: 'Hi', name: 'alice' }, 'messages.0.name'],
    [{ role: 'function', name: 'f', content: '{}' }, 'messages.0.role'],
    [
      { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } },
      'messages.0.function_call',
    ],
    [{ role: 'assistant', content: 'x', audio: { id: 'audio_1' } }, 'messages.0.audio'],
    [
      {
        role: 'user',
        content: [{ type: 'text', text: 'a', cache_control: { type: 'ephemeral' } }],
      },
      'messages.0.content.0.cache_control',
    ],
  ])('refuses message content no provider can carry (%#)', (message, field) => {
    const answer = refusal({ model: 'm', messages: [message] }, 'anthropic');
    expect(answer.code).toBe('SLUICE_ERR_UNSUPPORTED_FIELD');
    expect(answer.message).toMatch(
      new RegExp(`^${field.replaceAll('.', '\\.')}: not supported for provider 'anthropic': `),
    );
  });
});

describe('tools and output options', () => {
  it('translates tools, tool choice, response format and sampling options', () => {
    const request = translate({
      model: 'm',
      messages: [user],
      tools: [weatherTool, { type: 'function', function: { name: 'now' } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
      max_tokens: 50,
      max_completion_tokens: 40,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      seed: 7,
      reasoning_effort: 'low',
    });
    expect(request).toMatchObject({
      tools: [
        {
          name: 'get_weather',
          description: 'Weather by city',
          parameters: weatherTool.function.parameters,
          strict: true,
        },
        { name: 'now', parameters: { type: 'object', properties: {} } },
      ],
      toolChoice: { toolName: 'get_weather' },
      responseFormat: {
        type: 'json_schema',
        name: 'answer',
        schema: { type: 'object' },
        strict: true,
      },
      maxTokens: 40,
      temperature: 0.2,
      topP: 0.9,
      stop: ['END'],
      seed: 7,
      reasoning: { effort: 'low' },
    });
    expect(request.providerOptions).toBeUndefined();
  });

  it.each([
    ['auto', 'auto'],
    ['none', 'none'],
    ['required', 'required'],
  ])('passes tool_choice %s', (choice, expected) => {
    expect(
      translate({ model: 'm', messages: [user], tools: [weatherTool], tool_choice: choice })
        .toolChoice,
    ).toBe(expected);
  });

  it('asks nothing for response_format text and JSON mode for json_object', () => {
    expect(
      translate({ model: 'm', messages: [user], response_format: { type: 'text' } }).responseFormat,
    ).toBeUndefined();
    expect(
      translate({ model: 'm', messages: [user], response_format: { type: 'json_object' } })
        .responseFormat,
    ).toEqual({ type: 'json' });
  });

  it.each([
    [{ tools: [weatherTool, weatherTool] }, 'tools.1.function.name: duplicate tool name'],
    [
      { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'array' } } }] },
      'tools.0.function.parameters.type: must be "object"',
    ],
    [
      {
        tools: [
          {
            type: 'function',
            function: { name: 'f', parameters: { type: 'object', properties: 5 } },
          },
        ],
      },
      'tools.0.function.parameters: schema does not compile',
    ],
    [{ tools: [{ type: 'custom', custom: { name: 'f' } }] }, 'tools.0.type: must be "function"'],
    [
      { tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'other' } } },
      'tool_choice.function.name: names no tool in tools',
    ],
    [
      {
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'a', schema: { type: 'nope' } },
        },
      },
      'response_format.json_schema.schema: schema does not compile',
    ],
    [
      { response_format: { type: 'json_schema', json_schema: { name: 'a' } } },
      'response_format.json_schema.schema: Required',
    ],
    [{ reasoning_effort: 'extreme' }, 'reasoning_effort: '],
    [{ top_p: 1.5 }, 'top_p: '],
    [{ stop: [] }, 'stop: '],
    [{ temperature: 3 }, 'temperature: '],
  ])('refuses malformed options (%#)', (fields, message) => {
    const answer = refusal({ model: 'm', messages: [user], ...fields });
    expect(answer.code).toBe('SLUICE_ERR_INVALID_REQUEST');
    expect(answer.message.startsWith(message)).toBe(true);
  });
});

describe('fields Sluice does not translate', () => {
  const untranslated = {
    parallel_tool_calls: false,
    logit_bias: { '50256': -100 },
    frequency_penalty: 0.5,
    presence_penalty: 0.1,
    metadata: { team: 'a' },
    store: false,
    service_tier: 'flex',
  };

  it('forwards them unchanged to OpenAI-compatible upstreams, with user', () => {
    const request = translate({
      model: 'm',
      messages: [user],
      user: 'end-user-1',
      ...untranslated,
      verbosity: null,
      n: 1,
      logprobs: false,
      modalities: ['text'],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(request.endUserId).toBe('end-user-1');
    expect(request.providerOptions).toEqual({
      'openai-compatible': { user: 'end-user-1', ...untranslated },
    });
  });

  it.each(Object.keys(untranslated))('refuses %s for other providers, naming it', (field) => {
    const answer = refusal(
      { model: 'm', messages: [user], [field]: untranslated[field as keyof typeof untranslated] },
      'anthropic',
    );
    expect(answer).toEqual({
      code: 'SLUICE_ERR_UNSUPPORTED_FIELD',
      message: `${field}: not supported for provider 'anthropic': only OpenAI-compatible upstreams receive fields Sluice does not translate`,
    });
  });

  it('lets the simulator take them, as it takes every option', () => {
    const request = translate({ model: 'm', messages: [user], ...untranslated }, 'simulator');
    expect(request.providerOptions).toEqual({ 'openai-compatible': untranslated });
  });

  it('keeps user as the end user for every provider', () => {
    const request = translate({ model: 'm', messages: [user], user: 'u-1' }, 'anthropic');
    expect(request.endUserId).toBe('u-1');
    expect(request.providerOptions).toBeUndefined();
  });

  it.each([
    [{ n: 2 }, 'n'],
    [{ audio: { voice: 'alloy', format: 'wav' } }, 'audio'],
    [{ modalities: ['text', 'audio'] }, 'modalities'],
    [{ logprobs: true }, 'logprobs'],
    [{ top_logprobs: 3 }, 'top_logprobs'],
    [{ functions: [{ name: 'f', parameters: {} }] }, 'functions'],
    [{ function_call: 'auto' }, 'function_call'],
    [{ prediction: { type: 'content', content: 'x' } }, 'prediction'],
  ])('refuses %o for every provider', (fields, field) => {
    for (const provider of ['openai-compatible', 'anthropic', 'simulator']) {
      const answer = refusal({ model: 'm', messages: [user], ...fields }, provider);
      expect(answer.code).toBe('SLUICE_ERR_UNSUPPORTED_FIELD');
      expect(
        answer.message.startsWith(`${field}: not supported for provider '${provider}': `),
      ).toBe(true);
    }
  });
});

describe("Sluice's own fields", () => {
  it('are read, never forwarded', () => {
    const request = translate({
      model: 'm',
      messages: [user],
      onDisconnect: 'continue',
      sessionId: 'session-1',
      delivery: 'final',
      simulator: {
        tokenIntervalMs: 0,
        toolCall: { name: 'f', arguments: '{}' },
        reasoningTokens: 3,
      },
    });
    expect(request).toMatchObject({
      onDisconnect: 'continue',
      sessionId: 'session-1',
      simulator: {
        tokenIntervalMs: 0,
        toolCall: { name: 'f', arguments: '{}' },
        reasoningTokens: 3,
      },
      route: '/v1/chat/completions',
    });
    expect(request.providerOptions).toBeUndefined();
  });
});

describe('onDisconnect', () => {
  const request = { model: 'm', messages: [user] };

  it('is cancel by default: an OpenAI client cannot resume', () => {
    expect(translate(request).onDisconnect).toBe('cancel');
  });

  it('is continue when the body or the header asks for it, the header in any case', () => {
    expect(translate({ ...request, onDisconnect: 'continue' }).onDisconnect).toBe('continue');
    for (const value of ['continue', 'Continue', 'CONTINUE']) {
      const headers = { 'sluice-on-disconnect': value };
      expect(translate(request, 'openai-compatible', headers).onDisconnect).toBe('continue');
    }
    const both = translate({ ...request, onDisconnect: 'continue' }, 'openai-compatible', {
      'sluice-on-disconnect': 'continue',
    });
    expect(both.onDisconnect).toBe('continue');
  });

  it('takes an explicit cancel from the header too', () => {
    const headers = { 'sluice-on-disconnect': 'cancel' };
    expect(translate(request, 'openai-compatible', headers).onDisconnect).toBe('cancel');
  });

  it.each([['resume'], [''], ['continue, continue'], [['continue', 'continue']]])(
    'refuses the header %j, naming it',
    (value) => {
      const answer = refusal(request, 'openai-compatible', { 'sluice-on-disconnect': value });
      expect(answer).toEqual({
        code: 'SLUICE_ERR_INVALID_REQUEST',
        message: 'Sluice-On-Disconnect: must be "continue" or "cancel"',
      });
    },
  );

  it('refuses a body and a header that disagree', () => {
    const answer = refusal({ ...request, onDisconnect: 'cancel' }, 'openai-compatible', {
      'sluice-on-disconnect': 'continue',
    });
    expect(answer.code).toBe('SLUICE_ERR_INVALID_REQUEST');
    expect(answer.message).toContain('Sluice-On-Disconnect');
  });
});
