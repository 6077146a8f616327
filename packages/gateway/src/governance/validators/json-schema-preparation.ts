/**
 * Prepares a JSON Schema for the budgeted validator: a copy with the cost keyword in every
 * schema object (see `json-schema-budget.ts`). For the budget to hold, every schema ajv
 * could ever run must carry it, so references are restricted to what can be checked here:
 * a `$ref` must point (`#`, `#/$defs/x`, `#/properties/a/items`, …) at a schema position
 * of this document, and `$id` may only name the root. A `$ref` into `default`, `examples`
 * or `enum` (where ajv would compile data that was never prepared) or to another document
 * is refused, as are schemas that nest deeper than `MAX_SCHEMA_DEPTH`.
 */
import { COST_KEYWORD, CostFlags } from './json-schema-budget.ts';

/** Deeper than any hand-written or generated schema; keeps compiling bounded too. */
export const MAX_SCHEMA_DEPTH = 64;

const SINGLE_SUBSCHEMA = new Set([
  'not',
  'if',
  'then',
  'else',
  'propertyNames',
  'additionalProperties',
  'additionalItems',
  'contains',
]);
const SUBSCHEMA_ARRAYS = new Set(['anyOf', 'oneOf', 'allOf']);
const SUBSCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions']);
/** Keywords that make one evaluation loop over the object's keys. */
const KEY_SCANNING = [
  'additionalProperties',
  'patternProperties',
  'propertyNames',
  'minProperties',
  'maxProperties',
  'dependencies',
];

const SCHEMA_ERROR = Symbol.for('sluice.validators.unsupported-schema-error');

/** The schema uses a construct the budgeted validator cannot bound. */
export class UnsupportedSchemaError extends Error {
  readonly [SCHEMA_ERROR] = true;
  override readonly name = 'UnsupportedSchemaError';

  static isInstance(value: unknown): value is UnsupportedSchemaError {
    return typeof value === 'object' && value !== null && SCHEMA_ERROR in value;
  }
}

type Segments = readonly string[];

export function prepareJsonSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const positions = new Set<string>();
  const references: string[] = [];
  const prepared = prepare(schema, [], 0, positions, references) as Record<string, unknown>;
  for (const reference of references) {
    const segments = pointerOf(reference);
    if (segments === undefined || !positions.has(JSON.stringify(segments))) {
      // The reference itself is not quoted: error messages never echo request content.
      throw new UnsupportedSchemaError('every $ref must point at a schema in this document (#/…)');
    }
  }
  return prepared;
}

function prepare(
  node: unknown,
  path: Segments,
  depth: number,
  positions: Set<string>,
  references: string[],
): unknown {
  positions.add(JSON.stringify(path));
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return node;
  if (depth > MAX_SCHEMA_DEPTH) {
    throw new UnsupportedSchemaError(`schema nests deeper than ${MAX_SCHEMA_DEPTH} levels`);
  }
  const source = node as Record<string, unknown>;
  if (path.length > 0 && source.$id !== undefined) {
    throw new UnsupportedSchemaError('$id is only supported on the root schema');
  }
  if (typeof source.$ref === 'string') references.push(source.$ref);
  const copy: Record<string, unknown> = { ...source };
  const child = (value: unknown, ...segments: string[]) =>
    prepare(value, [...path, ...segments], depth + 1, positions, references);
  for (const [keyword, value] of Object.entries(source)) {
    if (SINGLE_SUBSCHEMA.has(keyword)) {
      copy[keyword] = child(value, keyword);
    } else if (keyword === 'items') {
      copy[keyword] = Array.isArray(value)
        ? value.map((item, index) => child(item, keyword, String(index)))
        : child(value, keyword);
    } else if (SUBSCHEMA_ARRAYS.has(keyword) && Array.isArray(value)) {
      copy[keyword] = value.map((item, index) => child(item, keyword, String(index)));
    } else if ((SUBSCHEMA_MAPS.has(keyword) || keyword === 'dependencies') && isMap(value)) {
      copy[keyword] = Object.fromEntries(
        Object.entries(value).map(([name, item]) =>
          // `dependencies` values are schemas or lists of property names.
          [
            name,
            keyword === 'dependencies' && Array.isArray(item) ? item : child(item, keyword, name),
          ],
        ),
      );
    }
  }
  const scansKeys = KEY_SCANNING.some((keyword) => source[keyword] !== undefined);
  copy[COST_KEYWORD] = scansKeys ? CostFlags.objectKeys : 0;
  return copy;
}

/** The JSON Pointer segments of a local reference (`#/a/b`), as ajv decodes them. */
function pointerOf(reference: string): Segments | undefined {
  if (!reference.startsWith('#')) return undefined;
  let fragment: string;
  try {
    fragment = decodeURIComponent(reference.slice(1));
  } catch {
    return undefined;
  }
  if (fragment === '') return [];
  if (!fragment.startsWith('/')) return undefined;
  return fragment
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
