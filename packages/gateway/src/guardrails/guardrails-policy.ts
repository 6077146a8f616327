/**
 * The guardrails section of a policy and its compilation. Everything that could fail later
 * is checked at parse time with the path of the problem (`redaction.customPatterns.2.pattern:
 * …`): patterns must run on the linear-time engine and must not match empty text. `{}` is a
 * valid policy: every built-in detector on, label replacement, no blocking rules, tool-call
 * arguments passed through (their detections only counted).
 *
 * `toolArguments` decides what the redaction detectors do to the JSON arguments of tool
 * calls, which stream to clients like text:
 * - `pass` (default): arguments go out as the model wrote them; detections are counted for
 *   the final record (`countArgumentDetections`), never changed.
 * - `redact`: detected values inside the arguments' strings (keys included) and numbers are
 *   replaced as in text, keeping the arguments valid JSON (`JsonArgumentsRedactor`).
 * - `block`: any detection in the arguments stops the generation like a blocking rule.
 *
 * Patterns and term lists are compiled when the policy is parsed (on publish), within
 * `PATTERN_LIMITS`, and their streaming tables are built then: the compiled patterns are
 * cached, so `compileGuardrails` at a generation's start finds them ready.
 */
import { z } from 'zod';
import { BUILT_IN_DETECTORS, BUILT_IN_KINDS, type BuiltInKind } from './detectors.ts';
import {
  type BlockRule,
  type Guardrails,
  type InputGuardrails,
  type Redactor,
  TOOL_ARGUMENTS_MODES,
  type WindowRule,
} from './guardrails.ts';
import { GuardrailsPolicyError } from './guardrails-policy-error.ts';
import { checkPatterns, checkTermLists, compileTermList } from './policy-pattern-checks.ts';
import { createReplace, maskGeneric, REPLACEMENT_MODES } from './replacement.ts';
import { SafePattern } from './safe-pattern.ts';

const MAX_PATTERN_LENGTH = 2_000;
const MAX_TERM_LENGTH = 200;

const replacementSchema = z.enum(REPLACEMENT_MODES).default('label');

const ruleNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be 1-40 lowercase letters, digits or "-"');

const patternRuleShape = {
  name: ruleNameSchema,
  pattern: z.string().min(1).max(MAX_PATTERN_LENGTH),
  caseInsensitive: z.boolean().default(false),
};

const termListShape = {
  name: ruleNameSchema,
  terms: z.array(z.string().trim().min(1).max(MAX_TERM_LENGTH)).min(1).max(10_000),
  caseInsensitive: z.boolean().default(true),
};

function uniqueNames<T extends { name: string }>(schema: z.ZodType<T[]>) {
  return schema.superRefine((rules, context) => {
    const seen = new Set<string>();
    rules.forEach((rule, index) => {
      if (seen.has(rule.name) || (BUILT_IN_KINDS as readonly string[]).includes(rule.name)) {
        context.addIssue({ code: 'custom', path: [index, 'name'], message: 'duplicate name' });
      }
      seen.add(rule.name);
    });
  });
}

const detectorSchema = z
  .object({ enabled: z.boolean().default(true), replacement: replacementSchema })
  .strict()
  .prefault({});

const detectorsSchema = z
  .object(
    Object.fromEntries(BUILT_IN_KINDS.map((kind) => [kind, detectorSchema])) as Record<
      BuiltInKind,
      typeof detectorSchema
    >,
  )
  .strict()
  .prefault({});

