/**
 * Stream cursors for CDN collapsing (Durable Streams §8.1): the number of 20-second
 * intervals since 2024-10-09T00:00Z. A client that echoes a cursor not older than the
 * current interval gets one strictly greater (plus random jitter), so a cached empty
 * long-poll response can never be replayed to it forever.
 */
const CURSOR_EPOCH_MS = Date.UTC(2024, 9, 9);
const INTERVAL_MS = 20_000;
/** Jitter of 1–3600 seconds, in whole intervals (at least one). */
const MAX_JITTER_INTERVALS = 3600_000 / INTERVAL_MS;

export function nextCursor(clientCursor: string | undefined, now = Date.now()): string {
  const current = Math.floor((now - CURSOR_EPOCH_MS) / INTERVAL_MS);
  const echoed = clientCursor === undefined ? Number.NaN : Number(clientCursor);
  if (!Number.isSafeInteger(echoed) || echoed < current) return String(current);
  const jitter = 1 + Math.floor(Math.random() * MAX_JITTER_INTERVALS);
  return String(echoed + jitter);
}
