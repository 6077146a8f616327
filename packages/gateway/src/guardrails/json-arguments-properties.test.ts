import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Guardrails } from './guardrails.ts';
import { type ArgumentsOutput, JsonArgumentsRedactor } from './json-arguments-redactor.ts';
import { redactText } from './redact-text.ts';
import { chunk, guardrailsOf, MASKED_POLICY } from './testing/guardrails-arbitraries.ts';
import {
  expectedRedaction,
  type JsonTree,
  jsonStyle,
  parseJsonTree,
  plantedTree,
  serialize,
  textsOf,
} from './testing/json-trees.ts';

const plain = guardrailsOf();
const masked = guardrailsOf(MASKED_POLICY);

function redactArguments(guardrails: Guardrails, pieces: readonly string[]) {
  const redactor = new JsonArgumentsRedactor(guardrails);
  const outputs: ArgumentsOutput[] = pieces.map((piece) => redactor.push(piece));
  const last = redactor.end();
  outputs.push(last);
  const counts: Record<string, number> = {};
  for (const output of outputs) {
    for (const { kind, count } of output.redactions) counts[kind] = (counts[kind] ?? 0) + count;
  }
  const text = outputs.map((output) => output.text).join('');
  return { outputs, text, counts, valid: last.valid, holdback: redactor.holdbackChars };
}

/** Redaction counts over every string and number of a tree, as `redactText` gives them. */
function expectedCounts(tree: JsonTree, guardrails: Guardrails): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (text: string) => {
    for (const { kind, count } of redactText(guardrails.redactors, text).redactions) {
      counts[kind] = (counts[kind] ?? 0) + count;
    }
  };
  const visit = (node: JsonTree): void => {
    if (typeof node === 'string') add(node);
    else if (typeof node === 'number') add(JSON.stringify(node));
    else if (Array.isArray(node)) node.forEach(visit);
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of node.entries) {
        add(key);
        visit(value);
      }
    }
  };
  visit(tree);
  return counts;
}

/** JSON.parse decides validity correctly; only its key decoding has a V8 bug. */
function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const cuts = fc.oneof(fc.array(fc.nat(), { maxLength: 40 }), fc.constant('single-units' as const));
const piecesOf = (text: string, points: readonly number[] | 'single-units') =>
  points === 'single-units' ? text.split('') : chunk(text, points);

/** Text over an alphabet that is mostly JSON syntax, escapes and entity pieces. */
const hostileText = fc
  .array(
    fc.constantFrom(
      ...'{}[]:,"\\ \n\t-+.0123456789eEuabf/\'@x',
      'true',
      'null',
      '\\u00',
      '\\ud83d',
      '\\ude00',
      '\ud83d',
      '\ude00',
      '😀',
      '\u0001',
      '"a@b.co"',
      '4111111111111111',
      '"sk-proj-abcdefghijklmnopqrstuvwxyz"',
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

const validArguments = fc
  .tuple(plantedTree, jsonStyle)
  .map(([planted, style]) => ({ ...planted, text: serialize(planted.tree, style) }));

describe('JsonArgumentsRedactor properties', () => {
  test('(a) the output is the same however the input is split', () => {
    const input = fc.oneof(
      validArguments.map(({ text }) => text),
      validArguments.chain(({ text }) => fc.nat(text.length).map((end) => text.slice(0, end))),
      hostileText,
    );
    fc.assert(
      fc.property(input, cuts, fc.boolean(), (text, points, useMasked) => {
        const guardrails = useMasked ? masked : plain;
        const whole = redactArguments(guardrails, [text]);
        const split = redactArguments(guardrails, piecesOf(text, points));
        expect(split.text).toBe(whole.text);
        expect(split.counts).toEqual(whole.counts);
        expect(split.valid).toBe(whole.valid);
        expect(split.holdback).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  test('(b) valid JSON stays valid JSON of the same shape, every string redacted as text', () => {
    fc.assert(
      fc.property(validArguments, cuts, fc.boolean(), ({ tree, text }, points, useMasked) => {
        const guardrails = useMasked ? masked : plain;
        const result = redactArguments(guardrails, piecesOf(text, points));
        expect(result.valid).toBe(true);
        expect(parseJsonTree(result.text)).toEqual(expectedRedaction(tree, guardrails.redactors));
        expect(result.counts).toEqual(expectedCounts(tree, guardrails));
      }),
      { numRuns: 1000 },
    );
  });

  test('(c) no planted value survives, in JSON or in single-quoted pseudo-JSON', () => {
    fc.assert(
      fc.property(
        plantedTree,
        jsonStyle,
        fc.boolean(),
        cuts,
        ({ tree, planted }, style, singleQuotes, points) => {
          const text = serialize(tree, singleQuotes ? { ...style, quote: "'" } : style);
          const result = redactArguments(plain, piecesOf(text, points));
          const everything = JSON.stringify(result.outputs);
          const texts = result.valid ? textsOf(parseJsonTree(result.text)) : [];
          for (const value of planted) {
            expect(result.text).not.toContain(value);
            expect(everything).not.toContain(value);
            for (const decoded of texts) expect(decoded).not.toContain(value);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('(d) any text: never throws, and `valid` is exactly what JSON.parse says', () => {
    const input = fc.oneof(
      hostileText,
      fc.string({ unit: 'binary', maxLength: 30 }),
      validArguments.chain(({ text }) => fc.nat(text.length).map((end) => text.slice(0, end))),
    );
    fc.assert(
      fc.property(input, cuts, (text, points) => {
        const result = redactArguments(masked, piecesOf(text, points));
        expect(result.valid).toBe(parses(text));
        // Valid input always gives valid output.
        if (result.valid) expect(parses(result.text)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
