import { describe, expect, test } from 'vitest';
import { countArgumentDetections, SCAN_SLICE_CHARS } from './count-argument-detections.ts';
import type { Guardrails } from './guardrails.ts';
import {
  compileGuardrails,
  type GuardrailsPolicyInput,
  guardrailsPolicySchema,
} from './guardrails-policy.ts';
import {
  type ArgumentsOutput,
  type ArgumentsRedactionMode,
  JsonArgumentsRedactor,
} from './json-arguments-redactor.ts';
import { maxEventLoopLagMs } from './testing/event-loop-lag-probe.ts';

function guardrailsOf(policy: GuardrailsPolicyInput = {}) {
  return compileGuardrails(guardrailsPolicySchema.parse(policy), { hashKey: 'test-key' });
}

const guardrails = guardrailsOf();

function redact(
  pieces: readonly string[],
  policy: Guardrails = guardrails,
  mode: ArgumentsRedactionMode = 'redact',
) {
  const redactor = new JsonArgumentsRedactor(policy, mode);
  const outputs: ArgumentsOutput[] = pieces.map((piece) => redactor.push(piece));
  const end = redactor.end();
  outputs.push(end);
  return { outputs, text: outputs.map((output) => output.text).join(''), valid: end.valid };
}

describe('JsonArgumentsRedactor', () => {
  test('an e-mail split inside a \\u escape is caught and never partly released', () => {
    const { outputs, valid } = redact(['{"to": "jo', 'hn\\u00', '40exa', 'mple.com", "n": 1}']);
    expect(outputs.map((output) => output.text)).toEqual([
      '{"to": "',
      '',
      '',
      '[EMAIL]", "n": 1}',
      '',
    ]);
    expect(outputs[3]?.redactions).toEqual([{ kind: 'email', count: 1 }]);
    expect(valid).toBe(true);
  });

  test('ordinary string text is held back by at most the word in progress', () => {
    const redactor = new JsonArgumentsRedactor(guardrails);
    expect(redactor.push('{"city": "Paris", "country": "Fra').text).toBe(
      '{"city": "Paris", "country": "',
    );
    expect(redactor.holdbackChars).toBe(3);
    expect(redactor.end().text).toBe('Fra');
  });

  test('every split of escaped surrogate pairs and accents gives the same text', () => {
    const input = '{"k": "\\ud83d\\ude00 caf\\u00e9 \\ud83d"}';
    for (let cut = 0; cut <= input.length; cut += 1) {
      const { text, valid } = redact([input.slice(0, cut), input.slice(cut)]);
      expect(text).toBe('{"k": "😀 café \\ud83d"}');
      expect(valid).toBe(true);
    }
  });

  test('keys are redacted too', () => {
    expect(redact(['{"alice@example.com": "x"}']).text).toBe('{"[EMAIL]": "x"}');
  });

  test('a card number written as a number becomes a string of its replacement', () => {
    const { text, outputs } = redact(['{"card": 4111111111111111, "amount": -12.5e3}']);
    expect(text).toBe('{"card": "[CARD]", "amount": -12.5e3}');
    expect(outputs.flatMap((output) => output.redactions)).toEqual([{ kind: 'card', count: 1 }]);
  });

  test('replacements are re-encoded, so the arguments stay valid JSON', () => {
    const policy = guardrailsOf({
      redaction: { customPatterns: [{ name: 'quoted', pattern: '"[a-z]+"', replacement: 'mask' }] },
    });
    const { text, valid } = redact(['{"q": "say \\"hello\\" now"}'], policy);
    expect(text).toBe('{"q": "say \\"****** now"}');
    expect(JSON.parse(text)).toEqual({ q: 'say "****** now' });
    expect(valid).toBe(true);
  });

  test('pseudo-JSON falls back to plain-text redaction from where it stops being JSON', () => {
    const { text, valid } = redact(["{'to': 'call +1 415 555 2671', 'cc': 'a@b.io'}"]);
    expect(text).toBe("{'to': 'call [PHONE]', 'cc': '[EMAIL]'}");
    expect(valid).toBe(false);
  });

  test('cut-off arguments come out as they came, redacted, and are reported invalid', () => {
    expect(redact(['{"city": "Par'])).toMatchObject({ text: '{"city": "Par', valid: false });
    expect(redact(['{"to": "a@b.com'])).toMatchObject({ text: '{"to": "[EMAIL]', valid: false });
    expect(redact(['{"to": "x\\u00'])).toMatchObject({ text: '{"to": "x\\\\u00', valid: false });
    expect(redact([''])).toMatchObject({ text: '', valid: false });
  });

  test('strings JSON does not allow are kept leniently and reported invalid', () => {
    const { text, valid } = redact(['{"a": "x\\qy", "b": "line\n"}']);
    expect(JSON.parse(text)).toEqual({ a: 'x\\qy', b: 'line\n' });
    expect(valid).toBe(false);
  });

  test('a bare token longer than the holdback cap is held no longer than text would be', () => {
    const input = `[${'1'.repeat(100)}]`;
    const strict = new JsonArgumentsRedactor(guardrailsOf({ redaction: { holdbackMaxChars: 64 } }));
    expect(strict.push(input)).toMatchObject({ text: '[', overflow: 'failed-closed' });
    expect(strict.closed).toBe(true);
    const lenient = guardrailsOf({
      redaction: { holdbackMaxChars: 64, onHoldbackOverflow: 'release' },
    });
    expect(redact([input], lenient)).toMatchObject({ text: input, valid: false });
  });

  test('a string match that outgrows the holdback cap fails closed', () => {
    const policy = guardrailsOf({ redaction: { holdbackMaxChars: 64 } });
    const redactor = new JsonArgumentsRedactor(policy);
    const key = `-----BEGIN PRIVATE KEY-----\\n${'A'.repeat(200)}`;
    const outputs = [`{"key": "${key}"}`.slice(0, 120)].map((piece) => redactor.push(piece));
    expect(outputs[0]).toMatchObject({ text: '{"key": "', overflow: 'failed-closed' });
    expect(redactor.closed).toBe(true);
    expect(redactor.push('more').text).toBe('');
  });
});

