import { describe, expect, it } from 'vitest';
import { compileValidators, compileValidatorsDocument } from './compile-validators.ts';
import { parseValidatorsPolicy } from './validators-policy.ts';
import { ValidatorsPolicyError } from './validators-policy-error.ts';

function issuesOf(document: unknown): { path: string; message: string }[] {
  try {
    parseValidatorsPolicy(document);
  } catch (error) {
    if (ValidatorsPolicyError.isInstance(error)) return [...error.issues];
    throw error;
  }
  throw new Error('expected the policy to be rejected');
}

describe('validators policy', () => {
  it('accepts {} as "no validators"', () => {
    const policy = parseValidatorsPolicy({});
    expect(policy).toEqual({
      requiredPatterns: [],
      forbiddenPatterns: [],
      toolCalls: { onFail: 'flag' },
      responseFormat: { onFail: 'flag' },
    });
    expect(compileValidators('v1', policy).validators).toEqual([]);
    expect(compileValidators('v1', policy).outputContract).toEqual({
      toolCalls: 'flag',
      responseFormat: 'flag',
    });
  });

  it('accepts a full policy and applies defaults', () => {
    const policy = parseValidatorsPolicy({
      length: { maxChars: 100, onFail: 'flag' },
      requiredPatterns: [{ name: 'disclaimer', pattern: 'not advice', onFail: 'flag' }],
      forbiddenPatterns: [
        { name: 'ssn', pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b', onFail: 'reject' },
        { name: 'secret-word', pattern: 'swordfish', caseInsensitive: true, onFail: 'reject' },
      ],
      jsonSchema: { schema: { type: 'object', required: ['a'] }, onFail: 'reject' },
      webhook: {
        url: 'https://checks.example/validate',
        failMode: 'closed',
        onFail: 'reject',
        headers: { authorization: 'Bearer x' },
      },
    });
    expect(policy.requiredPatterns[0]?.caseInsensitive).toBe(false);
    expect(policy.webhook?.timeoutMs).toBe(2_000);
    expect(compileValidators('v2', policy).validators.map((validator) => validator.name)).toEqual([
      'length',
      'required-pattern:disclaimer',
      'forbidden-pattern:ssn',
      'forbidden-pattern:secret-word',
      'json-schema',
      'webhook',
    ]);
  });

  it('rejects a pattern the linear-time engine cannot run, with its path', () => {
    const issues = issuesOf({
      forbiddenPatterns: [
        { name: 'fine', pattern: 'a+', onFail: 'reject' },
        { name: 'backreference', pattern: '(a)\\1', onFail: 'reject' },
        { name: 'lookahead', pattern: 'a(?=b)', onFail: 'flag' },
      ],
    });
    expect(issues.map((issue) => issue.path)).toEqual([
      'forbiddenPatterns.1.pattern',
      'forbiddenPatterns.2.pattern',
    ]);
    expect(issues[0]?.message).toMatch(/linear-time engine/);
  });

  it('rejects an invalid JSON Schema, with its path', () => {
    const issues = issuesOf({ jsonSchema: { schema: { type: 'strnig' }, onFail: 'reject' } });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('jsonSchema.schema');
    expect(issues[0]?.message).toMatch(/^invalid JSON Schema: /);
  });

  it('rejects unknown keywords and unsafe patterns inside a JSON Schema', () => {
    expect(issuesOf({ jsonSchema: { schema: { typo: 1 }, onFail: 'flag' } })[0]?.path).toBe(
      'jsonSchema.schema',
    );
    const unsafe = issuesOf({
      jsonSchema: { schema: { type: 'string', pattern: '(x+)\\1' }, onFail: 'flag' },
    });
    expect(unsafe[0]?.path).toBe('jsonSchema.schema');
    expect(unsafe[0]?.message).toMatch(/linear-time engine/);
  });

  it('rejects wrong types, unknown fields and missing fields, with their paths', () => {
    const issues = issuesOf({
      length: { maxChars: '100', onFail: 'flag' },
      requiredPatterns: [{ name: 'x', pattern: 'y' }],
      webhook: { url: 'ftp://host/x', timeoutMs: 0, failMode: 'sometimes', onFail: 'reject' },
      extra: true,
    });
    const paths = issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'length.maxChars',
        'requiredPatterns.0.onFail',
        'webhook.url',
        'webhook.timeoutMs',
        'webhook.failMode',
        '',
      ]),
    );
    expect(issues.find((issue) => issue.path === '')?.message).toMatch(/extra/);
  });

  it('checks relations between fields', () => {
    expect(issuesOf({ length: { minChars: 10, maxChars: 5, onFail: 'flag' } })[0]?.path).toBe(
      'length.minChars',
    );
    expect(issuesOf({ length: { onFail: 'flag' } })[0]?.path).toBe('length');
    const duplicate = issuesOf({
      requiredPatterns: [
        { name: 'a', pattern: 'x', onFail: 'flag' },
        { name: 'a', pattern: 'y', onFail: 'flag' },
      ],
    });
    expect(duplicate[0]?.path).toBe('requiredPatterns.1.name');
  });

  it('rejects webhook headers that could inject lines', () => {
    const issues = issuesOf({
      webhook: {
        url: 'http://127.0.0.1:1/x',
        failMode: 'open',
        onFail: 'flag',
        headers: { 'x-token': 'a\r\nx-evil: 1' },
      },
    });
    expect(issues[0]?.path).toBe('webhook.headers.x-token');
  });

  it('refuses webhook headers that would retarget the request or touch its connection, naming each', () => {
    const webhook = (headers: Record<string, string>) => ({
      webhook: { url: 'https://checks.example/v', failMode: 'open', onFail: 'flag', headers },
    });
    const issues = issuesOf(
      webhook({
        Host: 'metadata.google.internal',
        connection: 'keep-alive, x-token',
        'Transfer-Encoding': 'chunked',
        'content-length': '0',
        'x-token': 'fine',
      }),
    );
    expect(issues).toEqual([
      {
        path: 'webhook.headers.Host',
        message: 'the "Host" header cannot be set: the request goes to the host the URL names',
      },
      {
        path: 'webhook.headers.connection',
        message: `the "connection" header cannot be set: it belongs to the gateway's connection`,
      },
      {
        path: 'webhook.headers.Transfer-Encoding',
        message: `the "Transfer-Encoding" header cannot be set: it belongs to the gateway's connection`,
      },
      {
        path: 'webhook.headers.content-length',
        message: `the "content-length" header cannot be set: it belongs to the gateway's connection`,
      },
    ]);
    for (const name of ['keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'expect']) {
      expect(issuesOf(webhook({ [name]: 'x' })).map((issue) => issue.path)).toEqual([
        `webhook.headers.${name}`,
      ]);
    }
    expect(parseValidatorsPolicy(webhook({ 'x-token': 'fine' })).webhook?.headers).toEqual({
      'x-token': 'fine',
    });
  });

  it('limits the size of each pattern and of all of them, naming the limit', () => {
    const rule = (name: string, pattern: string) => ({ name, pattern, onFail: 'flag' });
    expect(issuesOf({ forbiddenPatterns: [rule('huge', '\\w{1,1000}'.repeat(100))] })).toEqual([
      {
        path: 'forbiddenPatterns.0.pattern',
        message: expect.stringMatching(/^limit maxPatternInstructions exceeded: /),
      },
    ]);
    const large = Array.from({ length: 12 }, (_, index) =>
      rule(`p${index}`, `[a-z]{${900 + index}}`),
    );
    expect(issuesOf({ requiredPatterns: large })).toEqual([
      {
        path: expect.stringMatching(/^requiredPatterns\.\d+\.pattern$/),
        message: expect.stringMatching(/^limit maxValidatorInstructions exceeded: /),
      },
    ]);
  });

  it('says every problem in the error message, and leaves compiled validators alone', () => {
    const running = compileValidatorsDocument('v1', {
      forbiddenPatterns: [{ name: 'ok', pattern: 'ok', onFail: 'reject' }],
    });
    let thrown: unknown;
    try {
      compileValidatorsDocument('v2', {
        forbiddenPatterns: [{ name: 'bad', pattern: '(a)\\1', onFail: 'reject' }],
      });
    } catch (error) {
      thrown = error;
    }
    expect(ValidatorsPolicyError.isInstance(thrown)).toBe(true);
    expect((thrown as Error).message).toMatch(
      /^Invalid validators policy: forbiddenPatterns\.0\.pattern: /,
    );
    expect(ValidatorsPolicyError.isInstance(new Error('x'))).toBe(false);
    expect(running.policyVersion).toBe('v1');
    expect(running.validators.map((validator) => validator.name)).toEqual(['forbidden-pattern:ok']);
  });
});
