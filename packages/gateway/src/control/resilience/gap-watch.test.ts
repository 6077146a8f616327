import { describe, expect, test } from 'vitest';
import { GapWatch } from './gap-watch.ts';
import { ManualScheduler } from './manual-scheduler.ts';

function watch(gapMs: number) {
  const scheduler = new ManualScheduler();
  let fired = 0;
  const gap = new GapWatch(scheduler, gapMs, () => {
    fired += 1;
  });
  return { scheduler, gap, fired: () => fired };
}

describe('GapWatch', () => {
  test('fires once a single wait has lasted the gap', () => {
    const { scheduler, gap, fired } = watch(1_000);
    gap.waiting();
    scheduler.advance(999);
    expect(fired()).toBe(0);
    scheduler.advance(1);
    expect(fired()).toBe(1);
    scheduler.advance(5_000);
    expect(fired()).toBe(1);
  });

  test('time spent with a part is not silence', () => {
    const { scheduler, gap, fired } = watch(1_000);
    // Waits of 600 ms each, separated by 900 ms of work: no wait ever reaches the gap.
    for (let part = 0; part < 10; part += 1) {
      gap.waiting();
      scheduler.advance(600);
      gap.arrived();
      scheduler.advance(900);
    }
    expect(fired()).toBe(0);
  });

  test('a wait that starts late is measured from its own start', () => {
    const { scheduler, gap, fired } = watch(1_000);
    scheduler.advance(800); // the consumer holds the first part
    gap.waiting();
    scheduler.advance(900); // the timer's first round saw a 200 ms wait and looked again
    expect(fired()).toBe(0);
    scheduler.advance(100);
    expect(fired()).toBe(1);
  });

  test('stopped, it never fires and leaves no timer', () => {
    const { scheduler, gap, fired } = watch(1_000);
    gap.waiting();
    gap.stop();
    scheduler.advance(10_000);
    expect(fired()).toBe(0);
    expect(scheduler.pendingTimers).toBe(0);
  });
});
