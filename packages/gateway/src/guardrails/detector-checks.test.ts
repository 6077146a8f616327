import { describe, expect, test } from 'vitest';
import {
  checkIpv4,
  checkIpv6,
  checkPhone,
  checkSocialSecurityNumber,
  passesIbanChecksum,
  passesLuhn,
} from './detector-checks.ts';

describe('detector checks', () => {
  test('Luhn', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('79927398713')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
    expect(passesLuhn('')).toBe(false);
  });

  test('IBAN mod 97', () => {
    expect(passesIbanChecksum('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(passesIbanChecksum('GB82WEST12345698765432')).toBe(true);
    expect(passesIbanChecksum('GB83WEST12345698765432')).toBe(false);
    expect(passesIbanChecksum('DE89')).toBe(false);
  });

  test('SSN validity', () => {
    expect(checkSocialSecurityNumber('123-45-6789')).toBe(11);
    expect(checkSocialSecurityNumber('000-45-6789')).toBe(0);
    expect(checkSocialSecurityNumber('123-45-0000')).toBe(0);
  });

  test('IP addresses', () => {
    expect(checkIpv4('255.255.255.255')).toBe(15);
    expect(checkIpv4('256.1.1.1')).toBe(0);
    expect(checkIpv6('fe80::1')).toBe(7);
    expect(checkIpv6('fe80::1:')).toBe(7);
    expect(checkIpv6('12:30:45')).toBe(0);
  });

  test('phone digit count', () => {
    expect(checkPhone('+1 555 123 4567')).toBe(15);
    expect(checkPhone('+1 23')).toBe(0);
    expect(checkPhone('+1234567890123456')).toBe(0);
  });
});