const redactionSchema = z
  .object({
    detectors: detectorsSchema,
    customPatterns: uniqueNames(
      z.array(z.object({ ...patternRuleShape, replacement: replacementSchema }).strict()),
    ).default([]),
    terms: uniqueNames(
      z.array(z.object({ ...termListShape, replacement: replacementSchema }).strict()),
    ).default([]),
    /** Raw characters a session may hold back; a PEM RSA-4096 key is about 3,300. */
    holdbackMaxChars: z.number().int().min(64).max(1_000_000).default(8_192),
    onHoldbackOverflow: z.enum(['fail-closed', 'release']).default('fail-closed'),
  })
  .strict()
  .superRefine((redaction, context) => {
    const custom = redaction.customPatterns.map((rule) => rule.name);
    redaction.terms.forEach((list, index) => {
      if (custom.includes(list.name)) {
        context.addIssue({
          code: 'custom',
          path: ['terms', index, 'name'],
          message: 'duplicate name',
        });
      }
    });
  })
  .prefault({});

const windowSchema = z
  .object({
    size: z.number().int().min(16).max(100_000).default(512),
    overlap: z.number().int().min(0).default(128),
    rules: uniqueNames(
      z.array(
        z
          .object({
            ...patternRuleShape,
            minMatches: z.number().int().min(1).max(1_000).default(1),
          })
          .strict(),
      ),
    ).default([]),
  })
  .strict()
  .superRefine((window, context) => {
    if (window.overlap >= window.size) {
      context.addIssue({ code: 'custom', path: ['overlap'], message: 'must be less than size' });
    }
  })
  .prefault({});

const blockingSchema = z
  .object({
    terms: uniqueNames(z.array(z.object(termListShape).strict())).default([]),
    patterns: uniqueNames(z.array(z.object(patternRuleShape).strict())).default([]),
    window: windowSchema,
  })
  .strict()
  .prefault({});

/**
 * Detectors applied to the request's messages before they go upstream, by name: built-in
 * kinds (`email`, `secret`, …) or the names of `redaction` custom patterns and term lists.
 * Off (both empty) by default: prompts go upstream as sent.
 */
const inputSchema = z
  .object({
    redact: z.array(z.string().min(1).max(40)).max(64).default([]),
    block: z.array(z.string().min(1).max(40)).max(64).default([]),
  })
  .strict()
  .prefault({});

export const guardrailsPolicySchema = z
  .object({
    redaction: redactionSchema,
    blocking: blockingSchema,
    toolArguments: z.enum(TOOL_ARGUMENTS_MODES).default('pass'),
    input: inputSchema,
  })
  .strict()
  .superRefine((policy, context) => {
    if (checkPatterns(policy, context)) checkTermLists(policy, context);
    const known = new Set<string>([
      ...BUILT_IN_KINDS,
      ...policy.redaction.customPatterns.map((rule) => rule.name),
      ...policy.redaction.terms.map((list) => list.name),
    ]);
    for (const list of ['redact', 'block'] as const) {
      policy.input[list].forEach((name, index) => {
        if (!known.has(name)) {
          context.addIssue({
            code: 'custom',
            path: ['input', list, index],
            message: `unknown detector "${name}": a built-in kind or a redaction pattern or term list`,
          });
        }
      });
    }
  });

export type GuardrailsPolicy = z.output<typeof guardrailsPolicySchema>;
export type GuardrailsPolicyInput = z.input<typeof guardrailsPolicySchema>;

export interface CompileGuardrailsOptions {
  /** HMAC key for `hash` replacement; required when any kind uses it. */
  hashKey?: string | Uint8Array;
}

/** Order of built-ins on ties: the most specific kinds first. */
const BUILT_IN_PRIORITY: readonly BuiltInKind[] = [
  'secret',
  'card',
  'iban',
  'ssn',
  'phone',
  'ip',
  'email',
];

