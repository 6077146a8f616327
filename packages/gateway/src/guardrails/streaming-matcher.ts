/**
 * An incremental leftmost-first matcher (a Pike VM over a RE2JS program). Text arrives in
 * pieces; between pieces the matcher keeps its live threads, so it never rescans what it
 * has seen, and it can tell the caller the earliest position where a match could still
 * begin. That position is what lets the guardrails release text early without ever
 * releasing the start of a secret whose end has not arrived yet.
 *
 * Positions are absolute (counted from the start of the generation's text) in UTF-16 code
 * units, like JavaScript string indices and RE2JS match offsets.
 */
import {
  emptyWidthFlags,
  Operation,
  type PatternProgram,
  type ProgramInstruction,
} from './pattern-program.ts';

/** A piece of the text: `text` starts at absolute position `offset`. */
export interface TextView {
  readonly text: string;
  readonly offset: number;
}

export interface MatchSpan {
  readonly start: number;
  readonly end: number;
}

interface StartClosure {
  readonly canMatchEmpty: boolean;
  readonly consuming: readonly ProgramInstruction[];
  /** For ASCII runes: whether a thread started here survives the first rune. */
  readonly acceptsAscii: Uint8Array;
}

/** Start states under each set of assertion flags, per program, shared by every session. */
const startClosureCaches = new WeakMap<PatternProgram, Array<StartClosure | undefined>>();
/**
 * Per program, the assertion flags any of its instructions tests: start states differ
 * only in those, so a program without assertions has one start state instead of 64 (a
 * large term list would otherwise take seconds to prepare).
 */
const assertionMasks = new WeakMap<PatternProgram, number>();

function assertionMaskOf(program: PatternProgram): number {
  let mask = assertionMasks.get(program);
  if (mask === undefined) {
    mask = 0;
    for (const instruction of program.instructions) {
      if (instruction.op === Operation.emptyWidth) mask |= instruction.arg;
    }
    assertionMasks.set(program, mask);
  }
  return mask;
}
/**
 * Per program, the ASCII runes at which no match can start whatever the assertion flags:
 * an idle matcher passes over them without computing flags (most text, for detectors
 * that start on a digit or a fixed prefix).
 */
const asciiSkipCaches = new WeakMap<PatternProgram, Uint8Array>();
/** Every combination of the six empty-width flag bits. */
const FLAG_COMBINATIONS = 64;

function startClosuresOf(program: PatternProgram): Array<StartClosure | undefined> {
  let cache = startClosureCaches.get(program);
  if (!cache) {
    cache = new Array(64);
    startClosureCaches.set(program, cache);
  }
  return cache;
}

