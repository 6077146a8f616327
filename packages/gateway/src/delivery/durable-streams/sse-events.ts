/**
 * The Durable Streams SSE wire format: each read batch becomes one `data` event followed
 * by one `control` event, written together. Text and JSON payloads are split on every
 * line break (CR, LF or CRLF) into `data:` lines, so stream content can never end an
 * event early or forge one; other content types travel as base64.
 */

import { mediaTypeOf } from '../../store/media-type.ts';
import type { ReadBatch } from '../../store/stream-store.ts';

export type SseDataEncoding = 'json' | 'text' | 'base64';

export function sseEncodingOf(contentType: string): SseDataEncoding {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === 'application/json') return 'json';
  if (mediaType.startsWith('text/')) return 'text';
  return 'base64';
}

const LINE_BREAK = /\r\n|\r|\n/;

function dataLines(payload: string): string {
  let out = '';
  for (const line of payload.split(LINE_BREAK)) {
    // A reader strips one space after "data:", so a line that starts with one keeps it
    // only if we add the separator ourselves.
    out += line.startsWith(' ') ? `data: ${line}\n` : `data:${line}\n`;
  }
  return out;
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

export interface ControlFields {
  cursor: string;
}

/** The events for one batch: `data` (when it has messages) then `control`. */
export function encodeBatchEvents(
  batch: ReadBatch,
  encoding: SseDataEncoding,
  fields: ControlFields,
): string {
  let out = '';
  if (batch.messages.length > 0) {
    out += `event: data\n${dataLines(payloadOf(batch, encoding))}\n`;
  }
  const control: Record<string, unknown> = { streamNextOffset: batch.nextOffset };
  if (batch.closed) {
    control.streamClosed = true;
  } else {
    control.streamCursor = fields.cursor;
  }
  if (batch.upToDate) control.upToDate = true;
  out += `event: control\ndata:${JSON.stringify(control)}\n\n`;
  return out;
}

export const HEARTBEAT_EVENT = ': heartbeat\n\n';
