/**
 * A scripted `EventTransport` for tests of what sits above a transport (resume, dedupe,
 * result assembly): it serves a fixed log, and each connection follows the next step of a
 * plan — deliver so many events, then end cleanly, drop, or fail with a given error. It
 * records the offset every connection asked for. Not exported from the package.
 */
import { formatOffset, type GenerationEvent } from '@sluice/protocol';
import {
  type DeliveredEvent,
  EVENT_TRANSPORT_VERSION,
  type EventTransport,
  type OpenStreamRequest,
  TransportError,
} from './event-transport.ts';

export interface ConnectionStep {
  /** How many events of the log this connection delivers (default: all that remain). */
  deliver?: number;
  /** How it ends: cleanly (the default), with a retryable drop, or with this error. */
  end?: 'clean' | 'drop' | Error;
  /** Deliver this many events already delivered before the requested offset (a replay). */
  replay?: number;
}

export class MockEventTransport implements EventTransport {
  readonly specificationVersion = EVENT_TRANSPORT_VERSION;
  readonly log: DeliveredEvent[];
  readonly openedAt: string[] = [];
  readonly #plan: ConnectionStep[];

  constructor(events: GenerationEvent[], plan: ConnectionStep[] = []) {
    this.log = events.map((event, index) => ({ offset: formatOffset(index + 1), event }));
    this.#plan = [...plan];
  }

  async *open(request: OpenStreamRequest): AsyncGenerator<DeliveredEvent> {
    this.openedAt.push(request.offset);
    const step = this.#plan.shift() ?? {};
    const start = this.log.findIndex((entry) => entry.offset > request.offset);
    const from = start === -1 ? this.log.length : start;
    const remaining = this.log.slice(Math.max(0, from - (step.replay ?? 0)));
    const count = (step.replay ?? 0) + (step.deliver ?? remaining.length);
    for (const entry of remaining.slice(0, count)) {
      if (request.signal.aborted) throw request.signal.reason;
      await Promise.resolve();
      yield entry;
    }
    const end = step.end ?? 'clean';
    if (end === 'drop') throw new TransportError({ message: 'dropped', retryable: true });
    if (end instanceof Error) throw end;
  }
}

/** A complete, approved generation log of `texts` as deltas. */
export function approvedLog(texts: string[]): GenerationEvent[] {
  const usage = { inputTokens: 3, outputTokens: texts.length };
  const timings = { timeToFirstTokenMs: 1, durationMs: 2 };
  return [
    { type: 'response-start', id: 'gen_x', model: 'm', provider: 'p', createdAt: 'now' },
    ...texts.map((delta): GenerationEvent => ({ type: 'text-delta', delta })),
    { type: 'response-finish', finishReason: 'stop', usage, timings },
    {
      type: 'response-final',
      verdict: 'approved',
      checks: [],
      contentSha256: 'x',
      policyVersion: 'default@0',
      model: 'm',
      provider: 'p',
      usage,
      timings,
    },
  ];
}
