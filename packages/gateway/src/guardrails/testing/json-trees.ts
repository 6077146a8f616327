/**
 * JSON documents for the arguments redactor's property tests, built as trees so a test
 * knows every string and number the text holds: object entries stay a list (two keys may
 * be equal, or redact to equal keys), and the serializer varies what JSON leaves open —
 * whitespace, `\u` escapes in place of characters, upper- or lower-case hex, and, to make
 * invalid arguments of a common kind, single-quoted strings with raw contents.
 */
import fc from 'fast-check';
import type { Redactor } from '../guardrails.ts';
import { JSON_SIMPLE_ESCAPES } from '../json-grammar.ts';
import { redactText } from '../redact-text.ts';
import { digits, luhnComplete, plantedText } from './guardrails-arbitraries.ts';

export interface JsonObjectNode {
  readonly entries: ReadonlyArray<readonly [string, JsonTree]>;
}
export type JsonTree = string | number | boolean | null | JsonTree[] | JsonObjectNode;

export interface PlantedTree {
  readonly tree: JsonTree;
  /** Every entity planted in the tree's strings and numbers. */
  readonly planted: readonly string[];
}

export interface JsonStyle {
  /** Every n-th character of a string is written as `\uXXXX`; 0: none. */
  readonly escapeEvery: number;
  readonly upperCaseHex: boolean;
  /** Written after `{`, `[`, `,`, `:` and before `}`, `]`. */
  readonly space: string;
  /** `'`: pseudo-JSON as a careless model writes it, with string contents left raw. */
  readonly quote: '"' | "'";
}

export const jsonStyle: fc.Arbitrary<JsonStyle> = fc.record({
  escapeEvery: fc.constantFrom(0, 0, 1, 2, 3, 7),
  upperCaseHex: fc.boolean(),
  space: fc.constantFrom('', ' ', '\n  ', '\t', '\r\n'),
  quote: fc.constant('"' as const),
});

/** Characters JSON must escape, or that a decoder could get wrong. */
const awkward = fc.constantFrom('', '"', '\\', '/', '\t', '\u0001', '😀', '\u2028', 'é', '\ud800');

const plantedString = fc
  .tuple(plantedText({ minParts: 0, maxParts: 4 }), awkward)
  .map(([{ text, planted }, extra]) => ({ text: extra + text, planted }));

/** A card number small enough to be an exact JavaScript number. */
const cardNumber = digits(14).map((body) => Number(luhnComplete(`4${body}`)));

const isObjectNode = (tree: JsonTree): tree is JsonObjectNode =>
  tree !== null && typeof tree === 'object' && !Array.isArray(tree);

export const plantedTree: fc.Arbitrary<PlantedTree> = fc.letrec<{ node: PlantedTree }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 3, depthSize: 'small' },
    plantedString.map(({ text, planted }) => ({ tree: text, planted })),
    cardNumber.map((number) => ({ tree: number, planted: [String(number)] })),
    fc
      .oneof(
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
      )
      .map((tree) => ({ tree, planted: [] })),
    fc.array(tie('node'), { maxLength: 4 }).map((items) => ({
      tree: items.map((item) => item.tree),
      planted: items.flatMap((item) => item.planted),
    })),
    fc.array(fc.tuple(plantedString, tie('node')), { maxLength: 4 }).map((entries) => ({
      tree: { entries: entries.map(([key, value]) => [key.text, value.tree] as const) },
      planted: entries.flatMap(([key, value]) => [...key.planted, ...value.planted]),
    })),
  ),
})).node;

function serializeString(value: string, style: JsonStyle): string {
  if (style.quote === "'") return `'${value}'`;
  let content = '';
  let index = 0;
  for (const character of value) {
    if (style.escapeEvery > 0 && index % style.escapeEvery === 0) {
      for (let unit = 0; unit < character.length; unit += 1) {
        const hex = character.charCodeAt(unit).toString(16).padStart(4, '0');
        content += `\\u${style.upperCaseHex ? hex.toUpperCase() : hex}`;
      }
    } else {
      content += JSON.stringify(character).slice(1, -1);
    }
    index += 1;
  }
  return style.quote + content + style.quote;
}

