import { describe, expect, test } from 'vitest';
import { compileGuardrails, guardrailsPolicySchema } from './guardrails-policy.ts';
import { redactText } from './redact-text.ts';

const guardrails = compileGuardrails(guardrailsPolicySchema.parse({}));
const redact = (text: string) => redactText(guardrails.redactors, text).text;

describe('built-in detectors', () => {
  test.each([
    ['email', 'write to john.doe+news@mail.example.co.uk today', 'write to [EMAIL] today'],
    ['email at sentence end', 'ask a@b.co.', 'ask [EMAIL].'],
    ['international phone', 'call +1 555 123 4567 now', 'call [PHONE] now'],
    ['NANP phone', 'call (555) 123-4567 or 555.123.4567', 'call [PHONE] or [PHONE]'],
    ['card with spaces', 'card 4111 1111 1111 1111.', 'card [CARD].'],
    ['card without spaces', 'card 5500005555555559', 'card [CARD]'],
    ['IBAN with spaces', 'IBAN DE89 3704 0044 0532 0130 00 ok', 'IBAN [IBAN] ok'],
    ['IBAN compact', 'GB82WEST12345698765432', '[IBAN]'],
    ['SSN', 'ssn 123-45-6789', 'ssn [SSN]'],
    ['IPv4', 'host 192.168.1.20:80', 'host [IP]:80'],
    ['IPv6', 'host 2001:db8::8a2e:370:7334 up', 'host [IP] up'],
    ['IPv6 with trailing colon', 'at fe80::1: down', 'at [IP]: down'],
    ['IPv6 loopback', 'bind ::1 only', 'bind [IP] only'],
    ['OpenAI key', 'key sk-proj-abcdefghijklmnopqrstuvwxyz0123', 'key [SECRET]'],
    ['Anthropic key', 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz', '[SECRET]'],
    ['AWS key', 'id AKIAIOSFODNN7EXAMPLE.', 'id [SECRET].'],
    ['GitHub token', `t ghp_${'a1B2'.repeat(9)} x`, 't [SECRET] x'],
    [
      'JWT',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      '[SECRET]',
    ],
    [
      'PEM block',
      'a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow+/=\nAbc==\n-----END RSA PRIVATE KEY-----\nb',
      'a\n[SECRET]\nb',
    ],
    ['truncated PEM block', '-----BEGIN PRIVATE KEY-----\nMIIEow', '[SECRET]'],
  ])('%s', (_, text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  test.each([
    ['card failing Luhn', 'card 4111 1111 1111 1112'],
    ['IBAN with a bad checksum', 'IBAN DE88 3704 0044 0532 0130 00'],
    ['IPv4 octet out of range', 'host 999.1.1.1'],
    ['IPv4 leading zero', 'v 01.2.3.4'],
    ['SSN area 000', 'ssn 000-12-3456'],
    ['SSN area 666', 'ssn 666-12-3456'],
    ['SSN area 9xx', 'ssn 912-12-3456'],
    ['SSN group 00', 'ssn 123-00-3456'],
    ['SSN serial 0000', 'ssn 123-45-0000'],
    ['time of day', 'at 12:30:45 sharp'],
    ['C++ scope', 'std::vector and Foo::bar'],
    ['short number', 'call 555-1234'],
    ['date', 'on 2024-01-15'],
    ['version', 'version 1.2.3'],
    ['short sk- word', 'sk-learn is a library'],
    ['email without a top-level domain', 'user@localhost'],
  ])('leaves %s alone', (_, text) => {
    expect(redact(text)).toBe(text);
  });
});
