/**
 * Server-Sent Events encoding in one place. `event` and `id` may not contain CR or LF
 * (they would end the field early); multi-line data becomes several `data:` lines.
 */

export interface SseMessage {
  event?: string | undefined;
  id?: string | undefined;
  data: string;
}

export interface SseEncodingOptions {
  /**
   * `data:x` rather than `data: x` (how Durable Streams spells it). A line that starts
   * with a space still gets the separator, since readers strip one space after the colon.
   */
  compact?: boolean;
}

const LINE_BREAK = /\r\n|\r|\n/;

/** Two `indexOf`s: much cheaper than a regular expression on a per-token path. */
function hasLineBreak(value: string): boolean {
  return value.indexOf('\n') !== -1 || value.indexOf('\r') !== -1;
}

function assertSingleLine(field: string, value: string): void {
  if (hasLineBreak(value)) throw new TypeError(`SSE ${field} must not contain CR or LF`);
}

export function encodeSseMessage(message: SseMessage, options?: SseEncodingOptions): string {
  let out = '';
  if (message.id !== undefined) {
    assertSingleLine('id', message.id);
    out += `id: ${message.id}\n`;
  }
  if (message.event !== undefined) {
    assertSingleLine('event', message.event);
    out += `event: ${message.event}\n`;
  }
  const compact = options?.compact === true;
  // JSON.stringify output never contains raw line breaks, so the common case is one line.
  if (hasLineBreak(message.data)) {
    for (const line of message.data.split(LINE_BREAK)) out += dataLine(line, compact);
  } else {
    out += dataLine(message.data, compact);
  }
  return `${out}\n`;
}

function dataLine(line: string, compact: boolean): string {
  return compact && !line.startsWith(' ') ? `data:${line}\n` : `data: ${line}\n`;
}

/** A comment line; clients ignore it. Used for the first byte and heartbeats. */
export function encodeSseComment(text: string): string {
  assertSingleLine('comment', text);
  return `: ${text}\n\n`;
}
