import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FinishReason } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import {
  type CompiledValidators,
  compileValidatorsDocument,
} from '../validators/compile-validators.ts';
import { DEFAULT_VALIDATION_LIMITS } from '../validators/validation-limits.ts';
import type { Validator } from '../validators/validator.ts';
import { createWebhookDispatcher } from '../validators/webhook-dispatcher.ts';
import { type FinalizationInput, finalize } from './finalize.ts';

const noValidators: CompiledValidators = {
  policyVersion: 'v1',
  validators: [],
  outputContract: { toolCalls: 'flag', responseFormat: 'flag' },
  limits: DEFAULT_VALIDATION_LIMITS,
};

function input(overrides: Partial<FinalizationInput> = {}): FinalizationInput {
  return {
    generationId: 'gen_1',
    text: 'Hello world',
    model: 'simulator',
    provider: 'simulator',
    usage: { inputTokens: 3, outputTokens: 2 },
    timings: { timeToFirstTokenMs: 12.5, durationMs: 40 },
    finishReason: 'stop' as FinishReason,
    validators: noValidators,
    ...overrides,
  };
}

describe('finalize', () => {
  it('approves with no validators and fills every field of response-final', async () => {
    const { final, retract, consistent } = await finalize(input());
    expect(consistent).toBe(true);
    expect(retract).toBeUndefined();
    expect(final).toMatchObject({
      type: 'response-final',
      verdict: 'approved',
      checks: [{ name: 'consistency', passed: true }],
      policyVersion: 'v1',
      model: 'simulator',
      provider: 'simulator',
      usage: { inputTokens: 3, outputTokens: 2 },
      timings: { timeToFirstTokenMs: 12.5, durationMs: 40 },
    });
    expect(final.timings.finalizationMs).toBeGreaterThanOrEqual(0);
  });

  it('hashes exactly the text as UTF-8, multi-byte characters included', async () => {
    const abc = await finalize(input({ text: 'abc' }));
    expect(abc.final.contentSha256).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    const empty = await finalize(input({ text: '' }));
    expect(empty.final.contentSha256).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    const deltas = ['Caf', 'é ', '😀', ' 日本'];
    const multiByte = await finalize(input({ text: deltas.join('') }));
    const utf8 = Buffer.concat(deltas.map((delta) => new TextEncoder().encode(delta)));
    expect(multiByte.final.contentSha256).toBe(createHash('sha256').update(utf8).digest('hex'));
    const given = await finalize(input({ contentSha256: 'f'.repeat(64) }));
    expect(given.final.contentSha256).toBe('f'.repeat(64));
  });

  it('flags an answer whose released events did not all reach the log', async () => {
    const { final, consistent } = await finalize(
      input({ delivery: { released: 12, appended: 9 } }),
    );
    expect(consistent).toBe(false);
    expect(final.verdict).toBe('flagged');
    expect(final.checks).toEqual([
      { name: 'consistency', passed: false, detail: '9 of 12 released events reached the log' },
    ]);
    const whole = await finalize(input({ delivery: { released: 12, appended: 12 } }));
    expect(whole.consistent).toBe(true);
  });

  it('rejects and retracts delivered text that breaks a reject rule, without quoting it', async () => {
    const validators = compileValidatorsDocument('v3', {
      forbiddenPatterns: [{ name: 'ssn', pattern: '\\d{3}-\\d{2}-\\d{4}', onFail: 'reject' }],
      length: { maxChars: 1000, onFail: 'flag' },
    });
    const text = 'Your number is 123-45-6789.';
    const { final, retract } = await finalize(input({ text, validators }));
    expect(final.verdict).toBe('rejected');
    expect(final.policyVersion).toBe('v3');
    expect(retract).toEqual({
      type: 'response-retract',
      reason: 'Rejected by policy v3: failed forbidden-pattern:ssn',
    });
    expect(JSON.stringify({ final, retract })).not.toContain('123-45');
  });

  it('does not retract when nothing was delivered, or when the answer is only flagged', async () => {
    const rejectEmpty = compileValidatorsDocument('v1', {
      length: { minChars: 5, onFail: 'reject' },
    });
    const empty = await finalize(input({ text: '', validators: rejectEmpty }));
    expect(empty.final.verdict).toBe('rejected');
    expect(empty.retract).toBeUndefined();

    const flagOnly = compileValidatorsDocument('v1', {
      requiredPatterns: [{ name: 'sign-off', pattern: 'Regards', onFail: 'flag' }],
    });
    const flagged = await finalize(input({ validators: flagOnly }));
    expect(flagged.final.verdict).toBe('flagged');
    expect(flagged.retract).toBeUndefined();
  });

  it('runs checks concurrently and keeps their order in the event', async () => {
    let secondStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      secondStarted = resolve;
    });
    const first: Validator = {
      name: 'first',
      onFail: 'reject',
      needsCompleteText: false,
      // Settles only once the second check has started: run one after the other, it never would.
      validate: async () => {
        await started;
        return { name: 'first', passed: true };
      },
    };
    const second: Validator = {
      name: 'second',
      onFail: 'flag',
      needsCompleteText: false,
      validate: async () => {
        secondStarted();
        return { name: 'second', passed: false, detail: 'no' };
      },
    };
    const { final } = await finalize(
      input({ validators: { ...noValidators, validators: [first, second] } }),
    );
    expect(final.checks.map((check) => check.name)).toEqual(['first', 'second', 'consistency']);
    expect(final.verdict).toBe('flagged');
  });

  it('turns a check that throws into a failed check of its severity', async () => {
    const broken: Validator = {
      name: 'broken',
      onFail: 'reject',
      needsCompleteText: false,
      validate: async () => {
        throw new TypeError('secret text in a message');
      },
    };
    const { final } = await finalize(
      input({ validators: { ...noValidators, validators: [broken] } }),
    );
    expect(final.verdict).toBe('rejected');
    expect(final.checks[0]).toEqual({
      name: 'broken',
      passed: false,
      detail: 'check could not run (TypeError)',
    });
  });

  it('applies only content checks to a generation that ended early', async () => {
    const validators = compileValidatorsDocument('v1', {
      length: { minChars: 100, onFail: 'reject' },
      requiredPatterns: [{ name: 'sign-off', pattern: 'Regards', onFail: 'reject' }],
      forbiddenPatterns: [{ name: 'word', pattern: 'world', onFail: 'flag' }],
      jsonSchema: { schema: { type: 'object' }, onFail: 'reject' },
    });
    const { final } = await finalize(input({ finishReason: 'cancelled', validators }));
    expect(final.verdict).toBe('flagged');
    expect(final.checks).toEqual([
      {
        name: 'length',
        passed: true,
        detail: 'not applied: the generation ended early (cancelled)',
      },
      {
        name: 'required-pattern:sign-off',
        passed: true,
        detail: 'not applied: the generation ended early (cancelled)',
      },
      {
        name: 'forbidden-pattern:word',
        passed: false,
        detail: 'forbidden pattern "word" matched 1 time',
      },
      {
        name: 'json-schema',
        passed: true,
        detail: 'not applied: the generation ended early (cancelled)',
      },
      { name: 'consistency', passed: true },
    ]);
  });

  it('validates structured output end to end', async () => {
    const validators = compileValidatorsDocument('v1', {
      jsonSchema: {
        schema: {
          type: 'object',
          required: ['answer'],
          properties: { answer: { type: 'number' } },
        },
        onFail: 'reject',
      },
    });
    const good = await finalize(input({ text: '```json\n{"answer": 42}\n```', validators }));
    expect(good.final.verdict).toBe('approved');
    const bad = await finalize(input({ text: '{"answer": "42"}', validators }));
    expect(bad.final.verdict).toBe('rejected');
    expect(bad.retract?.reason).toBe('Rejected by policy v1: failed json-schema');
  });

  it('is not held up by a webhook that never answers: fail-open passes after its timeout', async () => {
    const hanging = createServer(() => {
      // Accepts the request and never answers.
    });
    hanging.listen(0, '127.0.0.1');
    await once(hanging, 'listening');
    // The webhook is on loopback: opt in, as `governance.webhooks.allowPrivateNetworks` does.
    const privateNetworks = createWebhookDispatcher({ allowPrivateNetworks: true });
    try {
      const { port } = hanging.address() as AddressInfo;
      const validators = compileValidatorsDocument(
        'v1',
        {
          forbiddenPatterns: [{ name: 'word', pattern: 'world', onFail: 'flag' }],
          webhook: {
            url: `http://127.0.0.1:${port}/check`,
            timeoutMs: 50,
            failMode: 'open',
            onFail: 'reject',
          },
        },
        { webhook: { dispatcher: privateNetworks } },
      );
      const { final } = await finalize(input({ validators }));
      expect(final.verdict).toBe('flagged');
      expect(final.checks.map((check) => [check.name, check.passed])).toEqual([
        ['forbidden-pattern:word', false],
        ['webhook', true],
        ['consistency', true],
      ]);
      expect(final.timings.finalizationMs).toBeGreaterThanOrEqual(50);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
      await privateNetworks.destroy();
    }
  });
});

