import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { HeartbeatTicker } from './heartbeat-ticker.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

test('one timer per interval beats for every connection, and stops with the last', () => {
  const before = HeartbeatTicker.timerCount();
  const beats: string[] = [];
  const leaves = ['a', 'b', 'c'].map((name) => HeartbeatTicker.join(777, () => beats.push(name)));
  const other = HeartbeatTicker.join(778, () => beats.push('other'));
  expect(HeartbeatTicker.timerCount()).toBe(before + 2);

  vi.advanceTimersByTime(777);
  expect(beats).toEqual(['a', 'b', 'c']);

  leaves[0]?.();
  leaves[0]?.();
  vi.advanceTimersByTime(777);
  expect(beats.slice(3)).toEqual(['other', 'b', 'c']);

  for (const leave of leaves) leave();
  other();
  expect(HeartbeatTicker.timerCount()).toBe(before);
});

test('an interval of 0 means no heartbeats and no timer', () => {
  const before = HeartbeatTicker.timerCount();
  const leave = HeartbeatTicker.join(0, () => {
    throw new Error('no beat expected');
  });
  expect(HeartbeatTicker.timerCount()).toBe(before);
  leave();
});
