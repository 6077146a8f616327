/**
 * Reading a generation's log as events: decoding stored messages and a cheap way to
 * learn an event's type without parsing it (the gateway writes `type` first).
 */
import type { GenerationEvent } from '@sluice/protocol';
import type { StoredMessage } from '../store/stream-store.ts';

const decoder = new TextDecoder();
const TYPE_PREFIX = '{"type":"';

export function messageText(message: StoredMessage): string {
  return decoder.decode(message.data);
}

/** The `type` of a serialized event; falls back to parsing for foreign layouts. */
export function eventTypeOf(json: string): string {
  if (json.startsWith(TYPE_PREFIX)) {
    const end = json.indexOf('"', TYPE_PREFIX.length);
    if (end > 0) return json.slice(TYPE_PREFIX.length, end);
  }
  return (JSON.parse(json) as GenerationEvent).type;
}

export function parseEvent(message: StoredMessage): GenerationEvent {
  return JSON.parse(messageText(message)) as GenerationEvent;
}
