/**
 * When the gateway may run without keys: loopback addresses only, whatever their
 * spelling; a public interface without keys refuses with a message saying what to do.
 */
import { describe, expect, test } from 'vitest';
import {
  assertSafeBinding,
  isLoopbackHost,
  resolveOpenMode,
  UnsafeBindingError,
} from './open-mode.ts';

const LOOPBACK = [
  '127.0.0.1',
  '127.1.2.3',
  '127.255.255.254',
  'localhost',
  'LOCALHOST',
  '::1',
  '[::1]',
  '0:0:0:0:0:0:0:1',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
];
const PUBLIC = [
  '0.0.0.0',
  '::',
  '[::]',
  '192.168.1.10',
  '10.0.0.1',
  '128.0.0.1',
  '::2',
  '::ffff:10.0.0.1',
  '::1%lo',
  'example.com',
  'localhost.example.com',
  '127.0.0.1.nip.io',
  '',
];

describe('isLoopbackHost', () => {
  test.each(LOOPBACK)('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  test.each(PUBLIC)('%j is not loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('assertSafeBinding', () => {
  test('loopback without keys is allowed', () => {
    for (const host of LOOPBACK) {
      expect(() => assertSafeBinding({ host, keysConfigured: false })).not.toThrow();
    }
  });

  test('any interface with keys is allowed', () => {
    for (const host of [...LOOPBACK, ...PUBLIC]) {
      expect(() => assertSafeBinding({ host, keysConfigured: true })).not.toThrow();
    }
  });

  test('a public interface without keys refuses with a clear message', () => {
    const error = (() => {
      try {
        assertSafeBinding({ host: '0.0.0.0', keysConfigured: false });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(UnsafeBindingError.isInstance(error)).toBe(true);
    expect((error as UnsafeBindingError).retryable).toBe(false);
    expect((error as Error).message).toMatch(/^Refusing to listen on 0\.0\.0\.0: no API keys/);
    expect((error as Error).message).toContain('sluice keys create');
    for (const host of PUBLIC) {
      expect(() => assertSafeBinding({ host, keysConfigured: false })).toThrow(
        expect.toSatisfy(UnsafeBindingError.isInstance),
      );
    }
  });
});

describe('resolveOpenMode', () => {
  test('auto is open exactly when no key exists', () => {
    expect(resolveOpenMode({ mode: 'auto', host: '127.0.0.1', keysConfigured: false })).toBe(true);
    expect(resolveOpenMode({ mode: 'auto', host: '127.0.0.1', keysConfigured: true })).toBe(false);
    expect(resolveOpenMode({ mode: 'auto', host: '0.0.0.0', keysConfigured: true })).toBe(false);
    expect(() => resolveOpenMode({ mode: 'auto', host: '0.0.0.0', keysConfigured: false })).toThrow(
      /Refusing/,
    );
  });

  test('auto stays in keys mode once a key was ever created, even with all revoked', () => {
    const revokedAll = { mode: 'auto', keysConfigured: false, keysEverCreated: true } as const;
    expect(resolveOpenMode({ ...revokedAll, host: '127.0.0.1' })).toBe(false);
    expect(resolveOpenMode({ ...revokedAll, mode: 'open', host: '127.0.0.1' })).toBe(true);
    expect(() => resolveOpenMode({ ...revokedAll, host: '0.0.0.0' })).toThrow(/Refusing/);
  });

  test('keys always asks for keys, and still refuses a public interface without any', () => {
    expect(resolveOpenMode({ mode: 'keys', host: '127.0.0.1', keysConfigured: false })).toBe(false);
    expect(resolveOpenMode({ mode: 'keys', host: '0.0.0.0', keysConfigured: true })).toBe(false);
    expect(() => resolveOpenMode({ mode: 'keys', host: '0.0.0.0', keysConfigured: false })).toThrow(
      /Refusing/,
    );
  });

  test('open is loopback only, even when keys exist', () => {
    expect(resolveOpenMode({ mode: 'open', host: '::1', keysConfigured: true })).toBe(true);
    expect(() => resolveOpenMode({ mode: 'open', host: '0.0.0.0', keysConfigured: true })).toThrow(
      /auth\.mode is "open"/,
    );
  });
});
