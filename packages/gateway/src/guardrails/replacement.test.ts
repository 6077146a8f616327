import { describe, expect, test } from 'vitest';
import { compileGuardrails, guardrailsPolicySchema } from './guardrails-policy.ts';
import { redactText } from './redact-text.ts';
import { keyedHash } from './replacement.ts';

function redactWith(replacement: 'mask' | 'hash', text: string): string {
  const detectors = Object.fromEntries(
    ['email', 'phone', 'card', 'iban', 'ssn', 'ip', 'secret'].map((kind) => [
      kind,
      { replacement },
    ]),
  );
  const policy = guardrailsPolicySchema.parse({ redaction: { detectors } });
  return redactText(compileGuardrails(policy, { hashKey: 'test-key' }).redactors, text).text;
}

describe('replacement modes', () => {
  test.each([
    ['john@example.com', 'j***@example.com'],
    ['4111 1111 1111 1111', '****1111'],
    ['DE89 3704 0044 0532 0130 00', 'DE****3000'],
    ['123-45-6789', '***-**-6789'],
    ['+1 555 123 4567', '+* *** *** **67'],
    ['192.168.1.20', '192.*.*.*'],
    ['2001:db8::1', '2001:****'],
    ['sk-proj-abcdefghijklmnopqrstuvwxyz0123', '****0123'],
  ])('mask %s', (value, masked) => {
    const output = redactWith('mask', `x ${value} y`);
    expect(output).toBe(`x ${masked} y`);
    expect(output).not.toContain(value);
  });

  test('keyed hash is stable per key and value, and never the value', () => {
    const output = redactWith('hash', 'a john@example.com b john@example.com');
    const hash = keyedHash('test-key', 'john@example.com');
    expect(hash).toMatch(/^[0-9a-f]{12}$/);
    expect(output).toBe(`a [EMAIL:${hash}] b [EMAIL:${hash}]`);
    expect(keyedHash('other-key', 'john@example.com')).not.toBe(hash);
  });

  test('custom kinds are labelled by name', () => {
    const policy = guardrailsPolicySchema.parse({
      redaction: {
        customPatterns: [{ name: 'employee-id', pattern: 'EMP-\\d{6}' }],
        terms: [{ name: 'codename', terms: ['Project Falcon'], replacement: 'mask' }],
      },
    });
    const { redactors } = compileGuardrails(policy);
    expect(redactText(redactors, 'EMP-123456 on project falcon.').text).toBe(
      '[EMPLOYEE-ID] on p*************.',
    );
  });
});
