/**
 * A reader that stops reading is cut once its connection stops taking data, without
 * slowing the producer or other readers, and resumes from its last event id with
 * nothing lost.
 */
import { get, type IncomingMessage } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { readSse, terminalOf } from '../helpers/sse-client.ts';

let server: RunningGateway;

beforeAll(async () => {
  server = await startGateway({
    config: {
      streams: { maxBufferedBytes: 64 * 1024, stalledReaderTimeoutMs: 300 },
      // A long simulator answer stands in for a model that talks for a long time.
      models: [{ name: 'simulator', maxTokens: 1_000_000 }],
    },
  });
});
afterAll(async () => {
  await server.close();
});

test('a stalled reader is cut and resumes; a fast reader of the same generation is unaffected', async () => {
  const created = await fetch(`${server.baseUrl}/v1/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'simulator',
      messages: [{ role: 'user', content: 'a long one' }],
      maxTokens: 150_000,
      simulator: { ttftMs: 0, tokenIntervalMs: 0 },
    }),
  });
  const { id } = (await created.json()) as { id: string };
  const eventsUrl = `${server.baseUrl}/v1/generations/${id}/events`;

  // Opens, then reads nothing (its socket applies TCP backpressure) until the gateway
  // gives up on it.
  const stalled = await new Promise<IncomingMessage>((resolve) => get(eventsUrl, resolve));
  stalled.pause();
  const fast = await readSse(await fetch(eventsUrl));
  expect(terminalOf(fast).data).toMatchObject({ usage: { outputTokens: 150_000 } });

  // The gateway records why it let the reader go; a paused client cannot see the close yet.
  await waitForDetach(id, 'cut-stalled');
  const beforeCut = await drainAfterCut(stalled);
  expect(beforeCut.length).toBeGreaterThan(0);
  expect(beforeCut.length).toBeLessThan(fast.length);
  const resumed = await readSse(
    await fetch(eventsUrl, { headers: { 'last-event-id': beforeCut.at(-1)?.id ?? '' } }),
  );
  const union = [...beforeCut, ...resumed];
  expect(union.map((event) => event.id)).toEqual(fast.map((event) => event.id));
}, 60_000);

async function waitForDetach(id: string, reason: string): Promise<void> {
  for (;;) {
    const response = await fetch(
      `${server.baseUrl}/v1/audit/records?generationId=${id}&limit=1000`,
    );
    const { records } = (await response.json()) as {
      records: Array<{ type: string; payload: { reasons?: Record<string, number> } }>;
    };
    const finished = records.filter((record) => record.type === 'reader-session');
    if (finished.some((record) => (record.payload.reasons?.[reason] ?? 0) > 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reads what a paused response still holds after the gateway closed it. */
function drainAfterCut(response: IncomingMessage): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  response.setEncoding('utf8');
  return new Promise((resolve) => {
    response.on('data', (chunk: string) => parser.feed(chunk));
    response.on('error', () => resolve(events));
    response.on('end', () => resolve(events));
    response.on('close', () => resolve(events));
    response.resume();
  });
}
