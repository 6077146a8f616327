import type { GenerationEvent } from '@sluice/protocol';
import { describe, expect, test } from 'vitest';
import { retryPolicy } from './backoff.ts';
import { SluiceStreamError } from './errors.ts';
import { TransportError } from './event-transport.ts';
import { approvedLog, type ConnectionStep, MockEventTransport } from './mock-event-transport.ts';
import { type ReconnectInfo, readWithResume } from './resumable-read.ts';

const retry = retryPolicy({ maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 });

async function readAll(events: GenerationEvent[], plan: ConnectionStep[], offset = '-1') {
  const transport = new MockEventTransport(events, plan);
  const reconnects: ReconnectInfo[] = [];
  const delivered: string[] = [];
  let error: unknown;
  try {
    for await (const entry of readWithResume({
      transport,
      generationId: 'gen_1',
      offset,
      retry,
      signal: new AbortController().signal,
      onReconnect: (info) => reconnects.push(info),
    })) {
      delivered.push(entry.offset);
    }
  } catch (caught) {
    error = caught;
  }
  return { transport, reconnects, delivered, error };
}

const log = approvedLog(['a', 'b', 'c', 'd', 'e']);
const allOffsets = new MockEventTransport(log).log.map((entry) => entry.offset);

describe('readWithResume', () => {
  test('resumes after drops from the last offset; every event exactly once', async () => {
    const { transport, reconnects, delivered, error } = await readAll(log, [
      { deliver: 2, end: 'drop' },
      { deliver: 0, end: 'drop' },
      { deliver: 3, end: 'drop' },
    ]);
    expect(error).toBeUndefined();
    expect(delivered).toEqual(allOffsets);
    expect(transport.openedAt).toEqual(['-1', allOffsets[1], allOffsets[1], allOffsets[4]]);
    expect(reconnects.map((info) => info.attempt)).toEqual([1, 2, 1]);
  });

  test('a server that replays events already delivered does not duplicate them', async () => {
    const { delivered } = await readAll(log, [{ deliver: 3, end: 'drop' }, { replay: 2 }]);
    expect(delivered).toEqual(allOffsets);
  });

  test('a clean end before the log closed is a drop; after the final it is the end', async () => {
    const { delivered, reconnects } = await readAll(log, [{ deliver: 4, end: 'clean' }]);
    expect(delivered).toEqual(allOffsets);
    expect(reconnects).toHaveLength(1);
  });

  test('a flagged final waits for the review decision; without one, an empty re-read ends', async () => {
    const flagged = log.map(
      (event): GenerationEvent =>
        event.type === 'response-final' ? { ...event, verdict: 'flagged' } : event,
    );
    const held = await readAll(flagged, [{ end: 'clean' }, { end: 'clean' }]);
    expect(held.delivered).toEqual(allOffsets);
    expect(held.transport.openedAt).toEqual(['-1', allOffsets.at(-1)]);

    const decided = await readAll(
      [...flagged, { type: 'review-decision', decision: 'approved', reviewer: 'r', note: '' }],
      [{ deliver: flagged.length, end: 'clean' }],
    );
    expect(decided.delivered).toHaveLength(flagged.length + 1);
    expect(decided.transport.openedAt).toHaveLength(2);
  });

  test('gives up after the bounded consecutive failures with the id and offset', async () => {
    const { error, delivered } = await readAll(log, [
      { deliver: 2, end: 'drop' },
      { deliver: 0, end: 'drop' },
      { deliver: 0, end: 'drop' },
    ]);
    expect(delivered).toHaveLength(2);
    expect(SluiceStreamError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'SLUICE_CLIENT_RETRIES_EXHAUSTED',
      generationId: 'gen_1',
      offset: allOffsets[1],
      retryable: true,
    });
  });

  test('a refusal (4xx) is not retried', async () => {
    const notFound = new TransportError({
      message: 'No such generation',
      retryable: false,
      status: 404,
      serverCode: 'SLUICE_ERR_GENERATION_NOT_FOUND',
    });
    const { error, transport } = await readAll(log, [{ deliver: 0, end: notFound }]);
    expect(transport.openedAt).toHaveLength(1);
    expect(error).toMatchObject({
      code: 'SLUICE_CLIENT_REQUEST_REFUSED',
      status: 404,
      serverCode: 'SLUICE_ERR_GENERATION_NOT_FOUND',
      retryable: false,
    });
  });

  test('aborting stops at once with SLUICE_CLIENT_ABORTED', async () => {
    const controller = new AbortController();
    const transport = new MockEventTransport(log, [{ deliver: 1, end: 'drop' }]);
    const reading = readWithResume({
      transport,
      generationId: 'gen_1',
      offset: '-1',
      retry: retryPolicy({ maxAttempts: 3, initialDelayMs: 60_000, maxDelayMs: 60_000 }),
      signal: controller.signal,
      random: () => 0.99,
      onReconnect: () => controller.abort(new Error('unmounted')),
    });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const entry of reading) seen.push(entry.offset);
      })(),
    ).rejects.toMatchObject({ code: 'SLUICE_CLIENT_ABORTED', offset: allOffsets[0] });
    expect(seen).toEqual([allOffsets[0]]);
  });
});
