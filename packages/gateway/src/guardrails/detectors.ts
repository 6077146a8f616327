/**
 * The built-in detectors, as data: a pattern in RE2 syntax (run by the streaming matcher,
 * so how far back a match can start is known from its live threads, not from a fixed
 * maximum length), a check for what patterns cannot express (checksums, ranges), and a
 * partial mask that never reveals the whole value. Unbounded repetitions are deliberate:
 * they keep the matcher's thread count small, and the holdback cap bounds any match.
 */
import {
  acceptAll,
  checkCard,
  checkIban,
  checkIpv4,
  checkIpv6,
  checkPhone,
  checkSocialSecurityNumber,
} from './detector-checks.ts';

export const BUILT_IN_KINDS = ['email', 'phone', 'card', 'iban', 'ssn', 'ip', 'secret'] as const;
export type BuiltInKind = (typeof BUILT_IN_KINDS)[number];

export interface DetectorDefinition {
  readonly kind: string;
  /** The replacement in `label` mode, e.g. `[EMAIL]`. */
  readonly label: string;
  readonly pattern: string;
  readonly caseInsensitive?: boolean;
  /** The length of the entity at the start of the candidate, or 0 to reject it. */
  readonly check: (value: string) => number;
  readonly mask: (value: string) => string;
}

/** Every character but the last `keep` alphanumerics becomes `*`, keeping separators. */
function maskAllBut(value: string, keep: number): string {
  let kept = 0;
  const characters = [...value];
  for (let index = characters.length - 1; index >= 0; index -= 1) {
    const character = characters[index] as string;
    if (!/[A-Za-z0-9]/.test(character)) continue;
    if (kept < keep) kept += 1;
    else characters[index] = '*';
  }
  return characters.join('');
}

function maskEmail(value: string): string {
  const at = value.indexOf('@');
  return `${value.slice(0, 1)}***${value.slice(at)}`;
}

function maskIp(value: string): string {
  if (value.includes(':')) return `${value.split(':')[0] ?? ''}:****`;
  return `${value.split('.')[0] ?? ''}.*.*.*`;
}

const HEX = '[0-9A-Fa-f]';
const IPV4 = '\\d{1,3}(?:\\.\\d{1,3}){3}';

export const BUILT_IN_DETECTORS: Readonly<Record<BuiltInKind, DetectorDefinition>> = {
  email: {
    kind: 'email',
    label: '[EMAIL]',
    pattern: '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,24}\\b',
    check: acceptAll,
    mask: maskEmail,
  },
  phone: {
    kind: 'phone',
    label: '[PHONE]',
    pattern:
      '\\+\\d{1,3}[ .-]?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{1,4}(?:[ .-]?\\d{1,4}){1,4}\\b' +
      '|(?:\\(\\d{3}\\) ?|\\b\\d{3}[.-])\\d{3}[.-]\\d{4}\\b',
    check: checkPhone,
    mask: (value) => maskAllBut(value, 2),
  },
  card: {
    kind: 'card',
    label: '[CARD]',
    pattern: '\\b\\d(?:[ -]?\\d){12,18}\\b',
    check: checkCard,
    mask: (value) => `****${value.replace(/\D/g, '').slice(-4)}`,
  },
  iban: {
    kind: 'iban',
    label: '[IBAN]',
    pattern: '\\b[A-Z]{2}\\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\\b',
    check: checkIban,
    mask: (value) => `${value.slice(0, 2)}****${value.replace(/ /g, '').slice(-4)}`,
  },
  ssn: {
    kind: 'ssn',
    label: '[SSN]',
    pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b',
    check: checkSocialSecurityNumber,
    mask: (value) => `***-**-${value.slice(-4)}`,
  },
  ip: {
    kind: 'ip',
    label: '[IP]',
    pattern:
      `\\b${IPV4}\\b` + `|(?:\\b${HEX}{1,4}:|::)(?:${HEX}{0,4}:){0,6}(?:${IPV4}|${HEX}{1,4})\\b`,
    check: (value) => (value.includes(':') ? checkIpv6(value) : checkIpv4(value)),
    mask: maskIp,
  },
  secret: {
    kind: 'secret',
    label: '[SECRET]',
    pattern: [
      // OpenAI (sk-, sk-proj-) and Anthropic (sk-ant-) API keys.
      '\\bsk-[A-Za-z0-9_-]{20,}',
      // AWS access key ids.
      '\\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\\b',
      // GitHub tokens, classic and fine-grained.
      '\\bgh[pousr]_[A-Za-z0-9]{36,}',
      '\\bgithub_pat_[A-Za-z0-9_]{22,}',
      // JSON Web Tokens: header and payload are base64url JSON objects.
      '\\beyJ[A-Za-z0-9_-]+\\.eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+',
      // PEM private keys. The body stops at `--` so the footer ends it; without a footer
      // (a truncated key) the rest of the base64-looking text is still redacted.
      '-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[A-Za-z0-9+/=\\s:,.]|-[A-Za-z0-9])*' +
        '(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----)?',
    ].join('|'),
    check: acceptAll,
    mask: (value) => `****${value.slice(-4)}`,
  },
};
