import { describe, expect, test } from 'vitest';
import { encodeSseComment, encodeSseMessage } from './sse.ts';

describe('encodeSseMessage', () => {
  test('writes id, event and data lines ending with a blank line', () => {
    expect(encodeSseMessage({ id: '0000000000000001', event: 'text-delta', data: '{"a":1}' })).toBe(
      'id: 0000000000000001\nevent: text-delta\ndata: {"a":1}\n\n',
    );
  });

  test('splits multi-line data into several data lines', () => {
    expect(encodeSseMessage({ data: 'one\ntwo\r\nthree\rfour' })).toBe(
      'data: one\ndata: two\ndata: three\ndata: four\n\n',
    );
  });

  test('compact data lines keep a leading space by adding the separator', () => {
    expect(encodeSseMessage({ event: 'data', data: 'a\n b' }, { compact: true })).toBe(
      'event: data\ndata:a\ndata:  b\n\n',
    );
  });

  test.each(['id', 'event'] as const)('rejects CR or LF in %s', (field) => {
    expect(() => encodeSseMessage({ data: 'x', [field]: 'a\nb' })).toThrow(TypeError);
    expect(() => encodeSseMessage({ data: 'x', [field]: 'a\rb' })).toThrow(TypeError);
  });

  test('comments cannot smuggle events', () => {
    expect(encodeSseComment('ok')).toBe(': ok\n\n');
    expect(() => encodeSseComment('x\n\ndata: injected')).toThrow(TypeError);
  });
});
