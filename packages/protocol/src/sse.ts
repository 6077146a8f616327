/**
 * Server-Sent Events encoding in one place. `event` and `id` may not contain CR or LF
 * (they would end the field early); multi-line data becomes several `data:` lines.
 */

export interface SseMessage {
  event?: string;
  id?: string;
  data: string;
}

const LINE_BREAK = /\r\n|\r|\n/;

function assertSingleLine(field: string, value: string): void {
  if (/[\r\n]/.test(value)) throw new TypeError(`SSE ${field} must not contain CR or LF`);
}

export function encodeSseMessage(message: SseMessage): string {
  let out = '';
  if (message.id !== undefined) {
    assertSingleLine('id', message.id);
    out += `id: ${message.id}\n`;
  }
  if (message.event !== undefined) {
    assertSingleLine('event', message.event);
    out += `event: ${message.event}\n`;
  }
  // JSON.stringify output never contains raw line breaks, so the common case is one line.
  if (LINE_BREAK.test(message.data)) {
    for (const line of message.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  } else {
    out += `data: ${message.data}\n`;
  }
  return `${out}\n`;
}

/** A comment line; clients ignore it. Used for the first byte and heartbeats. */
export function encodeSseComment(text: string): string {
  assertSingleLine('comment', text);
  return `: ${text}\n\n`;
}
