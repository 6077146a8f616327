/**
 * Server-sent events from an upstream response body, parsed by eventsource-parser. Bytes are
 * decoded with a streaming `TextDecoder`, so events and multi-byte characters split across
 * network chunks come out whole. An event still incomplete when the body ends is dropped, as
 * the SSE specification says, which lets callers detect truncation.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export type ServerSentEvent = EventSourceMessage;

export async function* readServerSentEvents(
  body: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<ServerSentEvent> {
  const pending: ServerSentEvent[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    // Index loop then truncate: no per-event `shift()` on the hot path.
    for (let index = 0; index < pending.length; index += 1) yield pending[index] as ServerSentEvent;
    pending.length = 0;
  }
}
