/**
 * Keeps a scrolling list pinned to its end while new content arrives, unless the reader
 * scrolled up: then it stays put and `atEnd` is false (the page shows **Jump to latest**).
 */
import { type RefObject, useCallback, useLayoutEffect, useRef, useState } from 'react';

/** Within this many pixels of the end counts as "at the end" (sub-pixel rounding, margins). */
const SLACK_PX = 24;

export function useFollowScroll(
  container: RefObject<HTMLElement | null>,
  content: unknown,
): { atEnd: boolean; onScroll: () => void; jumpToEnd: () => void } {
  const [atEnd, setAtEnd] = useState(true);
  const following = useRef(true);

  const onScroll = useCallback(() => {
    const element = container.current;
    if (element === null) return;
    const end = element.scrollHeight - element.scrollTop - element.clientHeight <= SLACK_PX;
    following.current = end;
    setAtEnd(end);
  }, [container]);

  const jumpToEnd = useCallback(() => {
    const element = container.current;
    if (element === null) return;
    following.current = true;
    element.scrollTop = element.scrollHeight;
    setAtEnd(true);
  }, [container]);

  // Every change of `content` is a render that may have grown the list.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `content` is the trigger
  useLayoutEffect(() => {
    const element = container.current;
    if (element !== null && following.current) element.scrollTop = element.scrollHeight;
  }, [content, container]);

  return { atEnd, onScroll, jumpToEnd };
}
