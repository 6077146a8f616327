import { describe, expect, test } from 'vitest';
import { GuardrailSession } from './guardrail-session.ts';
import { compileGuardrails, guardrailsPolicySchema } from './guardrails-policy.ts';
import { GuardrailsPolicyError } from './guardrails-policy-error.ts';
import { compileTermList } from './policy-pattern-checks.ts';
import { maxEventLoopLagMs } from './testing/event-loop-lag-probe.ts';

function issuesOf(input: unknown): string[] {
  const result = guardrailsPolicySchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('guardrailsPolicySchema', () => {
  test('{} turns every built-in detector on with labels, and blocks nothing', () => {
    const policy = guardrailsPolicySchema.parse({});
    expect(policy.redaction.detectors.email).toEqual({ enabled: true, replacement: 'label' });
    expect(policy.redaction.detectors.secret).toEqual({ enabled: true, replacement: 'label' });
    expect(policy.redaction.onHoldbackOverflow).toBe('fail-closed');
    expect(policy.blocking.terms).toEqual([]);
    const guardrails = compileGuardrails(policy);
    expect(guardrails.redactors.map((redactor) => redactor.kind).sort()).toEqual(
      ['card', 'email', 'iban', 'ip', 'phone', 'secret', 'ssn'].sort(),
    );
  });

  test('tool-call arguments pass by default; redact and block are the other modes', () => {
    expect(compileGuardrails(guardrailsPolicySchema.parse({})).toolArguments).toBe('pass');
    const blocking = guardrailsPolicySchema.parse({ toolArguments: 'block' });
    expect(compileGuardrails(blocking).toolArguments).toBe('block');
    expect(issuesOf({ toolArguments: 'drop' })).toHaveLength(1);
  });

  test('unsafe patterns are rejected with the path of the problem', () => {
    const issues = issuesOf({
      redaction: {
        customPatterns: [
          { name: 'one', pattern: 'a+' },
          { name: 'two', pattern: 'b+' },
          { name: 'three', pattern: '(a)\\1' },
        ],
      },
      blocking: { patterns: [{ name: 'look', pattern: '(?=x)y' }] },
    });
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/^redaction\.customPatterns\.2\.pattern: pattern is not supported/);
    expect(issues[1]).toMatch(/^blocking\.patterns\.0\.pattern: /);
  });

  test('patterns that can match empty text are rejected', () => {
    expect(issuesOf({ blocking: { patterns: [{ name: 'x', pattern: 'x*' }] } })).toEqual([
      'blocking.patterns.0.pattern: pattern can match empty text',
    ]);
    expect(
      issuesOf({ redaction: { customPatterns: [{ name: 'b', pattern: '\\b' }] } }),
    ).toHaveLength(1);
  });

  test('names are unique and do not shadow built-in kinds', () => {
    expect(
      issuesOf({
        redaction: {
          customPatterns: [
            { name: 'email', pattern: 'x' },
            { name: 'code', pattern: 'y' },
          ],
          terms: [{ name: 'code', terms: ['z'] }],
        },
      }),
    ).toEqual([
      'redaction.customPatterns.0.name: duplicate name',
      'redaction.terms.0.name: duplicate name',
    ]);
  });

  test('unknown keys, bad overlap and empty terms are rejected', () => {
    expect(issuesOf({ redaction: { detector: {} } })).toHaveLength(1);
    expect(issuesOf({ blocking: { window: { size: 32, overlap: 32 } } })).toEqual([
      'blocking.window.overlap: must be less than size',
    ]);
    expect(issuesOf({ blocking: { terms: [{ name: 't', terms: ['  '] }] } })).toHaveLength(1);
  });

  test('hash replacement needs a key from the caller', () => {
    const policy = guardrailsPolicySchema.parse({
      redaction: { detectors: { email: { replacement: 'hash' } } },
    });
    let caught: unknown;
    try {
      compileGuardrails(policy);
    } catch (error) {
      caught = error;
    }
    expect(GuardrailsPolicyError.isInstance(caught)).toBe(true);
    expect(() => compileGuardrails(policy, { hashKey: 'k' })).not.toThrow();
  });

  test('a catastrophic-backtracking pattern completes on adversarial input', () => {
    const guardrails = compileGuardrails(
      guardrailsPolicySchema.parse({
        redaction: {
          detectors: { email: { enabled: false } },
          customPatterns: [{ name: 'evil', pattern: '(a+)+b' }],
          holdbackMaxChars: 1_000_000,
        },
        blocking: { patterns: [{ name: 'evil-block', pattern: '(x|x)*y' }] },
      }),
    );
    const session = new GuardrailSession(guardrails);
    let released = '';
    for (let index = 0; index < 2_000; index += 1) released += session.push('aaaaaaaaaa').text;
    for (let index = 0; index < 2_000; index += 1) released += session.push('xxxxxxxxxx').text;
    released += session.end().text;
    expect(released.length).toBe(40_000);
  });
});

