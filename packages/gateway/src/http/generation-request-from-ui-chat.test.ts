import { describe, expect, it } from 'vitest';
import {
  generationRequestFromUiChat,
  nativeMessagesFromUi,
} from './generation-request-from-ui-chat.ts';
import { parseBody } from './request-schemas.ts';
import { uiChatRequestSchema } from './ui-message-schemas.ts';

const schema = uiChatRequestSchema({ messages: 100 });

function parse(body: unknown) {
  return parseBody(schema, body);
}

describe('nativeMessagesFromUi', () => {
  it('maps text, files, steps with tool calls and results; drops what only the UI needs', () => {
    const body = parse({
      id: 'chat-1',
      trigger: 'submit-message',
      messages: [
        { id: 's', role: 'system', parts: [{ type: 'text', text: 'Be brief.' }] },
        {
          id: 'u1',
          role: 'user',
          parts: [
            { type: 'text', text: 'Look:' },
            { type: 'file', mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgo=' },
            { type: 'file', mediaType: 'image/jpeg', url: 'https://example.com/cat.jpg' },
            {
              type: 'file',
              mediaType: 'application/pdf',
              filename: 'a.pdf',
              url: 'data:application/pdf;base64,JVBERi0=',
            },
          ],
        },
        {
          id: 'a1',
          role: 'assistant',
          parts: [
            { type: 'step-start' },
            { type: 'reasoning', text: 'hmm', state: 'done' },
            { type: 'text', text: 'Checking.', state: 'done' },
            {
              type: 'tool-get_weather',
              toolCallId: 'call_1',
              state: 'output-available',
              input: { city: 'Paris' },
              output: { celsius: 21 },
            },
            {
              type: 'dynamic-tool',
              toolName: 'lookup',
              toolCallId: 'call_2',
              state: 'output-error',
              input: {},
              errorText: 'offline',
            },
            { type: 'tool-pending', toolCallId: 'call_3', state: 'input-available', input: {} },
            { type: 'step-start' },
            { type: 'text', text: 'It is 21 °C.', state: 'done' },
            { type: 'source-url', sourceId: 's1', url: 'https://example.com' },
            { type: 'data-sluice-final', id: 'final', data: { verdict: 'approved' } },
          ],
        },
      ],
    });
    expect(nativeMessagesFromUi(body.messages)).toEqual([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image', data: 'iVBORw0KGgo=', mediaType: 'image/png' },
          { type: 'image', url: 'https://example.com/cat.jpg' },
          { type: 'file', data: 'JVBERi0=', mediaType: 'application/pdf', filename: 'a.pdf' },
        ],
      },
      {
        role: 'assistant',
        content: 'Checking.',
        toolCalls: [
          { toolCallId: 'call_1', toolName: 'get_weather', arguments: '{"city":"Paris"}' },
          { toolCallId: 'call_2', toolName: 'lookup', arguments: '{}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_1', content: '{"celsius":21}' },
      { role: 'tool', toolCallId: 'call_2', content: 'offline' },
      { role: 'assistant', content: 'It is 21 °C.' },
    ]);
  });
});

describe('generationRequestFromUiChat', () => {
  it('files the generation under the chat, keeps it running on disconnect, defaults the model', () => {
    const body = parse({
      id: 'chat-2',
      trigger: 'regenerate-message',
      messageId: 'm1',
      messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
      maxTokens: 5,
      seed: 1,
      simulator: { ttftMs: 0 },
    });
    expect(generationRequestFromUiChat(body, 'simulator')).toEqual({
      model: 'simulator',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      maxTokens: 5,
      seed: 1,
      simulator: { ttftMs: 0 },
      sessionId: 'chat-2',
      onDisconnect: 'continue',
      route: '/v1/chat',
    });
    expect(generationRequestFromUiChat({ ...body, model: 'other' }, 'simulator').model).toBe(
      'other',
    );
  });
});
