import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxEventLoopLagMs } from '../../guardrails/testing/event-loop-lag-probe.ts';
import { MAX_NUMBER_CHARS, PartialJsonParser } from './partial-json.ts';

function feedAll(chunks: string[]): PartialJsonParser {
  const parser = new PartialJsonParser();
  for (const chunk of chunks) parser.feed(chunk);
  return parser;
}

describe('PartialJsonParser', () => {
  it('shows progress of an object streamed in small deltas', () => {
    const parser = new PartialJsonParser();
    expect(parser.state).toBe('empty');
    expect(parser.feed('{"na')).toEqual({});
    expect(parser.feed('me": "Ad')).toEqual({ name: 'Ad' });
    expect(parser.feed('a", "age": 3')).toEqual({ name: 'Ada', age: 3 });
    expect(parser.feed('6, "tags": ["x", tr')).toEqual({ name: 'Ada', age: 36, tags: ['x'] });
    expect(parser.state).toBe('partial');
    expect(parser.feed('ue], "nested": {"a": [1, {"b": nul')).toEqual({
      name: 'Ada',
      age: 36,
      tags: ['x', true],
      nested: { a: [1, {}] },
    });
    expect(parser.feed('l}]}}')).toEqual({
      name: 'Ada',
      age: 36,
      tags: ['x', true],
      nested: { a: [1, { b: null }] },
    });
    expect(parser.state).toBe('complete');
    expect(parser.error).toBeUndefined();
  });

  it('shows numbers only once they have a digit, and drops an unfinished exponent', () => {
    const parser = new PartialJsonParser();
    expect(parser.feed('[-')).toEqual([]);
    expect(parser.feed('1.')).toEqual([-1]);
    expect(parser.feed('5e')).toEqual([-1.5]);
    expect(parser.feed('+2')).toEqual([-150]);
    expect(parser.feed(']')).toEqual([-150]);
    expect(parser.state).toBe('complete');
  });

  it('decodes escapes split across deltas, including surrogate pairs', () => {
    const parser = feedAll(['["a\\', 'nb \\u00', 'e9 \\ud83d', '\\ude00 \\"q\\""]']);
    expect(parser.value).toEqual(['a\nb é 😀 "q"']);
    expect(parser.state).toBe('complete');
  });

  it('skips a ```json fence around the value', () => {
    const parser = feedAll(['```js', 'on\n{"ok"', ': true}\n`', '``\n']);
    expect(parser.value).toEqual({ ok: true });
    expect(parser.state).toBe('complete');
  });

  it('stops at invalid input, keeps the last good value and says where', () => {
    const parser = feedAll(['{"a": 1, ', '"b": [1,, 2]}']);
    expect(parser.state).toBe('invalid');
    expect(parser.value).toEqual({ a: 1, b: [1] });
    expect(parser.error).toBe('expected a JSON value at offset 17');
    parser.feed('more');
    expect(parser.value).toEqual({ a: 1, b: [1] });
  });

  it('rejects prose, trailing commas and text after the value', () => {
    expect(feedAll(['Sure! {"a": 1}']).state).toBe('invalid');
    expect(feedAll(['{"a": 1,}']).state).toBe('invalid');
    const trailing = feedAll(['{"a": 1} and more']);
    expect(trailing.state).toBe('invalid');
    expect(trailing.value).toEqual({ a: 1 });
  });

  it('adds "__proto__" as an own key, as JSON.parse does', () => {
    const parser = feedAll(['{"__proto__": {"polluted": true}}']);
    const value = parser.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('fails a number at its first impossible character', () => {
    expect(feedAll(['[--1]']).error).toBe('invalid number at offset 2');
    expect(feedAll(['[01]']).error).toBe('invalid number at offset 2');
    expect(feedAll(['[1.e5]']).error).toBe('invalid number at offset 3');
    expect(feedAll(['[1e+-5]']).error).toBe('invalid number at offset 4');
    expect(feedAll(['[1.', ']']).error).toBe('invalid number at offset 3');
    expect(feedAll(['[-0.5e-3, 12E+2]']).value).toEqual([-0.0005, 1200]);
  });

  it('refuses a number longer than its limit, and keeps what it had shown', () => {
    const digits = '3'.repeat(MAX_NUMBER_CHARS - 2);
    expect(feedAll(['[0.', digits, ']']).value).toEqual([Number(`0.${digits}`)]);
    const parser = feedAll(['[0.', digits, '3']);
    expect(parser.error).toBe(`number too long at offset ${MAX_NUMBER_CHARS + 1}`);
    expect(parser.value).toEqual([Number(`0.${digits}`)]);
  });

  it('streams 100,000 "-" one delta at a time without stalling the event loop', async () => {
    // The attack: each delta used to re-run a regular expression over the whole unfinished
    // number, so the stream cost grew with the square of its length (38 s for this one).
    // Deltas arrive a thousand per turn of the event loop; a turn must stay cheap however
    // much came before it.
    const stream = async (text: string) => {
      const parser = new PartialJsonParser();
      for (let start = 0; start < text.length; start += 1_000) {
        for (const character of text.slice(start, start + 1_000)) parser.feed(character);
        await new Promise((resolve) => setImmediate(resolve));
      }
      return parser;
    };
    const attacks: Array<[string, string]> = [
      ['-'.repeat(100_000), 'invalid number at offset 1'],
      [`[${'-'.repeat(100_000)}1]`, 'invalid number at offset 2'],
      [`{"a": ${'1'.repeat(100_000)}`, `number too long at offset ${6 + MAX_NUMBER_CHARS}`],
    ];
    // And all at once, as the record view reads an answer: `[---…1` made the old regular
    // expression backtrack quadratically (38 s at this length).
    let whole: PartialJsonParser | undefined;
    const wholeLag = await maxEventLoopLagMs(() => {
      whole = feedAll([`[${'-'.repeat(100_000)}1]`]);
    });
    expect(whole?.error).toBe('invalid number at offset 2');
    expect(wholeLag).toBeLessThan(100);
    for (const [text, error] of attacks) {
      let parser: PartialJsonParser | undefined;
      const lag = await maxEventLoopLagMs(async () => {
        parser = await stream(text);
      });
      expect(parser?.error).toBe(error);
      expect(lag).toBeLessThan(100);
    }
  });

  it('refuses nesting deeper than its limit instead of exhausting memory or stack', () => {
    const parser = feedAll(['['.repeat(10_000)]);
    expect(parser.state).toBe('invalid');
    expect(parser.error).toMatch(/^nesting too deep/);
  });

  it('parses any JSON document to the same value as JSON.parse, however it is chunked', () => {
    // Wrapped in an array so the root is never a bare number, which has no end marker.
    const documents = fc.jsonValue().map((value) => JSON.stringify([value]));
    fc.assert(
      fc.property(documents, fc.array(fc.nat(), { maxLength: 8 }), (document, cuts) => {
        const points = [...new Set(cuts.map((cut) => cut % (document.length + 1)))].sort(
          (left, right) => left - right,
        );
        const chunks: string[] = [];
        let previous = 0;
        for (const point of points) {
          chunks.push(document.slice(previous, point));
          previous = point;
        }
        chunks.push(document.slice(previous));
        const parser = feedAll(chunks);
        expect(parser.error).toBeUndefined();
        expect(parser.state).toBe('complete');
        expect(parser.value).toStrictEqual(JSON.parse(document));
      }),
    );
  });
});
