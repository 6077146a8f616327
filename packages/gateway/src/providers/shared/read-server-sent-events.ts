/**
 * Server-sent events from an upstream response body, parsed by eventsource-parser. Bytes are
 * decoded with a streaming `TextDecoder`, so events and multi-byte characters split across
 * network chunks come out whole. An event still incomplete when the body ends is dropped, as
 * the SSE specification says, which lets callers detect truncation.
 *
 * `createServerSentEventDecoder` is the synchronous core: a provider that loops over the
 * body itself gets each chunk's events without an async generator in between, one fewer
 * promise hop per token.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export type ServerSentEvent = EventSourceMessage;

export interface ServerSentEventDecoder {
  /**
   * The events completed by this chunk. The array is reused by the next call: read it
   * before feeding again.
   */
  feed(chunk: Uint8Array | string): readonly ServerSentEvent[];
}

export function createServerSentEventDecoder(): ServerSentEventDecoder {
  const pending: ServerSentEvent[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder();
  return {
    feed(chunk) {
      // Truncated rather than replaced: no allocation per chunk.
      pending.length = 0;
      parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
      return pending;
    },
  };
}

export async function* readServerSentEvents(
  body: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<ServerSentEvent> {
  const decoder = createServerSentEventDecoder();
  for await (const chunk of body) {
    const events = decoder.feed(chunk);
    // The decoder reuses its array only on the next feed, after this loop.
    const count = events.length;
    for (let index = 0; index < count; index += 1) yield events[index] as ServerSentEvent;
  }
}