describe('finalize with tool calls', () => {
  const weather = {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    },
  };
  const call = (argumentsJson: string, toolName = 'get_weather') => ({
    toolCallId: 'call_1',
    toolName,
    arguments: argumentsJson,
  });

  it('hashes the text and the tool calls in their documented canonical form', async () => {
    const toolCalls = [call('{"city":"Paris"}')];
    const { final } = await finalize(
      input({ text: 'Checking.', toolCalls, outputContract: { tools: [weather] } }),
    );
    const textSha256 = createHash('sha256').update('Checking.').digest('hex');
    const canonical = `${textSha256}${JSON.stringify([['call_1', 'get_weather', '{"city":"Paris"}']])}`;
    expect(final.contentSha256).toBe(createHash('sha256').update(canonical).digest('hex'));
    expect(final.verdict).toBe('approved');
    expect(final.checks).toContainEqual({ name: 'tool-arguments:get_weather', passed: true });
  });

  it.each([
    ['invalid JSON', '{"city":', 'arguments are not valid JSON'],
    ['a schema mismatch', '{"town":"Paris"}', 'do not match the parameters schema'],
  ])('flags a call with %s, naming the check', async (_case, argumentsJson, detail) => {
    const { final } = await finalize(
      input({ toolCalls: [call(argumentsJson)], outputContract: { tools: [weather] } }),
    );
    expect(final.verdict).toBe('flagged');
    const check = final.checks.find((entry) => entry.name === 'tool-arguments:get_weather');
    expect(check?.passed).toBe(false);
    expect(check?.detail).toContain(detail);
    expect(check?.detail).not.toContain('town');
  });

  it('applies the configured validation limits to tool arguments', async () => {
    const validators = compileValidatorsDocument(
      'small@1',
      {},
      { validation: { maxOutputBytes: 16, maxSteps: 25_000 } },
    );
    const { final } = await finalize(
      input({
        validators,
        toolCalls: [call('{"city":"Rio de Janeiro"}')],
        outputContract: { tools: [weather] },
      }),
    );
    const check = final.checks.find((entry) => entry.name === 'tool-arguments:get_weather');
    expect(check?.passed).toBe(false);
    expect(check?.detail).toContain('output too large to validate');
  });

  it('rejects a call to an undeclared tool when the policy says reject, and retracts', async () => {
    const validators = compileValidatorsDocument('strict@1', { toolCalls: { onFail: 'reject' } });
    const { final, retract } = await finalize(
      input({
        text: '',
        validators,
        toolCalls: [call('{}', 'delete_everything')],
        outputContract: { tools: [weather] },
      }),
    );
    expect(final.verdict).toBe('rejected');
    expect(retract?.reason).toContain('tool-arguments:delete_everything');
  });

  it('takes empty arguments as an empty object', async () => {
    const { final } = await finalize(
      input({
        toolCalls: [call('', 'get_time')],
        outputContract: { tools: [{ name: 'get_time', parameters: { type: 'object' } }] },
      }),
    );
    expect(final.checks).toContainEqual({ name: 'tool-arguments:get_time', passed: true });
  });

  it('validates a json_schema answer against the requested schema', async () => {
    const responseFormat = {
      type: 'json_schema' as const,
      name: 'answer',
      schema: { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] },
    };
    const good = await finalize(
      input({ text: '{"answer":42}', outputContract: { responseFormat } }),
    );
    expect(good.final.checks).toContainEqual({ name: 'response-format', passed: true });
    const bad = await finalize(
      input({ text: '{"answer":"x"}', outputContract: { responseFormat } }),
    );
    expect(bad.final.verdict).toBe('flagged');
    const prose = await finalize(
      input({ text: 'not json', outputContract: { responseFormat: { type: 'json' } } }),
    );
    expect(prose.final.checks).toContainEqual({
      name: 'response-format',
      passed: false,
      detail: 'output is not valid JSON',
    });
  });

  it('does not judge the response format of an answer that was cut short', async () => {
    const { final } = await finalize(
      input({
        text: '{"ans',
        finishReason: 'cancelled',
        outputContract: { responseFormat: { type: 'json' } },
      }),
    );
    expect(final.checks.map((check) => check.name)).not.toContain('response-format');
  });
});