export function compileGuardrails(
  policy: GuardrailsPolicy,
  options: CompileGuardrailsOptions = {},
): Guardrails {
  const { redaction, blocking } = policy;
  const hashKey = options.hashKey;
  const usesHash =
    BUILT_IN_KINDS.some(
      (kind) =>
        redaction.detectors[kind].enabled && redaction.detectors[kind].replacement === 'hash',
    ) ||
    [...redaction.customPatterns, ...redaction.terms].some((rule) => rule.replacement === 'hash');
  if (usesHash && (hashKey === undefined || hashKey.length === 0)) {
    throw new GuardrailsPolicyError('hash replacement is configured but no hash key was given');
  }
  const redactors: Redactor[] = [];
  for (const kind of BUILT_IN_PRIORITY) {
    const settings = redaction.detectors[kind];
    if (!settings.enabled) continue;
    const detector = BUILT_IN_DETECTORS[kind];
    redactors.push({
      kind,
      pattern: SafePattern.compile(detector.pattern),
      check: detector.check,
      replace: createReplace(settings.replacement, detector, hashKey),
    });
  }
  const customSource = (name: string) => ({ label: `[${name.toUpperCase()}]`, mask: maskGeneric });
  for (const rule of redaction.customPatterns) {
    redactors.push({
      kind: rule.name,
      pattern: SafePattern.compile(rule.pattern, { caseInsensitive: rule.caseInsensitive }),
      check: (value) => value.length,
      replace: createReplace(rule.replacement, customSource(rule.name), hashKey),
    });
  }
  for (const list of redaction.terms) {
    redactors.push({
      kind: list.name,
      pattern: compileTermList(list),
      check: (value) => value.length,
      replace: createReplace(list.replacement, customSource(list.name), hashKey),
    });
  }
  const blockRules: BlockRule[] = [
    ...blocking.terms.map((list) => ({
      name: list.name,
      kind: 'term' as const,
      pattern: compileTermList(list),
    })),
    ...blocking.patterns.map((rule) => ({
      name: rule.name,
      kind: 'pattern' as const,
      pattern: SafePattern.compile(rule.pattern, { caseInsensitive: rule.caseInsensitive }),
    })),
  ];
  const windowRules: WindowRule[] = blocking.window.rules.map((rule) => ({
    name: rule.name,
    pattern: SafePattern.compile(rule.pattern, { caseInsensitive: rule.caseInsensitive }),
    minMatches: rule.minMatches,
  }));
  return {
    redactors,
    blockRules,
    windowRules,
    window: { size: blocking.window.size, overlap: blocking.window.overlap },
    holdbackMaxChars: redaction.holdbackMaxChars,
    onHoldbackOverflow: redaction.onHoldbackOverflow,
    toolArguments: policy.toolArguments,
    input: compileInput(policy, redactors, hashKey),
  };
}

/**
 * The input detectors: the output's compiled redactor where the policy has one (same
 * pattern, same replacement), else the built-in detector compiled with its configured
 * replacement even when disabled for output. Priority order as for output.
 */
function compileInput(
  policy: GuardrailsPolicy,
  redactors: readonly Redactor[],
  hashKey: string | Uint8Array | undefined,
): InputGuardrails {
  const select = (names: readonly string[]): Redactor[] => {
    const wanted = new Set(names);
    const selected: Redactor[] = [];
    for (const kind of BUILT_IN_PRIORITY) {
      if (!wanted.has(kind)) continue;
      const compiled = redactors.find((redactor) => redactor.kind === kind);
      if (compiled !== undefined) {
        selected.push(compiled);
        continue;
      }
      const detector = BUILT_IN_DETECTORS[kind];
      const settings = policy.redaction.detectors[kind];
      const replacement =
        settings.replacement === 'hash' && !hashKey ? 'label' : settings.replacement;
      selected.push({
        kind,
        pattern: SafePattern.compile(detector.pattern),
        check: detector.check,
        replace: createReplace(replacement, detector, hashKey),
      });
    }
    for (const redactor of redactors) {
      if (wanted.has(redactor.kind) && !BUILT_IN_KINDS.includes(redactor.kind as BuiltInKind)) {
        selected.push(redactor);
      }
    }
    return selected;
  };
  return { redactors: select(policy.input.redact), blockers: select(policy.input.block) };
}
