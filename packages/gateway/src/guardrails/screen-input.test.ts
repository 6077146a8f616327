import type { ChatMessage } from '@sluice/protocol';
import { describe, expect, test } from 'vitest';
import { compileGuardrails, guardrailsPolicySchema } from './guardrails-policy.ts';
import { screenInput } from './screen-input.ts';

function inputOf(policy: unknown) {
  return compileGuardrails(guardrailsPolicySchema.parse(policy), { hashKey: 'test-key' }).input;
}

const conversation: ChatMessage[] = [
  { role: 'system', content: 'Support desk for ada@example.com.' },
  {
    role: 'user',
    content: [
      { type: 'text', text: 'Mail bob@example.org, card 4111 1111 1111 1111.' },
      { type: 'image', url: 'https://example.com/cat.png' },
    ],
  },
  { role: 'assistant', content: 'Noted.' },
];

describe('screenInput', () => {
  test('redacts the named detectors in every text, counts by kind, leaves other parts', () => {
    const screened = screenInput(inputOf({ input: { redact: ['email'] } }), conversation);
    expect(screened.blockedBy).toBeUndefined();
    expect(screened.messages[0]?.content).toBe('Support desk for [EMAIL].');
    const user = screened.messages[1]?.content as Array<{ type: string; text?: string }>;
    expect(user[0]?.text).toBe('Mail [EMAIL], card 4111 1111 1111 1111.');
    expect(user[1]).toEqual({ type: 'image', url: 'https://example.com/cat.png' });
    expect(screened.messages[2]).toEqual(conversation[2]);
    expect(screened.redactions).toEqual({ email: 2 });
    // The request as received is untouched.
    expect(conversation[0]?.content).toBe('Support desk for ada@example.com.');
  });

  test('a block detector that matches anywhere refuses, naming the detector', () => {
    const screened = screenInput(
      inputOf({ input: { block: ['card'], redact: ['email'] } }),
      conversation,
    );
    expect(screened.blockedBy).toBe('card');
  });

  test('custom patterns and term lists are usable by name; a disabled output detector still screens', () => {
    const input = inputOf({
      redaction: {
        detectors: { email: { enabled: false } },
        terms: [{ name: 'codename', terms: ['bluebird'] }],
      },
      input: { redact: ['email', 'codename'] },
    });
    const screened = screenInput(input, [
      { role: 'user', content: 'Project Bluebird, ask ada@example.com' },
    ]);
    expect(screened.messages[0]?.content).toBe('Project [CODENAME], ask [EMAIL]');
    expect(screened.redactions).toEqual({ codename: 1, email: 1 });
  });

  test('off by default: nothing is screened', () => {
    const input = inputOf({});
    expect(input.redactors).toEqual([]);
    expect(input.blockers).toEqual([]);
  });

  test('an unknown detector name is refused with its path', () => {
    const result = guardrailsPolicySchema.safeParse({ input: { redact: ['emails'] } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['input', 'redact', 0]);
  });
});