export function serialize(tree: JsonTree, style: JsonStyle): string {
  const space = style.space;
  if (typeof tree === 'string') return serializeString(tree, style);
  if (typeof tree !== 'object' || tree === null) return JSON.stringify(tree);
  if (Array.isArray(tree)) {
    const items = tree.map((item) => serialize(item, style));
    return `[${space}${items.join(`,${space}`)}${space}]`;
  }
  const entries = tree.entries.map(
    ([key, value]) => `${serializeString(key, style)}:${space}${serialize(value, style)}`,
  );
  return `{${space}${entries.join(`,${space}`)}${space}}`;
}

/** The tree the redacted arguments of `tree` must parse to (see `parseJsonTree`). */
export function expectedRedaction(tree: JsonTree, redactors: readonly Redactor[]): JsonTree {
  if (typeof tree === 'string') return redactText(redactors, tree).text;
  if (typeof tree === 'number') {
    const token = JSON.stringify(tree);
    const redacted = redactText(redactors, token).text;
    return redacted === token ? Number(token) : redacted;
  }
  if (Array.isArray(tree)) return tree.map((item) => expectedRedaction(item, redactors));
  if (isObjectNode(tree)) {
    return {
      entries: tree.entries.map(
        ([key, value]) =>
          [redactText(redactors, key).text, expectedRedaction(value, redactors)] as const,
      ),
    };
  }
  return tree;
}

/** Every string, key and number (as text) in a tree. */
export function textsOf(tree: JsonTree): string[] {
  if (typeof tree === 'string') return [tree];
  if (typeof tree === 'number') return [String(tree)];
  if (Array.isArray(tree)) return tree.flatMap(textsOf);
  if (isObjectNode(tree)) return tree.entries.flatMap(([key, value]) => [key, ...textsOf(value)]);
  return [];
}

const SCALAR = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/;

/**
 * A strict JSON parser into a tree, as the oracle of the property tests. Not `JSON.parse`:
 * it would merge duplicate keys, and V8 (Node 24 and later, nodejs/node#63785) can decode an
 * escaped key wrongly (`"\""` read as `"\\"`) once an earlier parse has seen a `"\\"` key.
 */
export function parseJsonTree(text: string): JsonTree {
  let position = 0;
  const fail = (): never => {
    throw new SyntaxError(`invalid JSON at ${position}`);
  };
  const skipWhitespace = () => {
    while (/^[ \t\n\r]$/.test(text.charAt(position))) position += 1;
  };
  const expect = (character: string) => {
    skipWhitespace();
    if (text.charAt(position) !== character) fail();
    position += 1;
  };
  const parseString = (): string => {
    expect('"');
    let value = '';
    for (;;) {
      const character = text.charAt(position);
      position += 1;
      if (character === '"') return value;
      if (character === '' || character < ' ') fail();
      if (character !== '\\') {
        value += character;
        continue;
      }
      const escaped = text.charAt(position);
      position += 1;
      const simple = JSON_SIMPLE_ESCAPES[escaped];
      if (simple !== undefined) {
        value += simple;
        continue;
      }
      const hex = text.slice(position, position + 4);
      if (escaped !== 'u' || !/^[0-9A-Fa-f]{4}$/.test(hex)) fail();
      value += String.fromCharCode(Number.parseInt(hex, 16));
      position += 4;
    }
  };
  const parseValue = (): JsonTree => {
    skipWhitespace();
    const character = text.charAt(position);
    if (character === '"') return parseString();
    if (character === '[' || character === '{') {
      const close = character === '[' ? ']' : '}';
      const items: JsonTree[] = [];
      const entries: Array<readonly [string, JsonTree]> = [];
      position += 1;
      skipWhitespace();
      if (text.charAt(position) === close) position += 1;
      else {
        for (;;) {
          if (close === ']') items.push(parseValue());
          else {
            const key = parseString();
            expect(':');
            entries.push([key, parseValue()]);
          }
          skipWhitespace();
          const next = text.charAt(position);
          position += 1;
          if (next === close) break;
          if (next !== ',') fail();
        }
      }
      return close === ']' ? items : { entries };
    }
    const token = SCALAR.exec(text.slice(position))?.[0] ?? fail();
    position += token.length;
    if (token === 'true' || token === 'false') return token === 'true';
    return token === 'null' ? null : Number(token);
  };
  const value = parseValue();
  skipWhitespace();
  if (position !== text.length) fail();
  return value;
}