describe('guardrailsPolicySchema: size limits', () => {
  /** Deterministic pseudo-random lowercase words (xorshift32). */
  function words(count: number, seed = 7): string[] {
    let state = seed;
    const random = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 4_294_967_296;
    };
    const letter = () => String.fromCharCode(97 + Math.floor(random() * 26));
    return Array.from({ length: count }, () =>
      Array.from({ length: 4 + Math.floor(random() * 8) }, letter).join(''),
    );
  }

  test('ten 2,000-character patterns are refused without stalling the event loop', async () => {
    // The attack: ten such patterns compiled to ~400,000 instructions each and blocked
    // the loop for 21 s. The size is read from the syntax, before anything compiles.
    const patterns = Array.from({ length: 10 }, (_, index) => ({
      name: `p${index}`,
      pattern: `${'(?:\\w|\\s).{0,100}'.repeat(111)}${index}`,
    }));
    let issues: string[] = [];
    const lag = await maxEventLoopLagMs(() => {
      issues = issuesOf({ blocking: { patterns } });
    });
    expect(issues).toEqual([
      expect.stringMatching(
        /^blocking\.patterns\.0\.pattern: limit maxPatternInstructions exceeded: the pattern asks for about \d+ instructions, more than the 1000 allowed$/,
      ),
    ]);
    expect(lag).toBeLessThan(100);
  });

  test('a pattern within the syntax estimate but over the limit once compiled is refused', () => {
    expect(
      issuesOf({
        redaction: { customPatterns: [{ name: 'long', pattern: '[a-z]{600}[0-9]{600}' }] },
      }),
    ).toEqual([
      expect.stringMatching(
        /^redaction\.customPatterns\.0\.pattern: limit maxPatternInstructions exceeded: the pattern compiles to \d+ instructions/,
      ),
    ]);
  });

  test('patterns are limited in number and in total size', () => {
    const many = Array.from({ length: 65 }, (_, index) => ({ name: `p${index}`, pattern: 'x' }));
    expect(issuesOf({ blocking: { patterns: many } })).toEqual([
      ': limit maxGuardrailPatterns exceeded: 65 patterns (custom, blocking and window rules), more than 64',
    ]);
    // Twelve patterns of ~900 instructions each are each fine, but not together.
    const large = Array.from({ length: 12 }, (_, index) => ({
      name: `p${index}`,
      pattern: `[a-z]{${900 + index}}`,
    }));
    const issues = issuesOf({ blocking: { patterns: large } });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^blocking\.patterns\.\d+\.pattern: limit maxGuardrailInstructions/);
  });

  test('a 9,000-term list too large to compile is refused at once, naming the limit', async () => {
    // The attack: 9,000 terms were accepted in 0.2 s, then the first generation spent
    // 4.6 s compiling them. Now their size is known from their prefix tree, before RE2JS.
    const terms = Array.from({ length: 9_000 }, (_, index) => `term${index}word`);
    let issues: string[] = [];
    const lag = await maxEventLoopLagMs(() => {
      issues = issuesOf({ blocking: { terms: [{ name: 'list', terms }] } });
    });
    expect(issues).toEqual([
      expect.stringMatching(
        /^blocking\.terms\.0\.terms: limit maxTermInstructions exceeded: the list needs at least \d+ instructions \(one per distinct prefix\), more than the 10000 allowed$/,
      ),
    ]);
    expect(lag).toBeLessThan(100);
    const split = [
      { name: 'one', terms: words(6_000, 1) },
      { name: 'two', terms: words(5_000, 2) },
    ];
    expect(issuesOf({ redaction: { terms: [{ name: 'words', terms: words(9_000) }] } })).toEqual([
      expect.stringMatching(/^redaction\.terms\.0\.terms: limit maxTermInstructions exceeded/),
    ]);
    expect(issuesOf({ redaction: { terms: split } })).toEqual([
      ': limit maxTerms exceeded: 11000 terms in all term lists, more than 10000',
    ]);
  });

  test('a term list is compiled on parse: the first session compiles nothing', async () => {
    const terms = words(300);
    const planted = terms[167] as string;
    // The built-in detectors compile once per process; that is not what this bounds.
    new GuardrailSession(compileGuardrails(guardrailsPolicySchema.parse({}))).push('warm up');
    let session: GuardrailSession | undefined;
    let blocked: unknown;
    const lag = await maxEventLoopLagMs(() => {
      const policy = guardrailsPolicySchema.parse({
        blocking: { terms: [{ name: 'list', terms }] },
      });
      const guardrails = compileGuardrails(policy);
      // The pattern compiled while parsing is the one the generation gets.
      expect(guardrails.blockRules[0]?.pattern).toBe(
        compileTermList(policy.blocking.terms[0] as never),
      );
      session = new GuardrailSession(guardrails);
      blocked = session.push(`nothing to see, then ${planted.toUpperCase()} here`).blocked;
    });
    expect(blocked).toEqual({ rule: 'list', kind: 'term' });
    expect(lag).toBeLessThan(100);
  });

  test('window rules are limited by the work of judging each character', () => {
    expect(
      issuesOf({
        blocking: {
          window: { size: 100_000, overlap: 99_999, rules: [{ name: 'w', pattern: 'abc' }] },
        },
      }),
    ).toEqual([expect.stringMatching(/^blocking\.window: limit maxWindowWork exceeded: /)]);
    expect(
      issuesOf({
        blocking: { window: { size: 512, overlap: 128, rules: [{ name: 'w', pattern: 'abc' }] } },
      }),
    ).toEqual([]);
  });
});
