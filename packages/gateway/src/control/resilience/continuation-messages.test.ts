import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../providers/language-model.ts';
import { continuationMessages } from './continuation-messages.ts';

const question: ChatMessage = {
  role: 'user',
  content: [
    { type: 'text', text: 'What is in this picture?' },
    { type: 'image', url: 'https://example.com/cat.png' },
  ],
};

describe('continuationMessages', () => {
  it('appends the delivered text as an assistant prefix, keeping multimodal content as is', () => {
    expect(continuationMessages([question], 'A cat on ')).toEqual({
      messages: [question, { role: 'assistant', content: 'A cat on' }],
      trimmedWhitespace: true,
    });
  });

  it('extends a prefill given as text parts', () => {
    const prefill: ChatMessage = {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Answer' },
        { type: 'text', text: ': ' },
      ],
    };
    expect(continuationMessages([question, prefill], 'a cat')).toEqual({
      messages: [question, { role: 'assistant', content: 'Answer: a cat' }],
      trimmedWhitespace: false,
    });
  });

  it('keeps a trailing assistant turn that called tools and adds the prefix after it', () => {
    const called: ChatMessage = {
      role: 'assistant',
      content: '',
      toolCalls: [{ toolCallId: 'call_1', toolName: 'look', arguments: '{}' }],
    };
    expect(continuationMessages([question, called], 'Looking').messages).toEqual([
      question,
      called,
      { role: 'assistant', content: 'Looking' },
    ]);
  });

  it('adds nothing when there is no text to carry over', () => {
    expect(continuationMessages([question], '')).toEqual({
      messages: [question],
      trimmedWhitespace: false,
    });
  });
});
