/**
 * An append's messages as stores keep them (one buffer each, or packed), and what they
 * cost against their account's byte budget: one rule for every store, so a tenant can
 * keep as much whatever the backend. A budget must bound memory, not only payload: a
 * million one-byte appends or a thousand producer ids cost far more than their bytes. So
 * each stored buffer is charged a fixed allowance on top of its payload, each message of
 * a packed batch the four bytes of its offset, and each producer id and `Stream-Seq`
 * value the store keeps its length plus an allowance.
 */

/** Several JSON messages in one buffer: message `i` ends at `ends[i]` (see `packedEnds`). */
export interface PackedMessages {
  readonly data: Uint8Array;
  readonly ends: Uint32Array;
}

/** The messages of one append: one buffer each, or packed. */
export type AppendMessages = readonly Uint8Array[] | PackedMessages;

/**
 * The messages of an append as a store call gives them: `packedEnds` turns the one
 * buffer of `messages` into a packed batch. Throws `RangeError` for ends that do not fit.
 */
export function appendMessagesOf(
  messages: readonly Uint8Array[],
  packedEnds: Uint32Array | undefined,
): AppendMessages {
  if (packedEnds === undefined) return messages;
  const data = messages[0];
  const last = packedEnds[packedEnds.length - 1] ?? 0;
  if (messages.length !== 1 || data === undefined || last !== data.byteLength) {
    throw new RangeError('packedEnds needs one buffer whose length is the last end');
  }
  return { data, ends: packedEnds };
}

/** Charged per buffer kept (its object, its slot in the stream's tables). */
export const STORED_BUFFER_OVERHEAD_BYTES = 128;
/** Charged per message of a packed batch (its entry in the offsets table). */
export const PACKED_MESSAGE_OVERHEAD_BYTES = 4;
/** Charged per producer state or `Stream-Seq` value kept, on top of its length. */
export const STORED_TEXT_OVERHEAD_BYTES = 64;

export function isPacked(messages: AppendMessages): messages is PackedMessages {
  return !Array.isArray(messages);
}

export function messageCount(messages: AppendMessages): number {
  return isPacked(messages) ? messages.ends.length : messages.length;
}

/**
 * Bytes one append costs; 0 when it has no messages. A byte stream keeps an append as
 * one buffer; a JSON stream keeps its messages' buffers, or the packed batch and its
 * offsets.
 */
export function messagesCost(messages: AppendMessages, json: boolean): number {
  if (isPacked(messages)) {
    const count = messages.ends.length;
    if (count === 0 || (!json && messages.data.byteLength === 0)) return 0;
    const offsets = json ? PACKED_MESSAGE_OVERHEAD_BYTES * count : 0;
    return STORED_BUFFER_OVERHEAD_BYTES + messages.data.byteLength + offsets;
  }
  let bytes = 0;
  for (const message of messages) bytes += message.byteLength;
  if (json) return bytes + STORED_BUFFER_OVERHEAD_BYTES * messages.length;
  // An empty byte append stores nothing.
  return bytes === 0 ? 0 : bytes + STORED_BUFFER_OVERHEAD_BYTES;
}

/** Bytes a kept producer id or `Stream-Seq` value costs; 0 for none. */
export function textCost(text: string | undefined): number {
  return text === undefined ? 0 : STORED_TEXT_OVERHEAD_BYTES + text.length;
}
