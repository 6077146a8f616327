/**
 * Shared fast-check material for the guardrails' property tests: planted entities of every
 * built-in kind (each one the detectors must catch), harmless words that look a little like
 * them, separators, and a way to cut a text into fragments at arbitrary points.
 */
import fc from 'fast-check';
import {
  compileGuardrails,
  type GuardrailsPolicyInput,
  guardrailsPolicySchema,
} from '../guardrails-policy.ts';

/** Compiled guardrails of a policy, with a fixed key for `hash` replacement. */
export function guardrailsOf(policy: GuardrailsPolicyInput = {}) {
  return compileGuardrails(guardrailsPolicySchema.parse(policy), { hashKey: 'test-key' });
}

/** A policy using every replacement mode, custom patterns and term lists. */
export const MASKED_POLICY: GuardrailsPolicyInput = {
  redaction: {
    detectors: {
      email: { replacement: 'mask' },
      card: { replacement: 'hash' },
      secret: { replacement: 'mask' },
    },
    customPatterns: [{ name: 'ticket', pattern: 'TICKET-\\d+' }],
    terms: [{ name: 'codename', terms: ['project falcon', 'bluebird'] }],
  },
};

/** Cuts `text` at the given points (taken modulo its length); empty pieces included. */
export function chunk(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let previous = 0;
  for (const point of points) {
    pieces.push(text.slice(previous, point));
    previous = point;
  }
  pieces.push(text.slice(previous));
  return pieces;
}

export const digits = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: length, maxLength: length });
export const alphanumeric = (length: number) =>
  fc.string({
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'),
    minLength: length,
    maxLength: length,
  });

export function luhnComplete(body: string): string {
  for (let check = 0; check <= 9; check += 1) {
    const candidate = `${body}${check}`;
    let sum = 0;
    [...candidate].reverse().forEach((digit, index) => {
      let value = Number(digit);
      if (index % 2 === 1) value = value * 2 > 9 ? value * 2 - 9 : value * 2;
      sum += value;
    });
    if (sum % 10 === 0) return candidate;
  }
  return body;
}

/** One value of a built-in kind, as the detectors must catch it. */
export const entity = fc.oneof(
  fc
    .tuple(
      fc.string({ unit: fc.constantFrom(...'abcxyz019_'), minLength: 1, maxLength: 8 }),
      fc.constantFrom('example', 'mail.corp', 'b'),
      fc.constantFrom('com', 'io', 'co', 'museum'),
    )
    .map(([local, domain, tld]) => `${local}@${domain}.${tld}`),
  fc
    .tuple(fc.constantFrom('+1 ', '+44 ', '+1-'), digits(3), digits(3), digits(4))
    .map(([country, area, exchange, line]) => `${country}${area} ${exchange} ${line}`),
  fc.tuple(digits(3), digits(3), digits(4)).map(([a, b, c]) => `(${a}) ${b}-${c}`),
  fc
    .tuple(fc.constantFrom('4', '51', '37'), digits(14), fc.boolean())
    .map(([prefix, body, spaced]) => {
      const number = luhnComplete((prefix + body).slice(0, 15));
      return spaced ? (number.match(/.{1,4}/g) ?? []).join(' ') : number;
    }),
  fc.constantFrom(
    'DE89 3704 0044 0532 0130 00',
    'GB82WEST12345698765432',
    'FR1420041010050500013M02606',
    'NO9386011117947',
  ),
  fc
    .tuple(
      fc.integer({ min: 1, max: 665 }),
      fc.integer({ min: 1, max: 99 }),
      fc.integer({ min: 1, max: 9999 }),
    )
    .map(
      ([area, group, serial]) =>
        `${String(area).padStart(3, '0')}-${String(group).padStart(2, '0')}-${String(serial).padStart(4, '0')}`,
    ),
  fc
    .tuple(...[0, 1, 2, 3].map(() => fc.integer({ min: 0, max: 255 })))
    .map((octets) => octets.join('.')),
  fc.constantFrom(
    '2001:db8::8a2e:370:7334',
    'fe80::1',
    '::1',
    '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
  ),
  alphanumeric(28).map((body) => `sk-proj-${body}`),
  alphanumeric(30).map((body) => `sk-ant-api03-${body}`),
  fc
    .string({
      unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'),
      minLength: 16,
      maxLength: 16,
    })
    .map((body) => `AKIA${body}`),
  alphanumeric(36).map((body) => `ghp_${body}`),
  fc
    .tuple(alphanumeric(12), alphanumeric(16), alphanumeric(20))
    .map(([a, b, c]) => `eyJ${a}.eyJ${b}.${c}`),
  alphanumeric(40).map(
    (body) => `-----BEGIN PRIVATE KEY-----\n${body}\n${body}==\n-----END PRIVATE KEY-----`,
  ),
);

/** Words and symbols that come close to entities without being one. */
export const fragment = fc.constantFrom(
  'the',
  'model',
  'said',
  'hello',
  'cafe',
  'be',
  'a',
  'add',
  'face',
  'dead',
  '2024',
  '12',
  '3.14',
  'v1.2.3',
  'sk',
  'at',
  'AKIA',
  'eyJ',
  'BEGIN',
  'ab:cd',
  '10:30',
  'Note:',
  'x',
  'café',
  'naïve',
  '😀',
  'DE',
  'email',
  'phone',
  '-',
  '...',
  '+',
);
export const separator = fc.constantFrom(' ', ', ', '. ', '\n', ' (', ') ', '; ', ' and ');

/** Words and entities, each followed by a separator; `planted` lists the entities. */
export function plantedText(options: { minParts: number; maxParts: number }) {
  return fc
    .array(
      fc.tuple(
        fc.oneof(
          fragment,
          entity.map((value) => ({ value })),
        ),
        separator,
      ),
      { minLength: options.minParts, maxLength: options.maxParts },
    )
    .map((parts) => {
      const planted: string[] = [];
      const text = parts
        .map(([part, after]) => {
          if (typeof part === 'string') return part + after;
          planted.push(part.value);
          return part.value + after;
        })
        .join('');
      return { text, planted };
    });
}
