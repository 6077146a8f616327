/**
 * JSON mode framing: flattening keeps each message's exact bytes.
 */
import { describe, expect, test } from 'vitest';
import { joinJsonMessages, splitJsonMessages } from './json-messages.ts';
import { ProtocolRequestError } from './protocol-headers.ts';

const texts = (body: string): string[] =>
  splitJsonMessages(Buffer.from(body)).map((message) => Buffer.from(message).toString());

describe('splitJsonMessages', () => {
  test('a single value is one message, trimmed', () => {
    expect(texts(' {"a": 1}\n')).toEqual(['{"a": 1}']);
    expect(texts('42')).toEqual(['42']);
  });

  test('a top-level array is flattened exactly one level', () => {
    expect(texts('[{"a":1}, [1,2] ,"x"]')).toEqual(['{"a":1}', '[1,2]', '"x"']);
    expect(texts('[[[1,2,3]]]')).toEqual(['[[1,2,3]]']);
  });

  test('brackets, commas and escaped quotes inside strings do not split', () => {
    expect(texts('["a,]b", "q\\"[,", {"k":"}"}]')).toEqual(['"a,]b"', '"q\\"[,"', '{"k":"}"}']);
  });

  test('number spelling and spacing survive untouched', () => {
    expect(texts('[1.0, 12345678901234567890, {"a" :  1e3}]')).toEqual([
      '1.0',
      '12345678901234567890',
      '{"a" :  1e3}',
    ]);
  });

  test('an empty array yields no messages', () => {
    expect(texts(' [ ] ')).toEqual([]);
  });

  test('invalid JSON and invalid UTF-8 are request errors', () => {
    expect(() => splitJsonMessages(Buffer.from('{ invalid }'))).toThrow(ProtocolRequestError);
    expect(() => splitJsonMessages(Buffer.from([0x22, 0xff, 0x22]))).toThrow(ProtocolRequestError);
  });
});

describe('joinJsonMessages', () => {
  test('joins messages into one JSON array', () => {
    const messages = ['{"a":1}', '2'].map((text) => ({ data: Buffer.from(text) }));
    expect(joinJsonMessages(messages).toString()).toBe('[{"a":1},2]');
    expect(joinJsonMessages([]).toString()).toBe('[]');
  });
});
