/**
 * The Durable Streams SSE encoder: each read batch becomes one `data` frame followed by
 * one `control` frame (next offset, cursor, up-to-date, closed), sent together. Text and
 * JSON payloads become text frames whose line breaks the SSE transport splits into
 * `data:` lines, so stream content can never end an event early or forge one; other
 * content types travel as base64.
 */
import { mediaTypeOf } from '../../store/media-type.ts';
import type { ReadBatch } from '../../store/stream-store.ts';
import type { EventFrame, FrameEncoder } from '../frame.ts';

export type SseDataEncoding = 'json' | 'text' | 'base64';

export function sseEncodingOf(contentType: string): SseDataEncoding {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === 'application/json') return 'json';
  if (mediaType.startsWith('text/')) return 'text';
  return 'base64';
}

function payloadOf(batch: ReadBatch, encoding: SseDataEncoding): string {
  if (encoding === 'json') {
    let json = '[';
    for (let index = 0; index < batch.messages.length; index++) {
      if (index > 0) json += ',';
      json += Buffer.from(batch.messages[index]?.data ?? new Uint8Array()).toString('utf8');
    }
    return `${json}]`;
  }
  const bytes =
    batch.messages.length === 1 && batch.messages[0] !== undefined
      ? Buffer.from(
          batch.messages[0].data.buffer,
          batch.messages[0].data.byteOffset,
          batch.messages[0].data.byteLength,
        )
      : Buffer.concat(batch.messages.map((message) => message.data));
  return encoding === 'text' ? bytes.toString('utf8') : bytes.toString('base64');
}

/** One per response: the first batch always gets a control frame, even when empty. */
export class DurableSseEncoder implements FrameEncoder<EventFrame> {
  readonly #encoding: SseDataEncoding;
  readonly #cursor: string;
  #first = true;

  constructor(encoding: SseDataEncoding, cursor: string) {
    this.#encoding = encoding;
    this.#cursor = cursor;
  }

  encode(batch: ReadBatch): EventFrame[] {
    const first = this.#first;
    this.#first = false;
    if (!first && batch.messages.length === 0 && !batch.closed) return [];
    const frames: EventFrame[] = [];
    if (batch.messages.length > 0) {
      frames.push({ event: 'data', data: payloadOf(batch, this.#encoding) });
    }
    const control: Record<string, unknown> = { streamNextOffset: batch.nextOffset };
    if (batch.closed) {
      control.streamClosed = true;
    } else {
      control.streamCursor = this.#cursor;
    }
    if (batch.upToDate) control.upToDate = true;
    frames.push({ event: 'control', data: JSON.stringify(control) });
    return frames;
  }
}
