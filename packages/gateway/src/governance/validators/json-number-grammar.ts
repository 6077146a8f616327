/**
 * JSON's number grammar, `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`, as a state
 * machine read one character at a time: the streaming JSON parser knows at each character
 * whether the number can still be valid and how much of it is a complete number, without
 * re-reading what came before (a regular expression over the whole unfinished number on
 * every delta made a long run of `-` cost the square of its length).
 */

/**
 * Where a number is in JSON's grammar: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`.
 * `zero`, `integer`, `fraction` and `exponent-digits` are complete numbers.
 */
export type NumberState =
  | 'sign'
  | 'zero'
  | 'integer'
  | 'point'
  | 'fraction'
  | 'exponent'
  | 'exponent-sign'
  | 'exponent-digits';

export function isNumberCharacter(character: string): boolean {
  return (
    (character >= '0' && character <= '9') ||
    character === '-' ||
    character === '+' ||
    character === '.' ||
    character === 'e' ||
    character === 'E'
  );
}

export function isCompleteNumber(state: NumberState): boolean {
  return (
    state === 'zero' || state === 'integer' || state === 'fraction' || state === 'exponent-digits'
  );
}

/** The state after `character`, from `state` (undefined: nothing read yet); undefined if invalid. */
export function nextNumberState(
  state: NumberState | undefined,
  character: string,
): NumberState | undefined {
  const digit = character >= '0' && character <= '9';
  switch (state) {
    case undefined:
      if (character === '-') return 'sign';
      return character === '0' ? 'zero' : digit ? 'integer' : undefined;
    case 'sign':
      return character === '0' ? 'zero' : digit ? 'integer' : undefined;
    case 'zero':
    case 'integer':
      if (digit) return state === 'integer' ? 'integer' : undefined;
      if (character === '.') return 'point';
      return character === 'e' || character === 'E' ? 'exponent' : undefined;
    case 'point':
      return digit ? 'fraction' : undefined;
    case 'fraction':
      if (digit) return 'fraction';
      return character === 'e' || character === 'E' ? 'exponent' : undefined;
    case 'exponent':
      if (character === '+' || character === '-') return 'exponent-sign';
      return digit ? 'exponent-digits' : undefined;
    case 'exponent-sign':
    case 'exponent-digits':
      return digit ? 'exponent-digits' : undefined;
  }
}
