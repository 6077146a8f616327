/**
 * A term list as one pattern, shaped as a prefix tree: `card|cart|carbon` becomes
 * `\bcar(?:bon|d|t)\b`. An alternation of whole terms puts every term on the matcher's
 * path at each character where a match may start (thousands of threads per character
 * for a large list, and a compile of tens of thousands of instructions); in the tree,
 * terms that share a start share their instructions and threads, so a list costs about
 * one instruction per distinct prefix and a character steps only the terms it continues.
 *
 * `\b` stands before a term that starts with a word character and after one that ends
 * with one, so terms match whole words only where that makes sense (`c++` still matches
 * before a space). When one term is a prefix of another (`car`, `card`), the longer match
 * wins. With `caseInsensitive`, ASCII letters are folded first (the pattern is compiled
 * case-insensitively anyway), so `Car` and `car` share a path.
 *
 * The tree is never built as objects: the sorted terms are the tree (a run of terms with
 * a common prefix is a subtree), which keeps a 10,000-term list to a few milliseconds.
 */

const WORD_CHARACTER = /^[A-Za-z0-9_]$/;
/** What RE2 treats as syntax (Go's `QuoteMeta` set). */
const META_CHARACTER = /[\\.+*?()|[\]{}^$]/g;

/** A pattern no text matches, for a list with no terms. */
const MATCHES_NOTHING = '[^\\x00-\\x{10FFFF}]';

/**
 * The distinct prefixes of a list (the prefix tree's nodes): every one becomes at least one
 * instruction, so a list with more than a limit's worth is refused before its pattern is
 * built or parsed. Linear in the list's characters after the sort.
 */
export function distinctPrefixes(terms: readonly string[], caseInsensitive: boolean): number {
  const folded = caseInsensitive ? terms.map(foldAscii) : [...terms];
  folded.sort();
  let count = 0;
  let previous = '';
  for (const term of folded) {
    let shared = 0;
    while (shared < term.length && shared < previous.length && term[shared] === previous[shared]) {
      shared += 1;
    }
    count += term.length - shared;
    previous = term;
  }
  return count;
}

export function termsPattern(terms: readonly string[], caseInsensitive: boolean): string {
  const nonEmpty = terms.filter((term) => term.length > 0);
  const folded = caseInsensitive ? nonEmpty.map(foldAscii) : nonEmpty;
  const sorted = [...new Set(folded)].sort();
  if (sorted.length === 0) return MATCHES_NOTHING;
  return groups(sorted, 0, sorted.length, 0)
    .map(([start, end]) => {
      const first = String.fromCodePoint(sorted[start]?.codePointAt(0) ?? 0);
      return `${boundary(first)}${subtree(sorted, start, end, 0)}`;
    })
    .join('|');
}

/**
 * The pattern for `sorted[start..end)`, terms that share their first `depth` code units
 * and continue with the same character at `depth`.
 */
function subtree(sorted: readonly string[], start: number, end: number, depth: number): string {
  const first = sorted[start] as string;
  const last = sorted[end - 1] as string;
  // Extend the shared run while the first and last term (so every term between) agree.
  let shared = depth + widthAt(first, depth);
  while (
    first.length > shared &&
    last.length > shared &&
    first.codePointAt(shared) === last.codePointAt(shared)
  ) {
    shared += widthAt(first, shared);
  }
  const literal = quote(first.slice(depth, shared));
  // Sorted, so a term that ends here comes first in its subtree.
  const terminal = first.length === shared;
  const children = groups(sorted, terminal ? start + 1 : start, end, shared).map(
    ([childStart, childEnd]) => subtree(sorted, childStart, childEnd, shared),
  );
  if (!terminal) return `${literal}(?:${children.join('|')})`;
  const ending = boundary(lastCharacter(first));
  if (children.length === 0) return `${literal}${ending}`;
  // Longer terms first: the tree prefers `card` to `car` in "cards".
  return ending === ''
    ? `${literal}(?:${children.join('|')})?`
    : `${literal}(?:${children.join('|')}|${ending})`;
}

/** Runs of `sorted[start..end)` with the same character at `depth`. */
function groups(
  sorted: readonly string[],
  start: number,
  end: number,
  depth: number,
): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let index = start;
  while (index < end) {
    const character = (sorted[index] as string).codePointAt(depth);
    let next = index + 1;
    while (next < end && (sorted[next] as string).codePointAt(depth) === character) next += 1;
    runs.push([index, next]);
    index = next;
  }
  return runs;
}

function widthAt(text: string, index: number): number {
  return (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
}

function lastCharacter(text: string): string {
  const code = text.charCodeAt(text.length - 1);
  return code >= 0xdc00 && code <= 0xdfff ? text.slice(-2) : text.slice(-1);
}

function boundary(character: string): string {
  return WORD_CHARACTER.test(character) ? '\\b' : '';
}

function quote(text: string): string {
  return text.replace(META_CHARACTER, '\\$&');
}

function foldAscii(term: string): string {
  return term.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}
