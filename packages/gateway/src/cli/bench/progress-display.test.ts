/**
 * Progress output: a bar redrawn in place on a terminal, plain lines otherwise, and a
 * final state when the run stops. Driven by explicit updates, not by waiting on timers.
 */
import { describe, expect, test } from 'vitest';
import { startProgress } from './progress-display.ts';

const ESCAPE = String.fromCharCode(0x1b);

function target(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, write: (text: string) => void writes.push(text) };
}

describe('progress display', () => {
  test('on a terminal it draws a bar by requests finished and ends the line', () => {
    const terminal = target(true);
    const progress = startProgress(terminal, { requests: 4, durationMs: undefined });
    progress.update({ started: 4, finished: 2, failed: 1 });
    progress.stop();
    const [bar, newline] = terminal.writes.slice(-2);
    expect(bar?.startsWith('\r[###############---------------] 2/4 requests')).toBe(true);
    expect(bar).toContain(', 2 running, 1 failed, ');
    expect(bar?.endsWith(`${ESCAPE}[K`)).toBe(true);
    expect(newline).toBe('\n');
  });

  test('in a log it writes plain lines with no control characters', () => {
    const log = target(false);
    const progress = startProgress(log, { requests: undefined, durationMs: 10_000 });
    progress.update({ started: 3, finished: 3, failed: 0 });
    progress.stop();
    expect(log.writes.at(-1)).toMatch(/^bench: 3 requests, 0 running, 0 failed, \d+\.\d s\n$/);
    expect(log.writes.join('')).not.toContain('\r');
    expect(log.writes.join('')).not.toContain(ESCAPE);
  });
});
