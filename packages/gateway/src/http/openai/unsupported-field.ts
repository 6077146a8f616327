/**
 * Refusing what an OpenAI request asks for and Sluice cannot carry. Such a field is a
 * `400 SLUICE_ERR_UNSUPPORTED_FIELD` naming the field (its OpenAI path) and the provider,
 * never silently dropped. Schemas flag the field with a marked zod issue; the request
 * parser turns the first marked issue into the error.
 */
import { z } from 'zod';
import type { UnsupportedOption } from '../../providers/language-model.ts';
import { HttpError } from '../http-error.ts';

const UNSUPPORTED = 'sluice-unsupported-field';

/** Adds a marked issue at `path`: the field is well-formed but cannot be carried. */
export function refuseField(context: z.RefinementCtx, path: PropertyKey[], reason: string): void {
  context.addIssue({ code: 'custom', path, message: reason, params: { [UNSUPPORTED]: true } });
}

export function isUnsupportedFieldIssue(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'custom' && issue.params?.[UNSUPPORTED] === true;
}

/** `<field>: not supported for provider '<provider>': <reason>`. */
export function unsupportedFieldError(
  field: string,
  reason: string,
  provider: string | undefined,
): HttpError {
  const where = provider === undefined ? '' : ` for provider '${provider}'`;
  return new HttpError(
    'SLUICE_ERR_UNSUPPORTED_FIELD',
    `${field}: not supported${where}: ${reason}`,
  );
}

/**
 * The options a model said it cannot carry, each named by its path in the caller's OpenAI
 * request (`toOpenAiPath` translates Sluice's paths).
 */
export function unsupportedOptionsError(
  provider: string,
  unsupported: readonly UnsupportedOption[],
  toOpenAiPath: (field: string) => string,
): HttpError {
  const fields = unsupported.map((option) => {
    const reason = option.reason ?? 'the model cannot carry it';
    return `${toOpenAiPath(option.field)}: not supported for provider '${provider}': ${reason}`;
  });
  return new HttpError('SLUICE_ERR_UNSUPPORTED_FIELD', fields.join('; '));
}

/** Why a known field is refused, where a generic reason would not help the caller. */
const FIELD_REASONS: Record<string, string> = {
  name: 'Sluice does not relay participant names',
  audio: 'Sluice does not relay audio',
  function_call: 'legacy function calling; use tools and tool_calls',
  functions: 'legacy function calling; use tools',
  cache_control: 'Sluice does not relay cache hints',
};

/**
 * An object schema refusing keys outside `shape` (unless listed in `tolerated`). A key set
 * to null counts as absent, as OpenAI treats it. Refused rather than rejected as malformed:
 * the key is usually a real OpenAI feature Sluice does not relay.
 */
export function objectOfKnownKeys<Shape extends z.ZodRawShape>(
  shape: Shape,
  tolerated: readonly string[] = [],
) {
  return z.looseObject(shape).superRefine((value, context) => {
    for (const [key, entry] of Object.entries(value)) {
      if (key in shape || tolerated.includes(key) || entry === null || entry === undefined) {
        continue;
      }
      refuseField(context, [key], FIELD_REASONS[key] ?? 'Sluice does not relay this field');
    }
  });
}
