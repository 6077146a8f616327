/**
 * A typed view of the instruction program RE2JS compiles a pattern into. The streaming
 * matcher runs this program itself (a Pike VM) so it can pause at the end of a delta and
 * say how far back a match could still begin — something no regex API offers. RE2JS does
 * not export the program's types, so this is the one file that knows its shape; the
 * property tests compare the streaming matcher against RE2JS's own matcher.
 */
import type { RE2JS } from 're2js';

/** Instruction codes, as RE2JS numbers them. */
export const Operation = {
  alternate: 1,
  alternateMatch: 2,
  capture: 3,
  emptyWidth: 4,
  fail: 5,
  match: 6,
  noOperation: 7,
  rune: 8,
  singleRune: 9,
  anyRune: 10,
  anyRuneExceptNewline: 11,
} as const;

/** Conditions of zero-width assertions (`^`, `$`, `\b`, `\B`), as RE2JS numbers them. */
export const EmptyWidth = {
  beginLine: 1,
  endLine: 2,
  beginText: 4,
  endText: 8,
  wordBoundary: 16,
  noWordBoundary: 32,
} as const;

export interface ProgramInstruction {
  readonly op: number;
  readonly out: number;
  /** Second branch of an alternation, or the condition mask of an empty-width assertion. */
  readonly arg: number;
  matchRune(rune: number): boolean;
}

export interface PatternProgram {
  readonly instructions: readonly ProgramInstruction[];
  readonly start: number;
}

const KNOWN_OPERATIONS = new Set<number>(Object.values(Operation));

/** Extracts the program, refusing shapes this matcher does not understand. */
export function programOf(compiled: RE2JS): PatternProgram {
  const program: unknown = compiled.re2().prog;
  const instructions = (program as { inst?: unknown }).inst;
  const start = (program as { start?: unknown }).start;
  if (!Array.isArray(instructions) || typeof start !== 'number') {
    throw new TypeError('unexpected RE2JS program shape');
  }
  for (const instruction of instructions as ProgramInstruction[]) {
    if (!KNOWN_OPERATIONS.has(instruction.op) || typeof instruction.matchRune !== 'function') {
      throw new TypeError(`unsupported RE2JS instruction ${String(instruction.op)}`);
    }
  }
  return { instructions: instructions as ProgramInstruction[], start };
}

function isWordRune(rune: number): boolean {
  return (
    (rune >= 0x30 && rune <= 0x39) ||
    (rune >= 0x41 && rune <= 0x5a) ||
    (rune >= 0x61 && rune <= 0x7a) ||
    rune === 0x5f
  );
}

/** The assertions that hold between `before` and `after` (-1 for the edges of the text). */
export function emptyWidthFlags(before: number, after: number): number {
  let flags = 0;
  if (before < 0) flags |= EmptyWidth.beginText | EmptyWidth.beginLine;
  else if (before === 0x0a) flags |= EmptyWidth.beginLine;
  if (after < 0) flags |= EmptyWidth.endText | EmptyWidth.endLine;
  else if (after === 0x0a) flags |= EmptyWidth.endLine;
  flags |=
    isWordRune(before) !== isWordRune(after) ? EmptyWidth.wordBoundary : EmptyWidth.noWordBoundary;
  return flags;
}

/**
 * Whether some path from the start reaches a match without reading a rune, whatever the
 * assertions say. A redaction or blocking pattern that can match empty text is a mistake.
 */
export function canMatchEmpty(program: PatternProgram): boolean {
  const visited = new Set<number>();
  const pending = [program.start];
  while (pending.length > 0) {
    const pc = pending.pop() as number;
    if (visited.has(pc)) continue;
    visited.add(pc);
    const instruction = program.instructions[pc];
    if (!instruction) continue;
    switch (instruction.op) {
      case Operation.match:
        return true;
      case Operation.alternate:
      case Operation.alternateMatch:
        pending.push(instruction.out, instruction.arg);
        break;
      case Operation.capture:
      case Operation.noOperation:
      case Operation.emptyWidth:
        pending.push(instruction.out);
        break;
      default:
        break;
    }
  }
  return false;
}
