import type { ErrorCode } from '@sluice/protocol';
import { expect, test } from 'vitest';
import { errorGuard, SluiceError } from './sluice-error.ts';

class ParentError extends SluiceError {
  static override readonly isInstance = errorGuard<ParentError>('ParentError');
  override readonly name: string = 'ParentError';
  readonly code: ErrorCode = 'SLUICE_ERR_INVALID_REQUEST';
}
class ChildError extends ParentError {
  static override readonly isInstance = errorGuard<ChildError>('ChildError');
  override readonly name: string = 'ChildError';
  override readonly code: ErrorCode = 'SLUICE_ERR_STREAM_NOT_FOUND';
}
class OtherError extends SluiceError {
  static override readonly isInstance = errorGuard<OtherError>('OtherError');
  override readonly name = 'OtherError';
  readonly code = 'SLUICE_ERR_UPSTREAM_ERROR' as const;
}

test('isInstance recognises the class and its parents, not siblings or plain values', () => {
  const child = new ChildError('missing');
  expect(ChildError.isInstance(child)).toBe(true);
  expect(ParentError.isInstance(child)).toBe(true);
  expect(SluiceError.isInstance(child)).toBe(true);
  expect(OtherError.isInstance(child)).toBe(false);
  expect(ChildError.isInstance(new ParentError('bad'))).toBe(false);
  expect(ChildError.isInstance({ name: 'ChildError' })).toBe(false);
  expect(SluiceError.isInstance(new Error('plain'))).toBe(false);
  expect(ChildError.isInstance(null)).toBe(false);
  // Unbound, as a callback.
  expect([child].filter(ParentError.isInstance)).toHaveLength(1);
});

test('status and retryability come from the catalogue code unless the instance says', () => {
  expect(new ChildError('missing')).toMatchObject({
    code: 'SLUICE_ERR_STREAM_NOT_FOUND',
    status: 404,
    retryable: false,
    message: 'missing',
  });
  expect(new OtherError('upstream')).toMatchObject({ status: 502, retryable: true });
  expect(new OtherError('bad request upstream', { retryable: false }).retryable).toBe(false);
});
