/**
 * A bound on the work of validating untrusted output against a JSON Schema. Both halves
 * may be hostile: the output is the model's, and a request's own tool schemas come from
 * the client. ajv's generated code has no step limit of its own, and some shapes are
 * expensive far beyond their size: `uniqueItems` compares every pair of items (a
 * 20,000-item array took seconds), and `anyOf` branches that `$ref` the same definition
 * double the work at every level (twenty levels, a few hundred bytes of schema, took
 * seconds on a one-character string).
 *
 * So every schema object is prepared with one extra keyword (`COST_KEYWORD`) that ajv
 * runs before any other keyword of that object: it charges one step per evaluation (plus
 * the string or key count it is about to scan) to the budget of the validation in
 * progress, and stops it once the budget is spent. `uniqueItems` is replaced by a linear
 * version (a set of canonical JSON texts) that charges the items it reads, and `pattern`
 * charges the length of the string it scans. The same schema and output always cost the
 * same, on any machine: a verdict never depends on how busy the gateway was.
 */
import type { FuncKeywordDefinition } from 'ajv';

/** The keyword the preparation adds to every schema object; its value is a `CostFlags` mask. */
export const COST_KEYWORD = 'sluice:cost';

/** What one evaluation of a schema object scans besides its subschemas. */
export const CostFlags = {
  /** The object's keys (`additionalProperties`, `patternProperties`, `propertyNames`, …). */
  objectKeys: 1,
} as const;

/** Strings are scanned (formats, lengths) at many characters per step. */
const STRING_CHARACTERS_PER_STEP = 64;
/** Regular expressions cost more per character than a format check. */
const PATTERN_CHARACTERS_PER_STEP = 4;

const BUDGET_SPENT = Symbol.for('sluice.validators.validation-budget-spent');

/** Thrown through ajv's generated code to abandon a validation; never leaves this folder. */
class ValidationBudgetSpent extends Error {
  readonly [BUDGET_SPENT] = true;
}

export function isValidationBudgetSpent(value: unknown): boolean {
  return typeof value === 'object' && value !== null && BUDGET_SPENT in value;
}

/** The steps one finalization may spend on JSON Schema checks; shared by its checks. */
export class ValidationBudget {
  #remaining: number;

  constructor(steps: number) {
    this.#remaining = steps;
  }

  get spent(): boolean {
    return this.#remaining < 0;
  }

  charge(steps: number): void {
    this.#remaining -= steps;
    if (this.#remaining < 0) throw new ValidationBudgetSpent('validation budget spent');
  }
}

/** The budget of the validation running now (validation is synchronous, so one at a time). */
let active: ValidationBudget | undefined;

/** Runs `validate` charging `budget`; outside such a call (compiling, meta-schema) nothing is charged. */
export function withinBudget<T>(budget: ValidationBudget, validate: () => T): T {
  const previous = active;
  active = budget;
  try {
    return validate();
  } finally {
    active = previous;
  }
}

function charge(steps: number): void {
  active?.charge(steps);
}

/** Charges a regular expression about to scan `input` (compiled to `instructions`). */
export function chargePattern(input: string, instructions: number): void {
  if (active === undefined) return;
  const perCharacter = 1 + Math.floor(instructions / 64);
  charge(Math.ceil((input.length * perCharacter) / PATTERN_CHARACTERS_PER_STEP));
}

export const costKeyword: FuncKeywordDefinition = {
  keyword: COST_KEYWORD,
  schemaType: 'number',
  // First in its group, so it runs before `$ref`, `anyOf` and the rest can recurse.
  before: '$ref',
  errors: false,
  validate: (flags: number, data: unknown) => {
    if (active === undefined) return true;
    let steps = 1;
    if (typeof data === 'string') steps += Math.floor(data.length / STRING_CHARACTERS_PER_STEP);
    else if ((flags & CostFlags.objectKeys) !== 0 && isPlainObject(data)) {
      steps += Object.keys(data).length;
    }
    charge(steps);
    return true;
  },
};

/**
 * `uniqueItems` in time linear in the array's size: each item's canonical JSON (object
 * keys sorted, so `{"a":1,"b":2}` equals `{"b":2,"a":1}` as JSON Schema says) goes into a
 * set. ajv's own compares every pair of items that are not all of one primitive type.
 */
export const linearUniqueItemsKeyword: FuncKeywordDefinition = {
  keyword: 'uniqueItems',
  type: 'array',
  schemaType: 'boolean',
  errors: true,
  validate: function uniqueItems(unique: boolean, data: unknown): boolean {
    if (!unique || !Array.isArray(data)) return true;
    // Primitives are their own keys (a Set tells 1 from "1"); objects and arrays are keyed
    // by their canonical JSON, which never equals a primitive.
    const seen = new Set<unknown>();
    charge(data.length);
    for (const item of data) {
      const key = typeof item === 'object' && item !== null ? canonicalJson(item) : item;
      if (seen.has(key)) {
        (uniqueItems as { errors?: unknown }).errors = [
          { keyword: 'uniqueItems', message: 'must NOT have duplicate items', params: {} },
        ];
        return false;
      }
      seen.add(key);
    }
    return true;
  },
};

/** JSON with object keys sorted; charges one step per member it writes. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    charge(value.length);
    let text = '[';
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) text += ',';
      text += canonicalJson(value[index]);
    }
    return `${text}]`;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    charge(keys.length);
    if (keys.length > 1) keys.sort();
    let text = '{';
    for (let index = 0; index < keys.length; index += 1) {
      const key = keys[index] as string;
      if (index > 0) text += ',';
      text += `${JSON.stringify(key)}:${canonicalJson(value[key])}`;
    }
    return `${text}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
