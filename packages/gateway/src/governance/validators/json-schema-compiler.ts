/**
 * Compiles JSON Schemas (a policy's, and the tool and response schemas a request
 * declares) with ajv, configured so that neither the schema nor the output can make the
 * gateway slow:
 * - every `pattern` / `patternProperties` regex runs on the linear-time RE2JS engine
 *   (through `SafePattern`, within its size limit) instead of the backtracking `RegExp`;
 * - a schema's JSON text is at most `MAX_SCHEMA_CHARS` (compiling costs a few
 *   microseconds per character, on the event loop) and ajv's code optimiser, which costs
 *   several times the compile itself and overflows the stack on wide schemas, is off;
 * - validation runs within a step budget (`json-schema-budget.ts`), and `uniqueItems` is
 *   linear.
 * Unknown keywords are errors when the schema is compiled.
 */
import { Ajv, type CodeOptions, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsPluginModule from 'ajv-formats';
import { SafePattern } from '../../guardrails/safe-pattern.ts';
import {
  chargePattern,
  costKeyword,
  isValidationBudgetSpent,
  linearUniqueItemsKeyword,
  type ValidationBudget,
  withinBudget,
} from './json-schema-budget.ts';
import { prepareJsonSchema, UnsupportedSchemaError } from './json-schema-preparation.ts';

// ajv-formats is CommonJS with `exports.default`; under nodenext the default import is
// the module object, whose `default` is the plugin (at run time both are the plugin).
const addFormats = formatsPluginModule.default;

/** Larger than the tool schemas of real APIs; compiling one this size takes ~0.1 s. */
export const MAX_SCHEMA_CHARS = 32 * 1024;

// ajv does not re-export these two types from its entry point.
type RegExpEngine = NonNullable<CodeOptions['regExp']>;
type RegExpLike = ReturnType<RegExpEngine>;

function linearTimeRegExp(pattern: string, flags: string): RegExpLike {
  const compiled = SafePattern.compile(pattern);
  const instructions = compiled.program.instructions.length;
  const regExpLike = {
    test: (input: string) => {
      chargePattern(input, instructions);
      return compiled.test(input);
    },
    // ajv keys its cache of compiled patterns by `toString()`, so it must be unique per pattern.
    toString: () => `/${pattern}/${flags}`,
  };
  return regExpLike;
}

const linearTimeEngine: RegExpEngine = Object.assign(linearTimeRegExp, {
  // Only used by ajv's standalone code generation, which Sluice does not use.
  code: 'linearTimeRegExp',
});

/** What one budgeted validation found. */
export type SchemaVerdict =
  | { result: 'valid' }
  | { result: 'invalid'; error: ErrorObject | undefined }
  /** The budget ran out first: the value is too large or the schema too costly for it. */
  | { result: 'over-budget' }
  /** Validation itself failed (e.g. nesting deep enough to exhaust the stack). */
  | { result: 'not-validated'; reason: string };

/** Validates a value within a budget; the budget may be shared with other checks. */
export type CompiledJsonSchema = (value: unknown, budget: ValidationBudget) => SchemaVerdict;

/**
 * Compiles one schema with a fresh ajv instance, so schemas of different policy versions
 * never share a registry (two versions may reuse the same `$id`). Throws ajv's error,
 * `UnsafePatternError` or `UnsupportedSchemaError` when the schema is invalid, too large
 * or uses a reference the budget cannot follow.
 *
 * Clients send the same tool schemas on every turn, so results are kept in a bounded
 * cache keyed by the schema's JSON text: the request check and the finalizer of one
 * request, and every later request with the same tools, compile once. Refusals are
 * cached too (bad input stays cheap to refuse). At most `CACHE_ENTRIES` are kept, oldest
 * out first, so clients cannot grow it without bound.
 */
export function compileJsonSchema(schema: Record<string, unknown>): CompiledJsonSchema {
  const key = JSON.stringify(schema);
  if (key.length > MAX_SCHEMA_CHARS) {
    throw new UnsupportedSchemaError(
      `schema is ${key.length} characters of JSON, more than the ${MAX_SCHEMA_CHARS} this gateway compiles`,
    );
  }
  let compiled = cache.get(key);
  if (compiled === undefined) {
    try {
      compiled = budgeted(compileFresh(schema));
    } catch (error) {
      compiled = error instanceof Error ? error : new Error(String(error));
    }
    if (cache.size >= CACHE_ENTRIES) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(key, compiled);
  }
  if (compiled instanceof Error) throw compiled;
  return compiled;
}

const CACHE_ENTRIES = 512;
const cache = new Map<string, CompiledJsonSchema | Error>();

function budgeted(validate: ValidateFunction): CompiledJsonSchema {
  return (value, budget) => {
    try {
      if (withinBudget(budget, () => validate(value))) return { result: 'valid' };
      return { result: 'invalid', error: validate.errors?.[0] ?? undefined };
    } catch (error) {
      if (isValidationBudgetSpent(error)) return { result: 'over-budget' };
      const kind = error instanceof Error ? error.name : 'unknown error';
      return { result: 'not-validated', reason: kind };
    }
  };
}

function compileFresh(schema: Record<string, unknown>): ValidateFunction {
  const ajv = new Ajv({
    // Unknown keywords and malformed schemas are errors (they are usually typos that would
    // silently validate nothing); the stylistic strict checks stay off because ordinary
    // schemas (e.g. `properties` without `type: 'object'`) trip them.
    strictSchema: true,
    strictNumbers: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    logger: false,
    // Stop at the first error: model output is untrusted and may be large.
    allErrors: false,
    code: { regExp: linearTimeEngine, optimize: false },
  });
  addFormats(ajv);
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword(linearUniqueItemsKeyword);
  ajv.addKeyword(costKeyword);
  return ajv.compile(prepareJsonSchema(schema));
}
