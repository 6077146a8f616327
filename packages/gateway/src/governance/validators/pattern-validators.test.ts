import { describe, expect, it } from 'vitest';
import { createForbiddenPatternValidator } from './forbidden-pattern-validator.ts';
import { createRequiredPatternValidator } from './required-pattern-validator.ts';
import { validationContext } from './validation-context-fixture.ts';

describe('required pattern validator', () => {
  const validator = createRequiredPatternValidator({
    name: 'disclaimer',
    pattern: 'not financial advice',
    caseInsensitive: true,
    onFail: 'flag',
  });

  it('passes when the pattern occurs', async () => {
    const result = await validator.validate('This is Not Financial Advice.', validationContext());
    expect(result).toEqual({ name: 'required-pattern:disclaimer', passed: true });
  });

  it('fails when it does not, naming the rule', async () => {
    expect(await validator.validate('Buy now.', validationContext())).toEqual({
      name: 'required-pattern:disclaimer',
      passed: false,
      detail: 'required pattern "disclaimer" not found',
    });
  });
});

describe('forbidden pattern validator', () => {
  const validator = createForbiddenPatternValidator({
    name: 'ssn',
    pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b',
    caseInsensitive: false,
    onFail: 'reject',
  });

  it('passes text without the pattern', async () => {
    const result = await validator.validate('call 555-0100', validationContext());
    expect(result).toEqual({ name: 'forbidden-pattern:ssn', passed: true });
  });

  it('fails with a count and never the matched text', async () => {
    const result = await validator.validate(
      'mine is 123-45-6789 and hers 987-65-4321',
      validationContext(),
    );
    expect(result).toEqual({
      name: 'forbidden-pattern:ssn',
      passed: false,
      detail: 'forbidden pattern "ssn" matched 2 times',
    });
    expect(JSON.stringify(result)).not.toMatch(/\d{3}-\d{2}/);
  });

  it('is case sensitive unless asked otherwise', async () => {
    const word = createForbiddenPatternValidator({
      name: 'word',
      pattern: 'swordfish',
      caseInsensitive: false,
      onFail: 'reject',
    });
    expect((await word.validate('SWORDFISH', validationContext())).passed).toBe(true);
  });
});
