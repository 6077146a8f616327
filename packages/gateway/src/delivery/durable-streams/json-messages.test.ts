/**
 * JSON mode framing: flattening keeps each message's exact bytes, several messages are
 * packed into one buffer, and an append carries at most so many messages.
 */
import { describe, expect, test } from 'vitest';
import { type JsonAppend, joinJsonMessages, splitJsonMessages } from './json-messages.ts';
import { ProtocolRequestError } from './protocol-headers.ts';
import { StreamRefusedError } from './stream-refusals.ts';

/** The messages of a split, unpacked the way the store reads them. */
function unpack({ messages, packedEnds }: JsonAppend): string[] {
  const [data] = messages;
  if (packedEnds === undefined || data === undefined) {
    return messages.map((message) => Buffer.from(message).toString());
  }
  let start = 0;
  return Array.from(packedEnds, (end) => {
    const text = Buffer.from(data.subarray(start, end)).toString();
    start = end;
    return text;
  });
}

const texts = (body: string): string[] => unpack(splitJsonMessages(Buffer.from(body), 1000));

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
    expect(() => splitJsonMessages(Buffer.from('{ invalid }'), 10)).toThrow(ProtocolRequestError);
    expect(() => splitJsonMessages(Buffer.from([0x22, 0xff, 0x22]), 10)).toThrow(
      ProtocolRequestError,
    );
  });

  test('several messages are one packed buffer of their bytes alone, with their ends', () => {
    const split = splitJsonMessages(Buffer.from(' [ 1 ,\n{"a":[2]},  "x" ] '), 10);
    expect(split.messages).toHaveLength(1);
    expect(Buffer.from(split.messages[0] ?? []).toString()).toBe('1{"a":[2]}"x"');
    expect([...(split.packedEnds ?? [])]).toEqual([1, 10, 13]);
  });

  test('a 1 MB array of zeros costs one buffer, not a view per element', () => {
    const body = Buffer.from(`[${new Array(500_000).fill('0').join(',')}]`);
    const split = splitJsonMessages(body, 500_000);
    expect(split.messages).toHaveLength(1);
    expect(split.messages[0]?.byteLength).toBe(500_000);
    expect(split.packedEnds?.length).toBe(500_000);
  });

  test('more messages than the cap is refused with a 413 naming the cap', () => {
    const body = Buffer.from(`[${new Array(1001).fill('0').join(',')}]`);
    const refusal = (() => {
      try {
        splitJsonMessages(body, 1000);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(StreamRefusedError.isInstance(refusal)).toBe(true);
    expect(refusal).toMatchObject({ code: 'SLUICE_ERR_TOO_MANY_MESSAGES', status: 413 });
    expect((refusal as Error).message).toContain('at most 1000 messages');
    expect(texts(`[${new Array(1000).fill('0').join(',')}]`)).toHaveLength(1000);
  });
});

describe('joinJsonMessages', () => {
  test('joins messages into one JSON array', () => {
    const messages = ['{"a":1}', '2'].map((text) => ({ data: Buffer.from(text) }));
    expect(joinJsonMessages(messages).toString()).toBe('[{"a":1},2]');
    expect(joinJsonMessages([]).toString()).toBe('[]');
  });
});
