/**
 * A minimal SSE reader over fetch for tests: parses events with eventsource-parser and
 * stops on a condition, on the end of the response, or after a count.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface ReadSseOptions {
  /** Stop (and cancel the body) once this many events arrived. */
  maxEvents?: number;
  /** Stop once an event matches. */
  until?: (event: EventSourceMessage) => boolean;
  /** Return what arrived when the server cuts the connection, instead of throwing. */
  tolerateTermination?: boolean;
}

export async function readSse(
  response: Response,
  options: ReadSseOptions = {},
): Promise<EventSourceMessage[]> {
  if (!response.body) throw new Error('response has no body');
  const events: EventSourceMessage[] = [];
  let stop = false;
  const parser = createParser({
    onEvent(event) {
      if (stop) return;
      events.push(event);
      if (options.until?.(event) || events.length === options.maxEvents) stop = true;
    },
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  try {
    while (!stop) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } catch (error) {
    if (!options.tolerateTermination) throw error;
  } finally {
    await reader.cancel().catch(() => {});
  }
  return events;
}

export function textOf(events: readonly EventSourceMessage[]): string {
  return events
    .filter((event) => event.event === 'text-delta')
    .map((event) => (JSON.parse(event.data) as { delta: string }).delta)
    .join('');
}

const TERMINAL_TYPES = new Set(['response-finish', 'response-error']);

/** The generation's terminal events (exactly one in a complete log). */
export function terminalEvents(events: readonly EventSourceMessage[]): EventSourceMessage[] {
  return events.filter((event) => TERMINAL_TYPES.has(event.event ?? ''));
}

/** Parses the one terminal event; throws when there is not exactly one. */
export function terminalOf(events: readonly EventSourceMessage[]): {
  type: string;
  data: Record<string, unknown>;
} {
  const terminal = terminalEvents(events);
  if (terminal.length !== 1) throw new Error(`expected one terminal event, got ${terminal.length}`);
  const [event] = terminal;
  return { type: event?.event ?? '', data: JSON.parse(event?.data ?? '{}') };
}
