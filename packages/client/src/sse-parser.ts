/**
 * A Server-Sent Events parser for `fetch` bodies: feed it decoded text as it arrives and
 * it calls back once per complete message. A message is complete only at its blank line,
 * so a frame cut mid-way by a dropped connection is never dispatched — the reader simply
 * drops the parser and re-reads from the last complete message's offset.
 *
 * One deliberate difference from `EventSource`: `id` is reported per message (undefined
 * when the message had no `id:` line) instead of carried over from earlier messages,
 * because Sluice marks connection-level failures by sending them without an id.
 */

export interface ParsedSseMessage {
  /** `message` when the frame had no `event:` line, as the SSE standard says. */
  event: string;
  data: string;
  id: string | undefined;
}

const LINE_FEED = '\n';
const CARRIAGE_RETURN = '\r';

export class SseParser {
  readonly #onMessage: (message: ParsedSseMessage) => void;
  #buffer = '';
  #event: string | undefined;
  #data: string[] = [];
  #id: string | undefined;

  constructor(onMessage: (message: ParsedSseMessage) => void) {
    this.#onMessage = onMessage;
  }

  feed(text: string): void {
    this.#buffer += text;
    let start = 0;
    const buffer = this.#buffer;
    for (;;) {
      const end = nextLineBreak(buffer, start);
      if (end === -1) break;
      // A CR at the very end may be the first half of a CRLF that has not arrived yet.
      if (buffer[end] === CARRIAGE_RETURN && end === buffer.length - 1) break;
      this.#line(buffer.slice(start, end));
      start = buffer[end] === CARRIAGE_RETURN && buffer[end + 1] === LINE_FEED ? end + 2 : end + 1;
    }
    this.#buffer = buffer.slice(start);
  }

  #line(line: string): void {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (line.startsWith(':')) return; // a comment: `: ok`, `: keep-alive`
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.#id = value;
        break;
      default:
        // `retry:` and unknown fields: nothing a fetch-based reader needs.
        break;
    }
  }

  #dispatch(): void {
    const data = this.#data;
    const event = this.#event;
    const id = this.#id;
    this.#data = [];
    this.#event = undefined;
    this.#id = undefined;
    if (data.length === 0) return;
    this.#onMessage({ event: event ?? 'message', data: data.join('\n'), id });
  }
}

function nextLineBreak(text: string, from: number): number {
  const lineFeed = text.indexOf(LINE_FEED, from);
  const carriageReturn = text.indexOf(CARRIAGE_RETURN, from);
  if (carriageReturn === -1) return lineFeed;
  if (lineFeed === -1) return carriageReturn;
  return Math.min(lineFeed, carriageReturn);
}
