/**
 * Verification of candidate matches that a regular expression cannot express: checksums
 * and validity rules. Each returns how much of the candidate is the entity (its length),
 * or 0 to reject it, so a detector may trim a greedy over-match instead of dropping it.
 */
import { isIPv6 } from 'node:net';

function digitsOf(value: string): string {
  return value.replace(/\D/g, '');
}

/** The Luhn checksum used by payment card numbers. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * The longest prefix of `value` that ends where a run of letters and digits ends and that
 * `accept` takes. A greedy pattern may run into a following number (`card 4111… 12`); the
 * entity is still redacted, and the extra digits stay.
 */
function longestAccepted(value: string, accept: (prefix: string) => boolean): number {
  for (let end = value.length; end > 0; end -= 1) {
    const last = value.charCodeAt(end - 1);
    const next = value.charCodeAt(end);
    const endsRun = end === value.length || !isAlphanumeric(next);
    if (isAlphanumeric(last) && endsRun && accept(value.slice(0, end))) return end;
  }
  return 0;
}

function isAlphanumeric(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

export function checkCard(value: string): number {
  return longestAccepted(value, (prefix) => {
    const digits = digitsOf(prefix);
    return digits.length >= 13 && digits.length <= 19 && passesLuhn(digits);
  });
}

/** ISO 13616: move the first four characters to the end, letters to numbers, mod 97 = 1. */
export function passesIbanChecksum(iban: string): boolean {
  const compact = iban.replace(/ /g, '').toUpperCase();
  if (compact.length < 15 || compact.length > 34) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const code = character.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = (remainder * (value > 9 ? 100 : 10) + value) % 97;
  }
  return remainder === 1;
}

export function checkIban(value: string): number {
  return longestAccepted(value, passesIbanChecksum);
}

/** SSA rules: no area 000, 666 or 900–999, no group 00, no serial 0000. */
export function checkSocialSecurityNumber(value: string): number {
  const [area = '', group = '', serial = ''] = value.split('-');
  const areaNumber = Number(area);
  if (areaNumber === 0 || areaNumber === 666 || areaNumber >= 900) return 0;
  if (group === '00' || serial === '0000') return 0;
  return value.length;
}

export function checkIpv4(value: string): number {
  const octets = value.split('.');
  const valid = octets.every(
    (octet) => Number(octet) <= 255 && (octet.length === 1 || !octet.startsWith('0')),
  );
  return valid ? value.length : 0;
}

/** A trailing colon is usually prose punctuation (`fe80::1:`), not part of the address. */
export function checkIpv6(value: string): number {
  if (isIPv6(value)) return value.length;
  if (value.endsWith(':') && !value.endsWith('::') && isIPv6(value.slice(0, -1))) {
    return value.length - 1;
  }
  return 0;
}

/** E.164 allows at most 15 digits; fewer than 7 is not a phone number. */
export function checkPhone(value: string): number {
  return longestAccepted(value, (prefix) => {
    const count = digitsOf(prefix).length;
    return count >= 7 && count <= 15;
  });
}

export function acceptAll(value: string): number {
  return value.length;
}
