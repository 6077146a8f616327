/**
 * A ready-made `ValidationContext` for tests of validators and the finalizer.
 */
import type { ValidationContext } from './validator.ts';

export function validationContext(overrides: Partial<ValidationContext> = {}): ValidationContext {
  return {
    generationId: 'gen_test',
    model: 'simulator',
    provider: 'simulator',
    policyVersion: 'v1',
    contentSha256: '0'.repeat(64),
    finishReason: 'stop',
    ...overrides,
  };
}
