/**
 * An upper bound on the number of instructions RE2JS compiles a pattern to, read from the
 * pattern's syntax alone, so an oversized pattern is refused before it is compiled:
 * compiling costs microseconds per instruction on the event loop, and a 2,000-character
 * pattern can ask for hundreds of thousands (`\w{1,1000}` repeated, each repetition a
 * copy). The sizes follow RE2's own estimate (`calcSize` in its parser): a literal
 * character, class or assertion is 1; a capture adds 2; `*` adds 2, `+` and `?` add 1;
 * `x{n,m}` is `m` copies of `x` plus `m - n`; alternatives add one per `|`.
 *
 * Only the syntax that changes sizes is parsed (groups, alternation, repetition) and
 * everything else counts as one instruction per character, so the bound errs high: RE2
 * merges alternatives and classes and never compiles more than this. A pattern RE2 would
 * reject still gets a number; compiling it then fails quickly.
 */

/** Instructions every program has besides the pattern's own (fail, the whole-match capture, match). */
const PROGRAM_OVERHEAD = 8;

interface Frame {
  /** Sizes of the finished alternatives. */
  alternatives: number[];
  /** Size of the alternative being read. */
  current: number;
  /** Size of the last atom of `current` (what a quantifier repeats); 0 when none. */
  last: number;
  capture: boolean;
}

const REPEAT = /^\{(\d{1,9})(?:(,)(\d{0,9}))?\}/;

export function estimateProgramSize(source: string): number {
  const stack: Frame[] = [frame(false)];
  const top = () => stack.at(-1) as Frame;
  const atom = (size: number) => {
    const current = top();
    current.current += size;
    current.last = size;
  };
  const repeat = (size: (sub: number) => number) => {
    const current = top();
    const repeated = size(current.last);
    current.current += repeated - current.last;
    current.last = repeated;
  };
  let index = 0;
  while (index < source.length) {
    const character = source[index] as string;
    switch (character) {
      case '\\':
        index = readEscape(source, index, atom);
        continue;
      case '[':
        index = skipClass(source, index);
        atom(1);
        continue;
      case '(': {
        const group = groupHead(source, index);
        index = group.end;
        if (group.kind !== 'flags') stack.push(frame(group.kind === 'capture'));
        continue;
      }
      case ')': {
        if (stack.length === 1) break;
        const closed = stack.pop() as Frame;
        atom(sizeOf(closed) + (closed.capture ? 2 : 0));
        index += 1;
        continue;
      }
      case '|': {
        const current = top();
        current.alternatives.push(current.current);
        current.current = 0;
        current.last = 0;
        index += 1;
        continue;
      }
      case '*':
        repeat((sub) => 2 + sub);
        index += 1;
        continue;
      case '+':
      case '?':
        repeat((sub) => 1 + sub);
        index += 1;
        continue;
      case '{': {
        const match = REPEAT.exec(source.slice(index, index + 22));
        if (match) {
          const min = Number(match[1]);
          const max = match[2] === undefined ? min : match[3] === '' ? -1 : Number(match[3]);
          repeat((sub) => {
            if (max === -1) return min === 0 ? 2 + sub : 1 + min * sub;
            return Math.max(max, min) * sub + Math.max(0, max - min);
          });
          index += match[0].length;
          continue;
        }
        break;
      }
    }
    atom(1);
    index += codePointLength(source, index);
  }
  while (stack.length > 1) {
    const closed = stack.pop() as Frame;
    atom(sizeOf(closed) + (closed.capture ? 2 : 0));
  }
  return sizeOf(top()) + PROGRAM_OVERHEAD;
}

function frame(capture: boolean): Frame {
  return { alternatives: [], current: 0, last: 0, capture };
}

function sizeOf(frame: Frame): number {
  const sizes = [...frame.alternatives, frame.current];
  const total = sizes.reduce((sum, size) => sum + Math.max(1, size), 0);
  return total + sizes.length - 1;
}

/** Reads the escape at `index`; returns the index after it. */
function readEscape(source: string, index: number, atom: (size: number) => void): number {
  const kind = source[index + 1];
  if (kind === undefined) {
    atom(1);
    return index + 1;
  }
  if (kind === 'Q') {
    // Literal text up to `\E`: one instruction per character.
    const end = source.indexOf('\\E', index + 2);
    const stop = end === -1 ? source.length : end;
    for (let position = index + 2; position < stop; ) {
      atom(1);
      position += codePointLength(source, position);
    }
    return end === -1 ? source.length : end + 2;
  }
  atom(1);
  if ((kind === 'p' || kind === 'P' || kind === 'x') && source[index + 2] === '{') {
    const end = source.indexOf('}', index + 3);
    return end === -1 ? source.length : end + 1;
  }
  return index + 1 + codePointLength(source, index + 1);
}

/** The index after the character class that opens at `index`. */
function skipClass(source: string, index: number): number {
  let position = index + 1;
  if (source[position] === '^') position += 1;
  if (source[position] === ']') position += 1;
  while (position < source.length) {
    const character = source[position];
    if (character === ']') return position + 1;
    if (character === '\\') {
      const kind = source[position + 1];
      if ((kind === 'p' || kind === 'P' || kind === 'x') && source[position + 2] === '{') {
        const end = source.indexOf('}', position + 3);
        position = end === -1 ? source.length : end + 1;
      } else {
        position += 1 + (kind === undefined ? 0 : codePointLength(source, position + 1));
      }
      continue;
    }
    if (character === '[' && source[position + 1] === ':') {
      const end = source.indexOf(':]', position + 2);
      position = end === -1 ? position + 1 : end + 2;
      continue;
    }
    position += codePointLength(source, position);
  }
  return position;
}

/** What `(` at `index` opens, and the index after its head. */
function groupHead(
  source: string,
  index: number,
): { kind: 'capture' | 'group' | 'flags'; end: number } {
  if (source[index + 1] !== '?') return { kind: 'capture', end: index + 1 };
  const named = /^\(\?P?<[A-Za-z0-9_]*>/.exec(source.slice(index, index + 200));
  if (named) return { kind: 'capture', end: index + named[0].length };
  const flags = /^\(\?[A-Za-z-]*([:)])/.exec(source.slice(index, index + 20));
  if (flags) return { kind: flags[1] === ')' ? 'flags' : 'group', end: index + flags[0].length };
  // Lookaround and anything else: a group, counted like a capture (RE2 decides if it is valid).
  return { kind: 'capture', end: index + 2 };
}

function codePointLength(source: string, index: number): number {
  const code = source.charCodeAt(index);
  return code >= 0xd800 && code <= 0xdbff && index + 1 < source.length ? 2 : 1;
}
