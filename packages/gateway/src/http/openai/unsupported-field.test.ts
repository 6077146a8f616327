import { describe, expect, it } from 'vitest';
import { openAiFieldPath } from './openai-field-path.ts';
import { unsupportedFieldError, unsupportedOptionsError } from './unsupported-field.ts';

describe('unsupported field errors', () => {
  it('name the field, the provider and the reason', () => {
    const error = unsupportedFieldError('n', 'one choice only', 'anthropic');
    expect(error.code).toBe('SLUICE_ERR_UNSUPPORTED_FIELD');
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe("n: not supported for provider 'anthropic': one choice only");
  });

  it("name every option a model refused, by the caller's OpenAI paths", () => {
    const error = unsupportedOptionsError(
      'anthropic',
      [
        { field: 'seed', reason: 'The Messages API has no seed parameter' },
        { field: 'messages.1.content.0.detail' },
      ],
      (field) => openAiFieldPath(field),
    );
    expect(error.code).toBe('SLUICE_ERR_UNSUPPORTED_FIELD');
    expect(error.message).toBe(
      "seed: not supported for provider 'anthropic': The Messages API has no seed parameter; " +
        "messages.1.content.0.image_url.detail: not supported for provider 'anthropic': the model cannot carry it",
    );
  });
});
