import { describe, expect, it } from 'vitest';
import { createLengthValidator } from './length-validator.ts';
import { validationContext } from './validation-context-fixture.ts';

describe('length validator', () => {
  const validator = createLengthValidator({ minChars: 3, maxChars: 5, onFail: 'reject' });

  it('passes text within the bounds, counting code points', async () => {
    expect(await validator.validate('abcd', validationContext())).toEqual({
      name: 'length',
      passed: true,
    });
    // Five emoji are ten UTF-16 units but five characters.
    expect((await validator.validate('😀😀😀😀😀', validationContext())).passed).toBe(true);
  });

  it('fails text that is too short or too long, saying by how much', async () => {
    expect(await validator.validate('ab', validationContext())).toEqual({
      name: 'length',
      passed: false,
      detail: '2 characters; at least 3 required',
    });
    expect(await validator.validate('abcdef', validationContext())).toEqual({
      name: 'length',
      passed: false,
      detail: '6 characters; at most 5 allowed',
    });
  });

  it('needs complete text only when it has no upper bound', () => {
    expect(validator.needsCompleteText).toBe(false);
    expect(createLengthValidator({ minChars: 1, onFail: 'flag' }).needsCompleteText).toBe(true);
  });
});
