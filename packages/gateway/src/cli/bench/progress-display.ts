/**
 * Progress while a benchmark runs, on stderr so stdout stays clean for the table: a bar
 * redrawn in place on a terminal, a plain line every few seconds when stderr is a file or
 * a pipe (CI logs), nothing at all with `--json`.
 */
import type { LoadProgress } from './run-load.ts';

export interface ProgressTarget {
  write(text: string): void;
  isTTY: boolean;
}

export interface ProgressDisplay {
  update(progress: LoadProgress): void;
  stop(): void;
}

const BAR_WIDTH = 30;
const TERMINAL_REFRESH_MS = 100;
const LOG_LINE_INTERVAL_MS = 5_000;

export interface ProgressGoal {
  requests: number | undefined;
  durationMs: number | undefined;
}

/** How far along the run is, from 0 to 1: by requests finished, or by time elapsed. */
function fraction(goal: ProgressGoal, progress: LoadProgress, elapsedMs: number): number {
  if (goal.requests !== undefined) return Math.min(progress.finished / goal.requests, 1);
  if (goal.durationMs !== undefined) return Math.min(elapsedMs / goal.durationMs, 1);
  return 0;
}

function describe(goal: ProgressGoal, progress: LoadProgress, elapsedMs: number): string {
  const done =
    goal.requests === undefined
      ? `${progress.finished} requests`
      : `${progress.finished}/${goal.requests} requests`;
  const running = progress.started - progress.finished;
  return `${done}, ${running} running, ${progress.failed} failed, ${(elapsedMs / 1000).toFixed(1)} s`;
}

export function silentProgress(): ProgressDisplay {
  return { update: () => {}, stop: () => {} };
}

export function startProgress(target: ProgressTarget, goal: ProgressGoal): ProgressDisplay {
  const startedAt = performance.now();
  let latest: LoadProgress = { started: 0, finished: 0, failed: 0 };
  const render = () => {
    const elapsed = performance.now() - startedAt;
    if (!target.isTTY) {
      target.write(`bench: ${describe(goal, latest, elapsed)}\n`);
      return;
    }
    const filled = Math.round(fraction(goal, latest, elapsed) * BAR_WIDTH);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
    // \r returns to the line start and \x1b[K clears what a longer earlier line left.
    target.write(`\r[${bar}] ${describe(goal, latest, elapsed)}\x1b[K`);
  };
  const timer = setInterval(render, target.isTTY ? TERMINAL_REFRESH_MS : LOG_LINE_INTERVAL_MS);
  timer.unref();
  return {
    update(progress) {
      latest = { ...progress };
    },
    stop() {
      clearInterval(timer);
      render();
      if (target.isTTY) target.write('\n');
    },
  };
}
