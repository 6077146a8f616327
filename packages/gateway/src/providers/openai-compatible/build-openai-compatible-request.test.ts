/**
 * The Chat Completions body built for a call, field by field against OpenAI's reference:
 * messages with images, files, tool calls and tool results; tools and tool choice; response
 * formats; sampling and reasoning options; the provider-options passthrough. (That the body
 * built here is what goes over the wire is checked in `openai-compatible-chat-model.test.ts`.)
 */

import { describe, expect, it } from 'vitest';
import type { LanguageModelCallOptions } from '../language-model.ts';
import { messages, TIME_TOOL, WEATHER_TOOL } from '../testing/call-fixtures.ts';
import {
  buildOpenAICompatibleRequest,
  type RequestSettings,
  reservedProviderOptions,
} from './build-openai-compatible-request.ts';

const SETTINGS: RequestSettings = {
  modelId: 'gpt-4o',
  maxTokensField: 'max_tokens',
  includeUsage: true,
};

function build(options: Partial<LanguageModelCallOptions>, settings = SETTINGS) {
  return buildOpenAICompatibleRequest(settings, { messages, ...options });
}

describe('buildOpenAICompatibleRequest', () => {
  it('sends only what the call sets, with usage reporting', () => {
    expect(build({})).toEqual({
      model: 'gpt-4o',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(build({}, { ...SETTINGS, includeUsage: false })).not.toHaveProperty('stream_options');
  });

  it.each([
    ['max_tokens', { max_tokens: 64 }],
    ['max_completion_tokens', { max_completion_tokens: 64 }],
    ['both', { max_tokens: 64, max_completion_tokens: 64 }],
  ] as const)('carries maxTokens in %s', (maxTokensField, expected) => {
    const body = build({ maxTokens: 64 }, { ...SETTINGS, maxTokensField });
    expect(body).toMatchObject(expected);
    expect(Object.keys(body).filter((key) => key.startsWith('max_'))).toEqual(
      Object.keys(expected),
    );
  });

  it('sends a multimodal, tool-using conversation as OpenAI documents it', () => {
    const body = build({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these, and the weather there?' },
            { type: 'image', url: 'https://example.com/paris.jpg', detail: 'low' },
            { type: 'image', data: 'iVBORw0KGgo=', mediaType: 'image/png' },
            {
              type: 'file',
              data: 'JVBERi0xLjQ=',
              mediaType: 'application/pdf',
              filename: 'trip.pdf',
            },
            { type: 'file', data: 'JVBERi0xLjU=', mediaType: 'application/pdf' },
          ],
        },
        {
          role: 'assistant',
          content: '',
          toolCalls: [
            { toolCallId: 'call_1', toolName: 'get_weather', arguments: '{"city":"Paris"}' },
            { toolCallId: 'call_2', toolName: 'get_time', arguments: '{}' },
          ],
        },
        { role: 'tool', toolCallId: 'call_1', content: '18°C, sunny' },
        { role: 'tool', toolCallId: 'call_2', content: [{ type: 'text', text: '14:05' }] },
        {
          role: 'assistant',
          content: 'Checking once more.',
          toolCalls: [{ toolCallId: 'call_3', toolName: 'get_weather', arguments: '{}' }],
        },
        { role: 'tool', toolCallId: 'call_3', content: '19°C' },
        { role: 'assistant', content: 'Paris, sunny, 19°C.' },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these, and the weather there?' },
          { type: 'image_url', image_url: { url: 'https://example.com/paris.jpg', detail: 'low' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          {
            type: 'file',
            file: { file_data: 'data:application/pdf;base64,JVBERi0xLjQ=', filename: 'trip.pdf' },
          },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjU=' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
          { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C, sunny' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '14:05' }] },
      {
        role: 'assistant',
        content: 'Checking once more.',
        tool_calls: [
          { id: 'call_3', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_3', content: '19°C' },
      { role: 'assistant', content: 'Paris, sunny, 19°C.' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  it('sends tools, sampling and reasoning options under their OpenAI names', () => {
    const body = build({
      tools: [{ ...WEATHER_TOOL, strict: true }, TIME_TOOL],
      topP: 0.9,
      stop: ['\n\n', 'END'],
      seed: 42,
      reasoning: { effort: 'minimal' },
    });
    expect(body).toMatchObject({
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'The current weather in a city',
            parameters: WEATHER_TOOL.parameters,
            strict: true,
          },
        },
        { type: 'function', function: { name: 'get_time', parameters: TIME_TOOL.parameters } },
      ],
      top_p: 0.9,
      stop: ['\n\n', 'END'],
      seed: 42,
      reasoning_effort: 'minimal',
    });
    expect(body).not.toHaveProperty('tool_choice');
    expect(body).not.toHaveProperty('response_format');
  });

  it.each([
    ['auto', 'auto'],
    ['none', 'none'],
    ['required', 'required'],
    [{ toolName: 'get_weather' }, { type: 'function', function: { name: 'get_weather' } }],
  ] as const)('sends toolChoice %j as tool_choice %j', (toolChoice, expected) => {
    const body = build({ tools: [WEATHER_TOOL], toolChoice });
    expect(body.tool_choice).toEqual(expected);
  });

  it.each([
    [{ type: 'text' }, { type: 'text' }],
    [{ type: 'json' }, { type: 'json_object' }],
    [
      { type: 'json_schema', name: 'answer', schema: { type: 'object' } },
      { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
    ],
    [
      {
        type: 'json_schema',
        name: 'answer',
        schema: { type: 'object' },
        description: 'The answer',
        strict: true,
      },
      {
        type: 'json_schema',
        json_schema: {
          name: 'answer',
          schema: { type: 'object' },
          description: 'The answer',
          strict: true,
        },
      },
    ],
  ] as const)('sends responseFormat %j as response_format %j', (responseFormat, expected) => {
    const body = build({ responseFormat });
    expect(body.response_format).toEqual(expected);
  });

  it('merges its own providerOptions verbatim, ignores other providers’, keeps the stream fields', () => {
    const body = build({
      temperature: 0.2,
      providerOptions: {
        'openai-compatible': {
          parallel_tool_calls: false,
          logit_bias: { '50256': -100 },
          metadata: { tenant: 'acme' },
          user: 'user-7',
          temperature: 0.9,
          model: 'gpt-other',
          messages: [],
          stream: false,
          stream_options: { include_usage: false },
        },
        anthropic: { top_k: 5 },
      },
    });
    expect(body).toEqual({
      model: 'gpt-4o',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.9,
      parallel_tool_calls: false,
      logit_bias: { '50256': -100 },
      metadata: { tenant: 'acme' },
      user: 'user-7',
    });
  });

  it('refuses provider options that would replace the fields the gateway sets', () => {
    expect(
      reservedProviderOptions({
        messages,
        providerOptions: { 'openai-compatible': { model: 'x', stream: false, user: 'u' } },
      }),
    ).toEqual([
      { field: 'providerOptions.openai-compatible.model', reason: 'set by the gateway' },
      { field: 'providerOptions.openai-compatible.stream', reason: 'set by the gateway' },
    ]);
  });

  it('sends a __proto__ provider option as a plain field', () => {
    const body = build({
      providerOptions: { 'openai-compatible': JSON.parse('{"__proto__":{"polluted":true}}') },
    });
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(JSON.stringify(body)).toContain('"__proto__":{"polluted":true}');
  });
});
