/**
 * Sluice's native SSE: each log message becomes `id: <offset>`, `event: <type>`,
 * `data: <json>`. The id is the offset after the event, so `Last-Event-ID` resumes with
 * exactly the events that follow.
 */
import { encodeSseMessage } from '@sluice/protocol';
import type { StoredMessage } from '../store/stream-store.ts';
import { eventTypeOf, messageText } from './generation-events.ts';

export function encodeNativeSseBatch(messages: readonly StoredMessage[]): string {
  let out = '';
  for (const message of messages) {
    const data = messageText(message);
    out += encodeSseMessage({ id: message.offset, event: eventTypeOf(data), data });
  }
  return out;
}
