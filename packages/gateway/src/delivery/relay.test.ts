import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { MemoryStreamStore } from '../store/memory-stream-store.ts';
import { InvalidOffsetError, type ReadBatch, StreamNotFoundError } from '../store/stream-store.ts';
import type { AdmittedReader, DetachReason, FrameEncoder, ReaderAdmission } from './frame.ts';
import { MockFrameTransport } from './mock-frame-transport.ts';
import { relay } from './relay.ts';

const PATH = 'logs/a';
const text = (batch: ReadBatch) =>
  batch.messages.map((message) => Buffer.from(message.data).toString());

/** One frame per message: its text. */
const messageEncoder: FrameEncoder<string> = { encode: text };

/** Records admissions and detaches; refuses when told to. */
class RecordingAdmission implements ReaderAdmission {
  readonly admitted: string[] = [];
  readonly detached: Array<{ reached: string; reason: DetachReason }> = [];
  refuse: Error | undefined;

  async admit(offset: string): Promise<AdmittedReader> {
    if (this.refuse) throw this.refuse;
    this.admitted.push(offset);
    return { detach: (reached, reason) => this.detached.push({ reached, reason }) };
  }
}

let store: MemoryStreamStore;
let reader: RecordingAdmission;

async function append(...messages: string[]): Promise<string> {
  const result = await store.append(
    PATH,
    messages.map((message) => Buffer.from(message)),
  );
  return result.offset;
}

beforeEach(async () => {
  store = new MemoryStreamStore();
  reader = new RecordingAdmission();
  await store.create(PATH, { contentType: 'application/json' });
});
afterEach(async () => {
  await store.dispose();
});

