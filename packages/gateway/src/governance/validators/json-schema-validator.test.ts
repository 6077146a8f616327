import { describe, expect, it } from 'vitest';
import { createJsonSchemaValidator } from './json-schema-validator.ts';
import { stripJsonFence } from './strip-json-fence.ts';
import { validationContext } from './validation-context-fixture.ts';
import { OVER_BUDGET_DETAIL } from './validation-limits.ts';

const validator = createJsonSchemaValidator({
  schema: {
    type: 'object',
    required: ['name', 'email'],
    properties: {
      name: { type: 'string', pattern: '^[A-Z]' },
      email: { type: 'string', format: 'email' },
      age: { type: 'integer', minimum: 0 },
    },
    additionalProperties: false,
  },
  onFail: 'reject',
});

describe('JSON Schema validator', () => {
  it('passes output that matches the schema', async () => {
    const text = JSON.stringify({ name: 'Ada', email: 'ada@example.com', age: 36 });
    expect(await validator.validate(text, validationContext())).toEqual({
      name: 'json-schema',
      passed: true,
    });
  });

  it('validates what is inside a ```json fence', async () => {
    const text = '```json\n{"name": "Ada", "email": "ada@example.com"}\n```\n';
    expect((await validator.validate(text, validationContext())).passed).toBe(true);
  });

  it('fails output that breaks the schema, naming the schema rule and not the value', async () => {
    const text = JSON.stringify({ name: 'Ada', email: 'secret-not-an-email' });
    const result = await validator.validate(text, validationContext());
    expect(result).toEqual({
      name: 'json-schema',
      passed: false,
      detail:
        'output does not match the schema: #/properties/email/format must match format "email"',
    });
    const pattern = await validator.validate(
      JSON.stringify({ name: 'ada', email: 'a@b.co' }),
      validationContext(),
    );
    expect(pattern.detail).toBe(
      'output does not match the schema: #/properties/name/pattern must match pattern "^[A-Z]"',
    );
  });

  it('fails garbage without quoting it', async () => {
    const result = await validator.validate('My SSN is 123-45-6789', validationContext());
    expect(result).toEqual({
      name: 'json-schema',
      passed: false,
      detail: 'output is not valid JSON',
    });
  });

  it('does not parse an answer over the size limit', async () => {
    const limited = createJsonSchemaValidator(
      { schema: { type: 'array' }, onFail: 'reject' },
      { maxOutputBytes: 100, maxSteps: 1_000 },
    );
    expect(await limited.validate(`[${'1,'.repeat(100)}1]`, validationContext())).toEqual({
      name: 'json-schema',
      passed: false,
      detail: 'output too large to validate: 203 bytes, more than the 100 this gateway validates',
    });
  });

  it('fails, with a reason, an answer that costs more than the budget', async () => {
    const limited = createJsonSchemaValidator(
      { schema: { type: 'array', items: { type: 'integer' } }, onFail: 'reject' },
      { maxOutputBytes: 1_000_000, maxSteps: 1_000 },
    );
    const text = JSON.stringify(Array.from({ length: 2_000 }, (_, index) => index));
    expect(await limited.validate(text, validationContext())).toEqual({
      name: 'json-schema',
      passed: false,
      detail: OVER_BUDGET_DETAIL,
    });
  });

  it('needs complete text', () => {
    expect(validator.needsCompleteText).toBe(true);
  });
});

describe('stripJsonFence', () => {
  it('strips a fence with or without an info string', () => {
    expect(stripJsonFence('```json\n{"a":1}\n```')).toBe('{"a":1}');
    expect(stripJsonFence('  ```\n[1]\n```  \n')).toBe('[1]');
    expect(stripJsonFence('```json\r\n{}\r\n```')).toBe('{}');
  });

  it('leaves anything else alone', () => {
    expect(stripJsonFence('{"a":1}')).toBe('{"a":1}');
    expect(stripJsonFence('Here: ```json\n{}\n```')).toBe('Here: ```json\n{}\n```');
    expect(stripJsonFence('```json {}```')).toBe('```json {}```');
    expect(stripJsonFence('```not json at all\n{}\n```')).toBe('```not json at all\n{}\n```');
  });
});
