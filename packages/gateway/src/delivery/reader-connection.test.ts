import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ReaderConnection, type ReaderResponse } from './reader-connection.ts';

/** A response whose socket takes what `accepts` allows; the test plays the socket. */
class FakeResponse extends EventEmitter implements ReaderResponse {
  readonly written: string[] = [];
  writableLength = 0;
  writableFinished = false;
  destroyed = false;
  /** Whether the socket takes the next write at once. */
  accepts = true;

  write(chunk: string): boolean {
    this.written.push(chunk);
    if (!this.accepts) this.writableLength += chunk.length;
    return this.accepts;
  }

  end(): void {
    this.writableFinished = true;
    this.emit('finish');
    this.emit('close');
  }

  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }

  /** The client took everything. */
  drain(): void {
    this.writableLength = 0;
    this.emit('drain');
  }
}

const limits = { maxBufferedBytes: 100, stalledReaderTimeoutMs: 1000 };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ReaderConnection', () => {
  test('a write the socket takes costs no promise; one it cannot take waits for drain', async () => {
    const response = new FakeResponse();
    const connection = new ReaderConnection(response, limits);
    expect(connection.write('a')).toBeUndefined();
    response.accepts = false;
    const waiting = connection.write('b');
    expect(waiting).toBeInstanceOf(Promise);
    response.drain();
    await waiting;
    connection.end();
    expect(connection.endReason).toBe('completed');
    expect(response.writableFinished).toBe(true);
  });

  test('a reader that takes nothing for stalledReaderTimeoutMs is cut', async () => {
    const response = new FakeResponse();
    const connection = new ReaderConnection(response, limits);
    response.accepts = false;
    const waiting = connection.write('x'.repeat(50));
    await vi.advanceTimersByTimeAsync(limits.stalledReaderTimeoutMs);
    await waiting;
    expect(connection.endReason).toBe('cut-stalled');
    expect(connection.signal.aborted).toBe(true);
    expect(response.destroyed).toBe(true);
  });

  test('a reader still holding more than the cap besides its last batch is cut at once', async () => {
    const response = new FakeResponse();
    const connection = new ReaderConnection(response, limits);
    response.accepts = false;
    // Left over from earlier writes the socket did not take, then one more batch.
    response.writableLength = limits.maxBufferedBytes + 1;
    const waiting = connection.write('x'.repeat(10));
    await vi.advanceTimersToNextTimerAsync();
    await waiting;
    expect(connection.endReason).toBe('cut-buffer-limit');
    expect(response.destroyed).toBe(true);
  });

  test('one batch larger than the cap is no reason to cut', async () => {
    const response = new FakeResponse();
    const connection = new ReaderConnection(response, limits);
    response.accepts = false;
    const waiting = connection.write('x'.repeat(limits.maxBufferedBytes * 3));
    await vi.advanceTimersToNextTimerAsync();
    expect(connection.signal.aborted).toBe(false);
    response.drain();
    await waiting;
    expect(connection.signal.aborted).toBe(false);
  });

  test('heartbeats go out only while the connection is idle', async () => {
    const response = new FakeResponse();
    const connection = new ReaderConnection(response, limits);
    connection.writeIfIdle(': beat\n\n');
    response.accepts = false;
    const waiting = connection.write('event');
    connection.writeIfIdle(': beat\n\n');
    expect(response.written).toEqual([': beat\n\n', 'event']);
    response.drain();
    await waiting;
    connection.writeIfIdle(': beat\n\n');
    expect(response.written).toHaveLength(3);
  });

  test('tells a client that left from one that was served', () => {
    const left = new FakeResponse();
    const leaving = new ReaderConnection(left, limits);
    left.emit('close');
    expect(leaving.endReason).toBe('client-disconnected');
    expect(leaving.signal.aborted).toBe(true);

    const served = new FakeResponse();
    const serving = new ReaderConnection(served, limits);
    serving.end();
    expect(serving.endReason).toBe('completed');
    expect(serving.signal.aborted).toBe(false);
  });

  test('ends on shutdown and when its time is up', async () => {
    const shutdown = new AbortController();
    const closing = new ReaderConnection(new FakeResponse(), {
      ...limits,
      shutdownSignal: shutdown.signal,
    });
    shutdown.abort();
    expect(closing.endReason).toBe('shutdown');

    const held = new ReaderConnection(new FakeResponse(), { ...limits, holdMs: 500 });
    await vi.advanceTimersByTimeAsync(500);
    expect(held.endReason).toBe('expired');
    expect(held.signal.aborted).toBe(true);
  });

  test('a one-piece answer the client does not take in time is cut', async () => {
    const response = new FakeResponse();
    const connection = new ReaderConnection(response, limits);
    const finished = connection.whenFinished();
    expect(finished).toBeInstanceOf(Promise);
    await vi.advanceTimersByTimeAsync(limits.stalledReaderTimeoutMs);
    await finished;
    expect(connection.endReason).toBe('cut-stalled');

    const taken = new FakeResponse();
    const taking = new ReaderConnection(taken, limits);
    const done = taking.whenFinished();
    taken.end();
    await done;
    taking.release();
    expect(taking.endReason).toBe('completed');
  });
});