function consumes(instruction: ProgramInstruction, rune: number): boolean {
  switch (instruction.op) {
    case Operation.rune:
    case Operation.singleRune:
      return instruction.matchRune(rune);
    case Operation.anyRune:
      return true;
    case Operation.anyRuneExceptNewline:
      return rune !== 0x0a;
    default:
      return false;
  }
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** The rune ending just before absolute `position`, or -1 at the start of the text. */
function runeBefore(view: TextView, position: number): number {
  if (position === 0) return -1;
  const index = position - view.offset - 1;
  if (index < 0) throw new RangeError('the text view lost the context before the matcher');
  const unit = view.text.charCodeAt(index);
  if (isLowSurrogate(unit) && index > 0 && isHighSurrogate(view.text.charCodeAt(index - 1))) {
    return view.text.codePointAt(index - 1) ?? unit;
  }
  return unit;
}

export class StreamingMatcher {
  readonly #program: PatternProgram;
  readonly #startClosures: Array<StartClosure | undefined>;
  readonly #assertionMask: number;
  readonly #asciiSkip: Uint8Array;
  #threadPcs: number[] = [];
  #threadStarts: number[] = [];
  #position: number;
  #searching = true;
  #match: MatchSpan | undefined;
  // Scratch space for one step, reused to keep the per-rune cost allocation-free.
  readonly #seen: Uint32Array;
  #stamp = 0;
  readonly #stack: number[] = [];
  #closurePcs: number[] = [];
  #closureStarts: number[] = [];

  constructor(program: PatternProgram, position = 0) {
    this.#program = program;
    this.#startClosures = startClosuresOf(program);
    this.#assertionMask = assertionMaskOf(program);
    this.#position = position;
    this.#seen = new Uint32Array(program.instructions.length);
    this.#asciiSkip = this.#asciiSkipOf(program);
  }

  #asciiSkipOf(program: PatternProgram): Uint8Array {
    let skip = asciiSkipCaches.get(program);
    if (skip) return skip;
    skip = new Uint8Array(128).fill(1);
    for (let flags = 0; flags < FLAG_COMBINATIONS; flags += 1) {
      const closure = this.#startClosure(flags);
      if (closure.canMatchEmpty) {
        skip.fill(0);
        break;
      }
      for (let rune = 0; rune < 128; rune += 1)
        if (closure.acceptsAscii[rune] === 1) skip[rune] = 0;
    }
    asciiSkipCaches.set(program, skip);
    return skip;
  }

  /** Forgets everything and searches again from `position`. */
  reset(position: number): void {
    this.#threadPcs = [];
    this.#threadStarts = [];
    this.#position = position;
    this.#searching = true;
    this.#match = undefined;
  }

  /** How far the matcher has read. */
  get position(): number {
    return this.#position;
  }

  /** The leftmost-first match so far; final once `settled` is true. */
  get match(): MatchSpan | undefined {
    return this.#match;
  }

  /** A match was found and no more text can change it. */
  get settled(): boolean {
    return !this.#searching && this.#threadPcs.length === 0;
  }

  /** The earliest position where a match could still begin (or is still growing). */
  get pendingStart(): number {
    let earliest = this.#position;
    for (const start of this.#threadStarts) if (start < earliest) earliest = start;
    return earliest;
  }

  /**
   * Reads the view from the current position to its end. Without `endOfText`, stops before
   * the last rune whose successor decides an assertion — simply: it reads every rune, and
   * evaluates the assertions at a position once the rune after it is known.
   */
  advance(view: TextView, endOfText: boolean): void {
    const end = view.offset + view.text.length;
    const skip = this.#asciiSkip;
    const text = view.text;
    for (;;) {
      if (this.settled) return;
      if (this.#threadPcs.length === 0 && this.#searching) {
        // Same outcome as the general path below, where #mayStartAt would say no.
        let position = this.#position;
        while (position < end) {
          const unit = text.charCodeAt(position - view.offset);
          if (unit >= 128 || skip[unit] !== 1) break;
          position += 1;
        }
        this.#position = position;
      }
      const position = this.#position;
      let rune: number;
      let width = 1;
      if (position >= end) {
        if (!endOfText) return;
        rune = -1;
      } else {
        const unit = view.text.charCodeAt(position - view.offset);
        rune = unit;
        if (isHighSurrogate(unit)) {
          // Half of a pair at the end of a delta: wait for the other half.
          if (position + 1 >= end && !endOfText) return;
          rune = view.text.codePointAt(position - view.offset) ?? unit;
          if (rune > 0xffff) width = 2;
        }
      }
      const flags = emptyWidthFlags(runeBefore(view, position), rune);
      if (this.#threadPcs.length === 0 && this.#searching && !this.#mayStartAt(flags, rune)) {
        if (rune < 0) return;
        this.#position = position + width;
        continue;
      }
      this.#step(position, rune, flags);
      if (rune < 0) return;
      this.#position = position + width;
    }
  }

  #mayStartAt(flags: number, rune: number): boolean {
    const closure = this.#startClosure(flags);
    if (closure.canMatchEmpty) return true;
    if (rune < 0) return false;
    if (rune < 128) return closure.acceptsAscii[rune] === 1;
    return closure.consuming.some((instruction) => consumes(instruction, rune));
  }

  #startClosure(allFlags: number): StartClosure {
    const flags = allFlags & this.#assertionMask;
    const cached = this.#startClosures[flags];
    if (cached) return cached;
    this.#closurePcs = [];
    this.#closureStarts = [];
    this.#nextStamp();
    this.#addClosure(this.#program.start, 0, flags);
    const instructions = this.#program.instructions;
    const leaves = this.#closurePcs.map((pc) => instructions[pc] as ProgramInstruction);
    const consuming = leaves.filter((instruction) => instruction.op !== Operation.match);
    const acceptsAscii = new Uint8Array(128);
    for (let rune = 0; rune < 128; rune += 1) {
      if (consuming.some((instruction) => consumes(instruction, rune))) acceptsAscii[rune] = 1;
    }
    const closure = {
      canMatchEmpty: leaves.length !== consuming.length,
      consuming,
      acceptsAscii,
    };
    this.#startClosures[flags] = closure;
    return closure;
  }

  #nextStamp(): void {
    this.#stamp += 1;
    if (this.#stamp === 0xffffffff) {
      this.#seen.fill(0);
      this.#stamp = 1;
    }
  }

  /** Follows empty transitions from `pc` in priority order, collecting runes and matches. */
  #addClosure(pc: number, start: number, flags: number): void {
    const instructions = this.#program.instructions;
    const stack = this.#stack;
    stack.push(pc);
    while (stack.length > 0) {
      const current = stack.pop() as number;
      if (this.#seen[current] === this.#stamp) continue;
      this.#seen[current] = this.#stamp;
      const instruction = instructions[current] as ProgramInstruction;
      switch (instruction.op) {
        case Operation.alternate:
        case Operation.alternateMatch:
          // The stack pops `out` first: it is the preferred branch.
          stack.push(instruction.arg, instruction.out);
          break;
        case Operation.capture:
        case Operation.noOperation:
          stack.push(instruction.out);
          break;
        case Operation.emptyWidth:
          if ((instruction.arg & ~flags) === 0) stack.push(instruction.out);
          break;
        case Operation.fail:
          break;
        default:
          this.#closurePcs.push(current);
          this.#closureStarts.push(start);
      }
    }
  }

  #step(position: number, rune: number, flags: number): void {
    this.#closurePcs = [];
    this.#closureStarts = [];
    this.#nextStamp();
    const pcs = this.#threadPcs;
    const starts = this.#threadStarts;
    for (let index = 0; index < pcs.length; index += 1) {
      this.#addClosure(pcs[index] as number, starts[index] as number, flags);
    }
    // The new thread has the lowest priority: an earlier start always wins.
    if (this.#searching) this.#addClosure(this.#program.start, position, flags);
    const instructions = this.#program.instructions;
    const nextPcs: number[] = [];
    const nextStarts: number[] = [];
    const closurePcs = this.#closurePcs;
    for (let index = 0; index < closurePcs.length; index += 1) {
      const instruction = instructions[closurePcs[index] as number] as ProgramInstruction;
      const start = this.#closureStarts[index] as number;
      if (instruction.op === Operation.match) {
        // Leftmost-first: this match beats every lower-priority thread, so cut them.
        this.#match = { start, end: position };
        this.#searching = false;
        break;
      }
      if (rune >= 0 && consumes(instruction, rune)) {
        nextPcs.push(instruction.out);
        nextStarts.push(start);
      }
    }
    this.#threadPcs = nextPcs;
    this.#threadStarts = nextStarts;
  }
}
