import { describe, expect, it } from 'vitest';
import type { LanguageModelCallOptions } from '../language-model.ts';
import { buildAnthropicRequest } from './build-anthropic-request.ts';

const SETTINGS = { modelId: 'claude-sonnet-4-5', defaultMaxTokens: 4096 };
const PNG = 'iVBORw0KGgo=';
const PDF = 'JVBERi0xLjQK';
const HELLO = { role: 'user', content: 'Hello' } as const;

function build(options: Partial<LanguageModelCallOptions>) {
  return buildAnthropicRequest(SETTINGS, { messages: [HELLO], ...options });
}

const fields = (options: Partial<LanguageModelCallOptions>) =>
  build(options).unsupported.map((option) => option.field);

describe('buildAnthropicRequest', () => {
  it('translates a multimodal conversation with tool calls and merged tool results', () => {
    const { body, unsupported } = buildAnthropicRequest(SETTINGS, {
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image', data: PNG, mediaType: 'image/png' },
            { type: 'image', url: `data:image/jpeg;base64,${PNG}`, detail: 'auto' },
            { type: 'image', url: 'https://example.com/cat.webp' },
            { type: 'file', data: PDF, mediaType: 'application/pdf', filename: 'report.pdf' },
            {
              type: 'file',
              data: Buffer.from('café notes').toString('base64'),
              mediaType: 'text/plain',
            },
          ],
        },
        {
          role: 'assistant',
          content: 'Checking both.',
          toolCalls: [
            { toolCallId: 'toolu_1', toolName: 'get_weather', arguments: '{"city":"Paris"}' },
            { toolCallId: 'toolu_2', toolName: 'get_time', arguments: '{}' },
          ],
        },
        { role: 'tool', toolCallId: 'toolu_1', content: '18 °C' },
        { role: 'tool', toolCallId: 'toolu_2', content: [{ type: 'text', text: '14:05' }] },
        { role: 'user', content: 'And tomorrow?' },
      ],
      tools: [
        {
          name: 'get_weather',
          description: 'Weather by city',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
          strict: true,
        },
        { name: 'get_time', parameters: { type: 'object', properties: {} }, strict: false },
      ],
      toolChoice: 'auto',
      maxTokens: 300,
      temperature: 0.2,
      topP: 0.9,
      stop: ['END'],
    });
    expect(unsupported).toEqual([]);
    expect(body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 300,
      stream: true,
      system: 'Be brief.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: PNG } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.webp' } },
            {
              type: 'document',
              source: { type: 'base64', media_type: 'application/pdf', data: PDF },
              title: 'report.pdf',
            },
            {
              type: 'document',
              source: { type: 'text', media_type: 'text/plain', data: 'café notes' },
            },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking both.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '18 °C' },
            {
              type: 'tool_result',
              tool_use_id: 'toolu_2',
              content: [{ type: 'text', text: '14:05' }],
            },
            { type: 'text', text: 'And tomorrow?' },
          ],
        },
      ],
      tools: [
        {
          name: 'get_weather',
          description: 'Weather by city',
          input_schema: { type: 'object', properties: { city: { type: 'string' } } },
          strict: true,
        },
        { name: 'get_time', input_schema: { type: 'object', properties: {} } },
      ],
      tool_choice: { type: 'auto' },
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ['END'],
    });
  });

  it('sends an assistant turn that only called tools as tool_use blocks alone', () => {
    const { body } = build({
      messages: [
        HELLO,
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ toolCallId: 'toolu_1', toolName: 'list', arguments: '{}' }],
        },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: 'Hello' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'list', input: {} }],
      },
    ]);
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
    [{ toolName: 'get_weather' }, { type: 'tool', name: 'get_weather' }],
  ] as const)('maps toolChoice %j to %j', (toolChoice, expected) => {
    expect(build({ toolChoice }).body.tool_choice).toEqual(expected);
  });

  it('leaves out an empty stop list', () => {
    expect(build({ stop: [] }).body).not.toHaveProperty('stop_sequences');
  });

  it.each([
    ['minimal', 1024],
    ['low', 1024],
    ['medium', 4096],
    ['high', 16384],
  ] as const)(
    'thinks on a budget for effort %s, raising the default max_tokens',
    (effort, budget) => {
      const { body, unsupported } = build({ reasoning: { effort } });
      expect(unsupported).toEqual([]);
      expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: budget });
      expect(body.max_tokens).toBe(4096 + budget);
    },
  );

  it('keeps an explicit maxTokens above the thinking budget as it is', () => {
    expect(build({ reasoning: { effort: 'medium' }, maxTokens: 6000 }).body.max_tokens).toBe(6000);
  });

  it('passes providerOptions.anthropic through verbatim, after its own fields', () => {
    const thinking = { type: 'enabled', budget_tokens: 2000 };
    const { body, unsupported } = build({
      reasoning: { effort: 'high' },
      providerOptions: {
        anthropic: { thinking, top_k: 5, metadata: { user_id: 'u1' } },
        'openai-compatible': { logit_bias: {} },
      },
    });
    expect(unsupported).toEqual([]);
    expect(body).toMatchObject({ thinking, top_k: 5, metadata: { user_id: 'u1' } });
    expect(body.max_tokens).toBe(4096 + 2000);
    expect(body).not.toHaveProperty('logit_bias');
  });

  it('keeps a __proto__ provider option a plain field', () => {
    const anthropic = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const { body } = build({ providerOptions: { anthropic } });
    expect(Object.hasOwn(body, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('sends a JSON schema response format as output_config', () => {
    const schema = { type: 'object', properties: { answer: { type: 'number' } } };
    const { body, unsupported } = build({
      responseFormat: { type: 'json_schema', name: 'answer', schema, strict: true },
    });
    expect(unsupported).toEqual([]);
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema } });
    expect(build({ responseFormat: { type: 'text' } }).body).not.toHaveProperty('output_config');
  });

  it.each<[string, Partial<LanguageModelCallOptions>, string[]]>([
    ['a seed', { seed: 42 }, ['seed']],
    ['JSON mode without a schema', { responseFormat: { type: 'json' } }, ['responseFormat']],
    [
      'a schema description',
      { responseFormat: { type: 'json_schema', name: 'a', schema: {}, description: 'An answer' } },
      ['responseFormat.description'],
    ],
    ['a temperature above 1', { temperature: 1.5 }, ['temperature']],
    [
      'an image detail',
      {
        messages: [
          HELLO,
          HELLO,
          HELLO,
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Look' },
              { type: 'image', url: 'https://example.com/a.png', detail: 'high' },
            ],
          },
        ],
      },
      ['messages.3.content.1.detail'],
    ],
    [
      'images Anthropic does not take',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', data: PNG, mediaType: 'image/bmp' },
              { type: 'image', url: 'ftp://example.com/a.png' },
              { type: 'image', url: 'data:image/png,%89PNG' },
              { type: 'image', url: `data:image/tiff;base64,${PNG}` },
            ],
          },
        ],
      },
      [
        'messages.0.content.0.mediaType',
        'messages.0.content.1.url',
        'messages.0.content.2.url',
        'messages.0.content.3.url',
      ],
    ],
    [
      'files Anthropic does not take',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'file', data: PDF, mediaType: 'application/msword' },
              {
                type: 'file',
                data: Buffer.from([0xff, 0xfe]).toString('base64'),
                mediaType: 'text/plain',
              },
            ],
          },
        ],
      },
      ['messages.0.content.0.mediaType', 'messages.0.content.1.data'],
    ],
    [
      'tool call arguments that are not a JSON object',
      {
        messages: [
          HELLO,
          {
            role: 'assistant',
            content: '',
            toolCalls: [
              { toolCallId: 'a', toolName: 'f', arguments: '{"ok":true}' },
              { toolCallId: 'b', toolName: 'f', arguments: '[1,2]' },
              { toolCallId: 'c', toolName: 'f', arguments: '{"cut":' },
            ],
          },
        ],
      },
      ['messages.1.toolCalls.1.arguments', 'messages.1.toolCalls.2.arguments'],
    ],
    [
      'a maxTokens not above the thinking budget',
      { reasoning: { effort: 'medium' }, maxTokens: 4096 },
      ['maxTokens'],
    ],
    [
      'sampling and forced tool use while thinking',
      { reasoning: { effort: 'low' }, toolChoice: 'required', temperature: 0.5, topP: 0.5 },
      ['toolChoice', 'temperature', 'topP'],
    ],
    [
      'provider options that would replace what the stream depends on',
      { providerOptions: { anthropic: { model: 'x', stream: false } } },
      ['providerOptions.anthropic.model', 'providerOptions.anthropic.stream'],
    ],
  ])('refuses %s', (_case, options, expected) => {
    expect(fields(options)).toEqual(expected);
  });

  it('accepts thinking with temperature 1, topP 0.95 and tool choice auto', () => {
    expect(
      fields({ reasoning: { effort: 'low' }, temperature: 1, topP: 0.95, toolChoice: 'auto' }),
    ).toEqual([]);
  });
});
