import { expect, test } from 'vitest';
import { maxEventLoopLagMs } from '../../guardrails/testing/event-loop-lag-probe.ts';
import { ValidationBudget } from './json-schema-budget.ts';
import { compileJsonSchema, MAX_SCHEMA_CHARS } from './json-schema-compiler.ts';
import { DEFAULT_VALIDATION_LIMITS } from './validation-limits.ts';

const budget = () => new ValidationBudget(DEFAULT_VALIDATION_LIMITS.maxSteps);

test('the same schema compiles once: later calls get the same validator', () => {
  const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
  const first = compileJsonSchema(schema);
  const again = compileJsonSchema(structuredClone(schema));
  expect(again).toBe(first);
  expect(first({ city: 'Paris' }, budget())).toEqual({ result: 'valid' });
  expect(first({ town: 'Paris' }, budget())).toMatchObject({
    result: 'invalid',
    error: { schemaPath: '#/required', message: "must have required property 'city'" },
  });
});

test('a refused schema is refused every time', () => {
  const schema = { type: 'nope' };
  expect(() => compileJsonSchema(schema)).toThrow();
  expect(() => compileJsonSchema(schema)).toThrow();
});

test('a schema over the size limit is refused before ajv sees it', () => {
  const schema = { type: 'object', description: 'x'.repeat(MAX_SCHEMA_CHARS) };
  expect(() => compileJsonSchema(schema)).toThrow(/more than the 32768 this gateway compiles/);
});

test('uniqueItems compares items as JSON values, whatever the key order', () => {
  const unique = compileJsonSchema({ type: 'array', uniqueItems: true });
  expect(
    unique(
      [
        { a: 1, b: [2] },
        { b: [2], a: 1 },
      ],
      budget(),
    ),
  ).toMatchObject({
    result: 'invalid',
    error: { schemaPath: '#/uniqueItems', message: 'must NOT have duplicate items' },
  });
  expect(unique([1, '1', [1], { a: 1 }, { a: '1' }, null, 0], budget())).toEqual({
    result: 'valid',
  });
});

test('uniqueItems over a 20,000-item array does not stall the event loop', async () => {
  // The attack: ajv compares every pair of object items, 7.7 s for this array.
  const unique = compileJsonSchema({ type: 'array', uniqueItems: true });
  const items = Array.from({ length: 20_000 }, (_, index) => ({ id: index }));
  unique(items.slice(0, 100), budget()); // warm, as in a running gateway
  let verdicts: unknown[] = [];
  const lag = await maxEventLoopLagMs(() => {
    verdicts = [unique(items, budget())];
  });
  // Twenty thousand objects are more than one answer's budget: a clear failure, at once.
  expect(verdicts).toEqual([{ result: 'over-budget' }]);
  expect(lag).toBeLessThan(100);
  // Within the budget, a duplicate is found wherever it is.
  const numbers = Array.from({ length: 20_000 }, (_, index) => index % 19_999);
  expect(unique(numbers, budget())).toMatchObject({
    result: 'invalid',
    error: { schemaPath: '#/uniqueItems', message: 'must NOT have duplicate items' },
  });
});

test('a schema whose work doubles at every level stops at the budget', async () => {
  // Twenty levels of `anyOf` over the same `$ref`: about a million evaluations of a
  // one-character string, seconds of work from a schema of a few hundred bytes.
  const definitions: Record<string, unknown> = { d20: { type: 'number' } };
  for (let level = 0; level < 20; level += 1) {
    const next = { $ref: `#/$defs/d${level + 1}` };
    definitions[`d${level}`] = { anyOf: [next, next] };
  }
  const exponential = compileJsonSchema({ $defs: definitions, $ref: '#/$defs/d0' });
  exponential('x', new ValidationBudget(100)); // warm, as in a running gateway
  let verdict: unknown;
  const lag = await maxEventLoopLagMs(() => {
    verdict = exponential('x', budget());
  });
  expect(verdict).toEqual({ result: 'over-budget' });
  expect(lag).toBeLessThan(100);
});

test('checks sharing a budget stop once it is spent', () => {
  const shared = new ValidationBudget(100);
  const list = compileJsonSchema({ type: 'array', items: { type: 'integer' } });
  expect(list([1, 2, 3], shared)).toEqual({ result: 'valid' });
  expect(
    list(
      Array.from({ length: 200 }, () => 1),
      shared,
    ),
  ).toEqual({ result: 'over-budget' });
  expect(shared.spent).toBe(true);
});

test('patterns are charged for the text they scan', () => {
  const pattern = compileJsonSchema({ type: 'string', pattern: '^[a-z]+$' });
  expect(pattern('abc', new ValidationBudget(10))).toEqual({ result: 'valid' });
  expect(pattern('a'.repeat(1_000), new ValidationBudget(10))).toEqual({
    result: 'over-budget',
  });
});

test('references must point at schemas of the same document', () => {
  expect(() => compileJsonSchema({ default: { type: 'string' }, $ref: '#/default' })).toThrow(
    /must point at a schema in this document/,
  );
  expect(() => compileJsonSchema({ $ref: 'https://example.com/schema.json' })).toThrow(
    /must point at a schema in this document/,
  );
  expect(() => compileJsonSchema({ properties: { a: { $id: 'other', type: 'string' } } })).toThrow(
    /\$id is only supported on the root schema/,
  );
  const tree = compileJsonSchema({
    type: 'object',
    properties: { children: { type: 'array', items: { $ref: '#' } } },
  });
  expect(tree({ children: [{ children: [] }, {}] }, budget())).toEqual({ result: 'valid' });
  expect(tree({ children: [1] }, budget())).toMatchObject({ result: 'invalid' });
  const escaped = compileJsonSchema({
    $defs: { 'a/b': { type: 'string' } },
    properties: { x: { $ref: '#/$defs/a~1b' } },
  });
  expect(escaped({ x: 1 }, budget())).toMatchObject({ result: 'invalid' });
});

test('nesting deep enough to exhaust the stack is a verdict, not a crash', () => {
  const nested = compileJsonSchema({
    $ref: '#/$defs/a',
    $defs: { a: { items: { $ref: '#/$defs/a' } } },
  });
  let value: unknown = 1;
  for (let level = 0; level < 50_000; level += 1) value = [value];
  const verdict = nested(value, new ValidationBudget(Number.MAX_SAFE_INTEGER));
  expect(verdict).toEqual({ result: 'not-validated', reason: 'RangeError' });
});
