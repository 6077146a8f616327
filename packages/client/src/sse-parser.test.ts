import { describe, expect, test } from 'vitest';
import { type ParsedSseMessage, SseParser } from './sse-parser.ts';

function parse(chunks: string[]): ParsedSseMessage[] {
  const messages: ParsedSseMessage[] = [];
  const parser = new SseParser((message) => messages.push(message));
  for (const chunk of chunks) parser.feed(chunk);
  return messages;
}

describe('SseParser', () => {
  test('parses id, event and data; skips comments', () => {
    expect(parse([': ok\n\nid: 1\nevent: text-delta\ndata: {"a":1}\n\n'])).toEqual([
      { id: '1', event: 'text-delta', data: '{"a":1}' },
    ]);
  });

  test('the same messages whatever the chunking, with LF, CRLF or CR line ends', () => {
    const stream = 'id: 1\r\nevent: a\r\ndata: x\r\n\r\nid: 2\revent: b\rdata: y\r\rdata: z\n\n';
    const whole = parse([stream]);
    expect(whole).toEqual([
      { id: '1', event: 'a', data: 'x' },
      { id: '2', event: 'b', data: 'y' },
      { id: undefined, event: 'message', data: 'z' },
    ]);
    for (let size = 1; size < stream.length; size++) {
      const chunks = stream.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [];
      expect(parse(chunks)).toEqual(whole);
    }
  });

  test('a message cut before its blank line is never dispatched', () => {
    expect(parse(['id: 1\nevent: a\ndata: x\n\nid: 2\nevent: b\ndata: {"cut'])).toEqual([
      { id: '1', event: 'a', data: 'x' },
    ]);
    expect(parse(['id: 1\ndata: x\n'])).toEqual([]);
  });

  test('ids are per message, multi-line data is joined, a field without a colon is empty', () => {
    expect(parse(['id: 1\ndata: a\ndata: b\n\nevent: response-error\ndata\n\n'])).toEqual([
      { id: '1', event: 'message', data: 'a\nb' },
      { id: undefined, event: 'response-error', data: '' },
    ]);
  });
});
