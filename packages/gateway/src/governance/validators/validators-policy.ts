/**
 * The validators section of a policy: which checks the finalizer runs on a finished
 * answer and what a failure does to the verdict. Everything that could fail later is
 * checked here, at load time, with the path of the problem: patterns must compile on the
 * linear-time engine within the size limits (`PATTERN_LIMITS`) and JSON Schemas must
 * compile with ajv within its limits. `{}` means no validators.
 */
import { z } from 'zod';
import { compileJsonSchema } from './json-schema-compiler.ts';
import { ON_FAIL_VALUES } from './validator.ts';
import { checkValidatorPatterns } from './validator-pattern-checks.ts';
import { type PolicyIssue, ValidatorsPolicyError } from './validators-policy-error.ts';

/** Longest webhook wait a policy may ask for: finalization must stay prompt. */
export const MAX_WEBHOOK_TIMEOUT_MS = 30_000;
const MAX_PATTERN_LENGTH = 2_000;

const onFailSchema = z.enum(ON_FAIL_VALUES);

const checkNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1-64 lowercase letters, digits, ".", "_" or "-"');

const patternRuleSchema = z
  .object({
    name: checkNameSchema,
    pattern: z.string().min(1).max(MAX_PATTERN_LENGTH),
    caseInsensitive: z.boolean().default(false),
    onFail: onFailSchema,
  })
  .strict();

const patternRulesSchema = z
  .array(patternRuleSchema)
  .max(100)
  .superRefine((rules, context) => {
    const seen = new Set<string>();
    rules.forEach((rule, index) => {
      if (seen.has(rule.name)) {
        context.addIssue({ code: 'custom', path: [index, 'name'], message: 'duplicate name' });
      }
      seen.add(rule.name);
    });
  });

const lengthSchema = z
  .object({
    minChars: z.number().int().nonnegative().optional(),
    maxChars: z.number().int().positive().optional(),
    onFail: onFailSchema,
  })
  .strict()
  .superRefine((length, context) => {
    if (length.minChars === undefined && length.maxChars === undefined) {
      context.addIssue({ code: 'custom', path: [], message: 'set minChars, maxChars or both' });
    }
    if (
      length.minChars !== undefined &&
      length.maxChars !== undefined &&
      length.minChars > length.maxChars
    ) {
      context.addIssue({ code: 'custom', path: ['minChars'], message: 'must not exceed maxChars' });
    }
  });

const jsonSchemaRuleSchema = z
  .object({
    schema: z.record(z.string(), z.unknown()),
    onFail: onFailSchema,
  })
  .strict()
  .superRefine((rule, context) => {
    try {
      compileJsonSchema(rule.schema);
    } catch (error) {
      context.addIssue({
        code: 'custom',
        path: ['schema'],
        message: `invalid JSON Schema: ${messageOf(error)}`,
      });
    }
  });

// RFC 9110 token characters for names; values must not smuggle line breaks.
const headerNameSchema = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'invalid header name');
const headerValueSchema = z
  .string()
  .regex(/^[^\r\n\0]*$/, 'header values cannot contain CR, LF or NUL');

/**
 * Headers a policy may not set on its webhook request: `Host` would send the request to
 * another virtual host than the URL names, and hop-by-hop and framing headers belong to
 * the connection the gateway manages (overriding them can smuggle a second request).
 */
const FORBIDDEN_WEBHOOK_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
]);

export function isForbiddenWebhookHeader(name: string): boolean {
  return FORBIDDEN_WEBHOOK_HEADERS.has(name.toLowerCase());
}

const webhookHeadersSchema = z
  .record(headerNameSchema, headerValueSchema)
  .superRefine((headers, context) => {
    for (const name of Object.keys(headers)) {
      if (!isForbiddenWebhookHeader(name)) continue;
      context.addIssue({
        code: 'custom',
        path: [name],
        message:
          name.toLowerCase() === 'host'
            ? `the "${name}" header cannot be set: the request goes to the host the URL names`
            : `the "${name}" header cannot be set: it belongs to the gateway's connection`,
      });
    }
  });

const webhookSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2_000),
    timeoutMs: z.number().int().min(1).max(MAX_WEBHOOK_TIMEOUT_MS).default(2_000),
    failMode: z.enum(['open', 'closed']),
    onFail: onFailSchema,
    headers: webhookHeadersSchema.optional(),
  })
  .strict();

/** Severity of the checks the request itself implies (declared tool schemas, response format). */
const outputContractRuleSchema = z.object({ onFail: onFailSchema }).strict();

export const validatorsPolicySchema = z
  .object({
    /** Tool calls must name a declared tool, with valid JSON arguments matching its schema. */
    toolCalls: outputContractRuleSchema.default({ onFail: 'flag' }),
    /** A `responseFormat` json / json_schema answer must be JSON (matching the schema). */
    responseFormat: outputContractRuleSchema.default({ onFail: 'flag' }),
    length: lengthSchema.optional(),
    requiredPatterns: patternRulesSchema.default([]),
    forbiddenPatterns: patternRulesSchema.default([]),
    jsonSchema: jsonSchemaRuleSchema.optional(),
    webhook: webhookSchema.optional(),
  })
  .strict()
  // Patterns compile here, together, so their total size is bounded before it is spent.
  .superRefine(checkValidatorPatterns);

/** A validated validators policy (defaults applied). */
export type ValidatorsPolicy = z.output<typeof validatorsPolicySchema>;
/** A validators policy as written in a document. */
export type ValidatorsPolicyDocument = z.input<typeof validatorsPolicySchema>;
export type PatternRule = ValidatorsPolicy['requiredPatterns'][number];
export type LengthRule = NonNullable<ValidatorsPolicy['length']>;
export type JsonSchemaRule = NonNullable<ValidatorsPolicy['jsonSchema']>;
export type WebhookRule = NonNullable<ValidatorsPolicy['webhook']>;

/** Parses a validators policy or throws `ValidatorsPolicyError` listing every problem with its path. */
export function parseValidatorsPolicy(document: unknown): ValidatorsPolicy {
  const result = validatorsPolicySchema.safeParse(document);
  if (result.success) return result.data;
  throw new ValidatorsPolicyError(result.error.issues.map(toPolicyIssue));
}

function toPolicyIssue(issue: z.core.$ZodIssue): PolicyIssue {
  return { path: issue.path.map(String).join('.'), message: issue.message };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
