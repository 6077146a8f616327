/**
 * Splits streamed markdown into blocks at blank lines outside code fences, so a long
 * answer re-parses only its last, growing block per token: finished blocks keep their
 * text and their memoized rendering.
 */
const FENCE = /^\s{0,3}(```|~~~)/;

export function markdownBlocks(text: string): string[] {
  const blocks: string[] = [];
  let current: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const marker = FENCE.exec(line)?.[1];
    if (marker !== undefined) {
      if (fence === undefined) fence = marker;
      else if (marker === fence) fence = undefined;
    }
    if (fence === undefined && line.trim() === '' && current.length > 0) {
      blocks.push(current.join('\n'));
      current = [];
      continue;
    }
    current.push(line);
  }
  if (current.length > 0) blocks.push(current.join('\n'));
  return blocks;
}
