/**
 * When each benchmark request is due, as milliseconds from the start of the run. A
 * constant arrival spaces requests exactly 1/rate apart; a Poisson arrival draws
 * exponentially distributed gaps with mean 1/rate from a seeded generator, so the same
 * seed replays the same schedule. Without a rate every request is due at once and only
 * the concurrency limit paces them.
 */
import { SeededRandom } from '../../providers/simulator/seeded-random.ts';

export type ArrivalProcess = 'poisson' | 'constant';

export interface ArrivalScheduleOptions {
  /** Requests per second; undefined means as fast as the concurrency allows. */
  rate: number | undefined;
  arrival: ArrivalProcess;
  seed: number;
}

/** An endless sequence of due times (ms), starting at 0 and never decreasing. */
export function* arrivalSchedule(options: ArrivalScheduleOptions): Generator<number> {
  const { rate } = options;
  if (rate === undefined) {
    for (;;) yield 0;
  }
  const meanGapMs = 1000 / rate;
  if (options.arrival === 'constant') {
    // Multiplying instead of summing keeps float error from accumulating over long runs.
    for (let index = 0; ; index += 1) yield index * meanGapMs;
  }
  const random = new SeededRandom(options.seed);
  let dueAt = 0;
  for (;;) {
    yield dueAt;
    // 1 - u lies in (0, 1], so the logarithm is finite.
    dueAt += -Math.log(1 - random.next()) * meanGapMs;
  }
}

/** The first `count` due times of a schedule. */
export function firstArrivals(options: ArrivalScheduleOptions, count: number): number[] {
  const times: number[] = [];
  for (const dueAt of arrivalSchedule(options)) {
    if (times.length >= count) break;
    times.push(dueAt);
  }
  return times;
}
