/**
 * The one serialized form of generation events: what a generation's log stores and what
 * readers of the log may rely on. Writers call `encodeGenerationEvent`; readers that only
 * need a field of a per-token event read it in place with the accessors below instead of
 * parsing each message, and fall back to `decodeGenerationEvent` when an accessor says
 * "not this layout" (undefined): a log written by another version or tool stays readable.
 *
 * Canonical layout (JSON, strings and numbers as `JSON.stringify` writes them):
 *
 *     {"type":"text-delta","delta":<string>}
 *     {"type":"reasoning-delta","delta":<string>}
 *     {"type":"tool-call-delta","index":<integer>,"argumentsDelta":<string>}
 *     {"type":<type>,<the other fields, as JSON.stringify writes them>}   (every other event)
 *
 * `type` is always the first member, so the type of any event is read without parsing.
 * The accessors assume the message is valid JSON (a generation's log is written by the
 * gateway only) and check only the layout.
 */
import type { GenerationEvent } from './events.ts';

const TYPE_PREFIX = '{"type":"';
const TEXT_DELTA_PREFIX = '{"type":"text-delta","delta":';
const REASONING_DELTA_PREFIX = '{"type":"reasoning-delta","delta":';
const TOOL_CALL_DELTA_PREFIX = '{"type":"tool-call-delta","index":';
const ARGUMENTS_DELTA_KEY = ',"argumentsDelta":';
/** A tool call index as JSON.stringify writes a non-negative integer. */
const INDEX = /^(?:0|[1-9]\d*)$/;

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const CLOSE_BRACE = 125;
const HYPHEN = 45;
const LOWER_A = 97;
const LOWER_Z = 122;

/** Serializes an event in the canonical layout. */
export function encodeGenerationEvent(event: GenerationEvent): string {
  switch (event.type) {
    case 'text-delta':
      return `${TEXT_DELTA_PREFIX}${JSON.stringify(event.delta)}}`;
    case 'reasoning-delta':
      return `${REASONING_DELTA_PREFIX}${JSON.stringify(event.delta)}}`;
    case 'tool-call-delta':
      return (
        `${TOOL_CALL_DELTA_PREFIX}${JSON.stringify(event.index)}` +
        `${ARGUMENTS_DELTA_KEY}${JSON.stringify(event.argumentsDelta)}}`
      );
    default: {
      // Whatever order the object was built in, `type` goes first.
      const { type, ...fields } = event;
      const rest = JSON.stringify(fields);
      const head = `{"type":${JSON.stringify(type)}`;
      return rest === '{}' ? `${head}}` : `${head},${rest.slice(1)}`;
    }
  }
}

/** Parses a stored event, whatever its layout. */
export function decodeGenerationEvent(json: string): GenerationEvent {
  return JSON.parse(json) as GenerationEvent;
}

/** The event's `type` when the message is in the canonical layout; undefined otherwise. */
export function canonicalEventType(json: string): string | undefined {
  if (!json.startsWith(TYPE_PREFIX)) return undefined;
  const end = json.indexOf('"', TYPE_PREFIX.length);
  if (end === -1) return undefined;
  const after = json.charCodeAt(end + 1);
  if (after !== COMMA && after !== CLOSE_BRACE) return undefined;
  return isEventTypeName(json, TYPE_PREFIX.length, end)
    ? json.slice(TYPE_PREFIX.length, end)
    : undefined;
}

/**
 * Event types are `noun-verb` names (lowercase letters and hyphens, not at either end):
 * nothing an SSE `event:` line or a JSON escape could hide in. A loop, not a regular
 * expression: this runs per event per reader.
 */
function isEventTypeName(text: string, start: number, end: number): boolean {
  if (end <= start || text.charCodeAt(start) === HYPHEN || text.charCodeAt(end - 1) === HYPHEN) {
    return false;
  }
  for (let at = start; at < end; at++) {
    const code = text.charCodeAt(at);
    if ((code < LOWER_A || code > LOWER_Z) && code !== HYPHEN) return false;
  }
  return true;
}

/** The event's `type`: read in place for the canonical layout, parsed otherwise. */
export function eventTypeOf(json: string): string | undefined {
  const type = canonicalEventType(json) ?? (JSON.parse(json) as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

/**
 * A `text-delta`'s `delta` as its JSON string literal (quotes included), ready to be put
 * into other JSON unchanged; undefined for another event or layout.
 */
export function textDeltaLiteral(json: string): string | undefined {
  return json.startsWith(TEXT_DELTA_PREFIX)
    ? trailingLiteral(json, TEXT_DELTA_PREFIX.length)
    : undefined;
}

/** As `textDeltaLiteral`, for a `reasoning-delta`. */
export function reasoningDeltaLiteral(json: string): string | undefined {
  return json.startsWith(REASONING_DELTA_PREFIX)
    ? trailingLiteral(json, REASONING_DELTA_PREFIX.length)
    : undefined;
}

export interface ToolCallDeltaLiterals {
  index: number;
  /** The `argumentsDelta` as its JSON string literal (quotes included). */
  argumentsDelta: string;
}

/** A `tool-call-delta`'s index and arguments literal; undefined for another event or layout. */
export function toolCallDeltaLiterals(json: string): ToolCallDeltaLiterals | undefined {
  if (!json.startsWith(TOOL_CALL_DELTA_PREFIX)) return undefined;
  const key = json.indexOf(ARGUMENTS_DELTA_KEY, TOOL_CALL_DELTA_PREFIX.length);
  if (key === -1) return undefined;
  const indexText = json.slice(TOOL_CALL_DELTA_PREFIX.length, key);
  if (!INDEX.test(indexText)) return undefined;
  const index = Number(indexText);
  if (!Number.isSafeInteger(index)) return undefined;
  const argumentsDelta = trailingLiteral(json, key + ARGUMENTS_DELTA_KEY.length);
  return argumentsDelta === undefined ? undefined : { index, argumentsDelta };
}

/**
 * The string literal opening at `quote` when it is the object's last member, so the
 * message ends right after it (`…"<literal>"}`); undefined otherwise.
 */
function trailingLiteral(json: string, quote: number): string | undefined {
  if (json.charCodeAt(quote) !== QUOTE || !json.endsWith('"}')) return undefined;
  return stringLiteralEnd(json, quote) === json.length - 2 ? json.slice(quote, -1) : undefined;
}

/**
 * Where the JSON string literal opening at `quote` ends (the index of its closing quote);
 * -1 when it does not close. Usually one `indexOf`: deltas rarely contain quotes.
 */
function stringLiteralEnd(text: string, quote: number): number {
  let at = text.indexOf('"', quote + 1);
  while (at !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}
