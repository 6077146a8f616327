/**
 * Canonical JSON: one encoding per JSON value, whatever the key order.
 */
import { describe, expect, test } from 'vitest';
import { canonicalJson } from './canonical-json.ts';

describe('canonicalJson', () => {
  test('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  test('agrees with JSON.stringify on values and skips undefined like it', () => {
    const value = { text: 'line\n"quoted" \u2028 é', number: 1e21, small: 0.1, skip: undefined };
    const encoded = canonicalJson(value);
    expect(JSON.parse(encoded)).toEqual({ text: value.text, number: 1e21, small: 0.1 });
    expect(canonicalJson(JSON.parse(encoded))).toBe(encoded);
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
  });

  test('encodes dates as JSON.stringify does', () => {
    expect(canonicalJson({ at: new Date('2025-01-01T00:00:00.000Z') })).toBe(
      '{"at":"2025-01-01T00:00:00.000Z"}',
    );
  });

  test('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson({ value: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => canonicalJson(10n)).toThrow(TypeError);
    expect(() => canonicalJson({ call: () => 1 })).toThrow(TypeError);
  });
});