describe('relay', () => {
  test('sends what is there, follows appends until the log closes, and detaches once', async () => {
    await append('1', '2');
    const transport = new MockFrameTransport<string>();
    transport.onSend((frames) => {
      if (frames.includes('2')) void append('3');
      if (frames.includes('3')) void store.append(PATH, [Buffer.from('4')], { close: true });
    });
    const outcome = await relay(store, PATH, '-1', {
      encoder: messageEncoder,
      reader,
      open: () => transport,
    });
    const tail = (await store.head(PATH))?.tailOffset;
    expect(transport.sends).toEqual([['1', '2'], ['3'], ['4']]);
    expect(transport.ends).toHaveLength(1);
    expect(transport.ends[0]?.last.closed).toBe(true);
    expect(outcome).toEqual({ reached: tail, reason: 'completed' });
    expect(reader.admitted).toEqual(['-1']);
    expect(reader.detached).toEqual([{ reached: tail, reason: 'completed' }]);
  });

  test('resumes after an offset with exactly what follows it', async () => {
    const afterFirst = await append('1');
    await append('2');
    await store.close(PATH);
    const transport = new MockFrameTransport<string>();
    await relay(store, PATH, afterFirst, { encoder: messageEncoder, open: () => transport });
    expect(transport.sends).toEqual([['2']]);
  });

  test('an unknown log or a bad offset is thrown before admission and before opening', async () => {
    let opened = false;
    const open = () => {
      opened = true;
      return new MockFrameTransport<string>();
    };
    await expect(
      relay(store, 'logs/none', '-1', { encoder: messageEncoder, reader, open }),
    ).rejects.toBeInstanceOf(StreamNotFoundError);
    await expect(
      relay(store, PATH, 'zzz', { encoder: messageEncoder, reader, open }),
    ).rejects.toBeInstanceOf(InvalidOffsetError);
    expect(opened).toBe(false);
    expect(reader.admitted).toEqual([]);
  });

  test('a refused reader is thrown before anything is opened', async () => {
    reader.refuse = new Error('429');
    let opened = false;
    const open = () => {
      opened = true;
      return new MockFrameTransport<string>();
    };
    await expect(relay(store, PATH, '-1', { encoder: messageEncoder, reader, open })).rejects.toBe(
      reader.refuse,
    );
    expect(opened).toBe(false);
    expect(reader.detached).toEqual([]);
  });

  test('without follow, it waits for the first messages, sends them and stops', async () => {
    const transport = new MockFrameTransport<string>();
    const done = relay(store, PATH, 'now', {
      encoder: messageEncoder,
      follow: false,
      open: () => transport,
    });
    const reached = await append('1', '2');
    await append('3');
    expect(await done).toEqual({ reached, reason: 'completed' });
    expect(transport.sends).toEqual([['1', '2']]);
  });

  test('stops when the encoder says its protocol is complete', async () => {
    await append('1', 'end', '2');
    const transport = new MockFrameTransport<string>();
    let complete = false;
    const encoder: FrameEncoder<string> = {
      encode: (batch) => {
        complete = text(batch).includes('end');
        return text(batch);
      },
      isComplete: () => complete,
    };
    const outcome = await relay(store, PATH, '-1', { encoder, open: () => transport });
    expect(transport.sends).toHaveLength(1);
    expect(outcome.reason).toBe('completed');
  });

  test('waits for a transport under backpressure before reading on', async () => {
    await append('1');
    const transport = new MockFrameTransport<string>();
    const held = transport.holdSends();
    const done = relay(store, PATH, '-1', { encoder: messageEncoder, open: () => transport });
    await append('2');
    await store.close(PATH);
    await new Promise((resolve) => setImmediate(resolve));
    expect(transport.sends).toEqual([['1']]);
    held.release();
    await done;
    expect(transport.sends).toEqual([['1'], ['2']]);
  });

  test('a stopped transport ends delivery with its reason and where the reader got to', async () => {
    const reached = await append('1');
    const transport = new MockFrameTransport<string>();
    transport.onSend(() => transport.stop('cut-stalled'));
    const outcome = await relay(store, PATH, '-1', {
      encoder: messageEncoder,
      reader,
      open: () => transport,
    });
    expect(outcome).toEqual({ reached, reason: 'cut-stalled' });
    expect(reader.detached).toEqual([{ reached, reason: 'cut-stalled' }]);
  });

  test('a failure after opening ends the transport with it and detaches as failed', async () => {
    const reached = await append('1');
    const transport = new MockFrameTransport<string>();
    transport.onSend(() => void store.delete(PATH));
    const errors: unknown[] = [];
    const outcome = await relay(store, PATH, '-1', {
      encoder: messageEncoder,
      reader,
      open: () => transport,
      onError: (error) => errors.push(error),
    });
    expect(outcome).toEqual({ reached, reason: 'failed' });
    expect(errors).toHaveLength(1);
    expect(transport.ends[0]?.failure?.error).toBe(errors[0]);
    expect(reader.detached).toEqual([{ reached, reason: 'failed' }]);
  });

  test("a failure after opening sends the encoder's failure frames before the end", async () => {
    await append('1');
    const transport = new MockFrameTransport<string>();
    transport.onSend(() => void store.delete(PATH));
    const failing: FrameEncoder<string> = {
      encode: text,
      encodeFailure: (error) => [`failed: ${(error as { code: string }).code}`],
    };
    await relay(store, PATH, '-1', { encoder: failing, open: () => transport });
    expect(transport.sends).toEqual([['1'], ['failed: SLUICE_ERR_STREAM_NOT_FOUND']]);
    expect(transport.ends).toHaveLength(1);
  });

  test('no failure frames go to a reader that is already gone', async () => {
    await append('1');
    const transport = new MockFrameTransport<string>();
    transport.onSend(() => {
      transport.stop('client-disconnected');
      void store.delete(PATH);
    });
    const failing: FrameEncoder<string> = { encode: text, encodeFailure: () => ['failed'] };
    await relay(store, PATH, '-1', { encoder: failing, open: () => transport });
    expect(transport.sends).toEqual([['1']]);
  });

  test('no batch is larger than the buffer cap, one message at least', async () => {
    await append('"aaaaaaaa"', '"bbbbbbbb"', '"cccccccccccccccccccc"', '"d"');
    await store.close(PATH);
    const transport = new MockFrameTransport<string>();
    await relay(store, PATH, '-1', {
      encoder: messageEncoder,
      open: () => transport,
      maxBufferedBytes: 20,
    });
    expect(transport.sends).toEqual([
      ['"aaaaaaaa"', '"bbbbbbbb"'],
      ['"cccccccccccccccccccc"'],
      ['"d"'],
    ]);
  });
});
