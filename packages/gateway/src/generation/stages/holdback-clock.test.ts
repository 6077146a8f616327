import { expect, test } from 'vitest';
import { HoldbackClock } from './holdback-clock.ts';

test('measures how long the first newly released character was held', () => {
  const clock = new HoldbackClock();
  clock.received(5, 0); // "Hello" held
  expect(clock.released(5, 0)).toBeUndefined();
  clock.received(6, 10); // " world": "Hello" released, " world" held
  expect(clock.released(6, 10)).toBe(10);
  clock.received(1, 25); // "!" — " world!" released at 25; " world" came at 10
  expect(clock.released(0, 25)).toBe(15);
  clock.received(3, 30); // released at once
  expect(clock.released(0, 30)).toBe(0);
});
