import { expect, test } from 'vitest';
import { compileJsonSchema } from './json-schema-compiler.ts';

test('the same schema compiles once: later calls get the same validator', () => {
  const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
  const first = compileJsonSchema(schema);
  const again = compileJsonSchema(structuredClone(schema));
  expect(again).toBe(first);
  expect(first({ city: 'Paris' })).toBe(true);
  expect(first({ town: 'Paris' })).toBe(false);
});

test('a refused schema is refused every time', () => {
  const schema = { type: 'nope' };
  expect(() => compileJsonSchema(schema)).toThrow();
  expect(() => compileJsonSchema(schema)).toThrow();
});

test('very large schemas are compiled but not kept', () => {
  const schema = { type: 'object', description: 'x'.repeat(70_000) };
  expect(compileJsonSchema(schema)).not.toBe(compileJsonSchema(schema));
});