describe('JsonArgumentsRedactor in block mode', () => {
  test('a detection blocks with the detector as the rule and releases nothing of that push', () => {
    const { outputs } = redact(
      ['{"note": "hi", ', '"to": "bob@', 'example.com"}', ' more'],
      guardrails,
      'block',
    );
    expect(outputs.map((output) => output.text)).toEqual([
      '{"note": "hi", ',
      '"to": "',
      '',
      '',
      '',
    ]);
    expect(outputs[2]).toMatchObject({
      blocked: { rule: 'email', kind: 'pattern' },
      redactions: [{ kind: 'email', count: 1 }],
    });
    expect(outputs.filter((output) => output.blocked)).toHaveLength(1);
  });

  test('arguments without detections pass unchanged', () => {
    const { text, outputs } = redact(['{"city": "Paris", "days": 3}'], guardrails, 'block');
    expect(text).toBe('{"city": "Paris", "days": 3}');
    expect(outputs.some((output) => output.blocked)).toBe(false);
  });
});

describe('countArgumentDetections', () => {
  test('counts kinds in strings, keys and numbers, never values', () => {
    const counts = countArgumentDetections(
      '{"to": "a@b.com", "c@d.io": ["10.0.0.1"], "card": 4111111111111111}',
      guardrails,
    );
    expect(counts).toEqual([
      { kind: 'email', count: 2 },
      { kind: 'ip', count: 1 },
      { kind: 'card', count: 1 },
    ]);
  });

  test('megabytes of arguments are counted a slice per turn, keeping the loop free', async () => {
    const item = '{"note": "mail ada@example.com about the engine", "n": 1}';
    const items = Math.ceil((1024 * 1024) / item.length);
    const argumentsJson = `{"items": [${Array.from({ length: items }, () => item).join(',')}]}`;
    expect(argumentsJson.length).toBeGreaterThan(SCAN_SLICE_CHARS * 10);
    // Warm the scanner first: compiling it is a one-off cost, not what this bounds.
    await countArgumentDetections(argumentsJson.slice(0, SCAN_SLICE_CHARS * 3), guardrails);
    let counts: unknown;
    const lagMs = await maxEventLoopLagMs(async () => {
      const pending = countArgumentDetections(argumentsJson, guardrails);
      expect(pending).toBeInstanceOf(Promise);
      counts = await pending;
    });
    expect(counts).toEqual([{ kind: 'email', count: items }]);
    expect(lagMs).toBeLessThan(100);
  });

  test('scans invalid arguments as plain text, and is not cut short by the holdback cap', () => {
    const policy = guardrailsOf({ redaction: { holdbackMaxChars: 64 } });
    const key = `-----BEGIN PRIVATE KEY-----\\n${'A'.repeat(200)}\\n-----END PRIVATE KEY-----`;
    expect(countArgumentDetections(`{to: a@b.com, "key": "${key}"`, policy)).toEqual([
      { kind: 'email', count: 1 },
      { kind: 'secret', count: 1 },
    ]);
  });
});
