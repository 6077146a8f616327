/**
 * Sluice's native events: each log message becomes one frame, `id` the offset after it,
 * `event` its type and `data` the stored JSON exactly as written. The type is read in
 * place (the canonical layout puts it first), so no reader parses a message; the id is
 * where `Last-Event-ID` resumes with exactly the events that follow. A read that fails
 * mid-stream becomes a `response-error` frame without an `id` (see
 * `delivery-failure-event.ts`), so resuming from the last id loses nothing.
 */
import { encodeGenerationEvent, eventTypeOf } from '@sluice/protocol';
import type { ReadBatch } from '../store/stream-store.ts';
import { deliveryFailureEvent } from './delivery-failure-event.ts';
import type { EventFrame, FrameEncoder } from './frame.ts';

const decoder = new TextDecoder();

/** Stateless, so one instance serves every reader. */
export const nativeEventEncoder: FrameEncoder<EventFrame> = {
  encode(batch: ReadBatch): EventFrame[] {
    const frames: EventFrame[] = [];
    for (const message of batch.messages) {
      const data = decoder.decode(message.data);
      frames.push({ id: message.offset, event: eventTypeOf(data), data });
    }
    return frames;
  },
  encodeFailure(error: unknown): EventFrame[] {
    return [{ event: 'response-error', data: encodeGenerationEvent(deliveryFailureEvent(error)) }];
  },
};
