/**
 * Compiles policy JSON Schemas with ajv, configured so that a schema can never make
 * validation of model output slow: every `pattern` / `patternProperties` regex runs on
 * the linear-time RE2JS engine (through `SafePattern`) instead of the backtracking
 * `RegExp`. Unknown keywords are errors at policy load time.
 */
import { Ajv, type CodeOptions, type ValidateFunction } from 'ajv';
import formatsPluginModule from 'ajv-formats';
import { SafePattern } from '../../guardrails/safe-pattern.ts';

// ajv-formats is CommonJS with `exports.default`; under nodenext the default import is
// the module object, whose `default` is the plugin (at run time both are the plugin).
const addFormats = formatsPluginModule.default;

// ajv does not re-export these two types from its entry point.
type RegExpEngine = NonNullable<CodeOptions['regExp']>;
type RegExpLike = ReturnType<RegExpEngine>;

function linearTimeRegExp(pattern: string, flags: string): RegExpLike {
  const compiled = SafePattern.compile(pattern);
  const regExpLike = {
    test: (input: string) => compiled.test(input),
    // ajv keys its cache of compiled patterns by `toString()`, so it must be unique per pattern.
    toString: () => `/${pattern}/${flags}`,
  };
  return regExpLike;
}

const linearTimeEngine: RegExpEngine = Object.assign(linearTimeRegExp, {
  // Only used by ajv's standalone code generation, which Sluice does not use.
  code: 'linearTimeRegExp',
});

/**
 * Compiles one schema with a fresh ajv instance, so schemas of different policy versions
 * never share a registry (two versions may reuse the same `$id`). Throws ajv's error
 * (or `UnsafePatternError`) when the schema is invalid.
 *
 * A compile costs milliseconds of CPU (ajv checks the schema against its meta-schema and
 * generates code), and clients send the same tool schemas on every turn, so results are
 * kept in a bounded cache keyed by the schema's JSON text: the request check and the
 * finalizer of one request, and every later request with the same tools, compile once.
 * Refusals are cached too (bad input stays cheap to refuse). Only schemas up to
 * `CACHEABLE_SCHEMA_CHARS` are cached, and at most `CACHE_ENTRIES`, oldest out first, so
 * clients cannot grow it without bound.
 */
export function compileJsonSchema(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  if (key.length > CACHEABLE_SCHEMA_CHARS) return compileFresh(schema);
  let compiled = cache.get(key);
  if (compiled === undefined) {
    try {
      compiled = compileFresh(schema);
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
const CACHEABLE_SCHEMA_CHARS = 64 * 1024;
const cache = new Map<string, ValidateFunction | Error>();

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
    code: { regExp: linearTimeEngine },
  });
  addFormats(ajv);
  return ajv.compile(schema);
}
