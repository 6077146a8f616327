import { expect, test } from 'vitest';
import { errorGuard, SluiceError } from './sluice-error.ts';

class ParentError extends SluiceError {
  static readonly isInstance = errorGuard<ParentError>('ParentError');
  override readonly name: string = 'ParentError';
  readonly status: number = 400;
}
class ChildError extends ParentError {
  static override readonly isInstance = errorGuard<ChildError>('ChildError');
  override readonly name: string = 'ChildError';
  override readonly status: number = 404;
}
class OtherError extends SluiceError {
  static readonly isInstance = errorGuard<OtherError>('OtherError');
  override readonly name = 'OtherError';
  readonly status = 409;
}

test('isInstance recognises the class and its parents, not siblings or plain values', () => {
  const child = new ChildError('missing');
  expect(ChildError.isInstance(child)).toBe(true);
  expect(ParentError.isInstance(child)).toBe(true);
  expect(OtherError.isInstance(child)).toBe(false);
  expect(ChildError.isInstance(new ParentError('bad'))).toBe(false);
  expect(ChildError.isInstance({ name: 'ChildError' })).toBe(false);
  expect(ChildError.isInstance(null)).toBe(false);
  // Unbound, as a callback.
  expect([child].filter(ParentError.isInstance)).toHaveLength(1);
  expect(child).toMatchObject({ status: 404, retryable: false, message: 'missing' });
});
