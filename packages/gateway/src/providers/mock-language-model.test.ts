import { describe, expect, it } from 'vitest';
import { type LanguageModelStreamPart, ProviderError } from './language-model.ts';
import { MockGate } from './mock-gate.ts';
import { MockLanguageModel, mockTextParts } from './mock-language-model.ts';

async function collect(stream: AsyncIterable<LanguageModelStreamPart>) {
  const parts: LanguageModelStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const upstreamError = new ProviderError({
  code: 'SLUICE_ERR_UPSTREAM_ERROR',
  message: 'boom',
  retryable: true,
});

describe('MockLanguageModel', () => {
  it('yields scripted parts and records the call', async () => {
    const parts = mockTextParts(['a', 'b']);
    const model = new MockLanguageModel({ stream: parts });
    const options = { messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 5 };
    const { stream } = await model.doStream(options);
    expect(await collect(stream)).toEqual(parts);
    expect(model.calls).toHaveLength(1);
    expect(model.lastCall?.options).toBe(options);
    expect(model.lastCall?.outcome).toBe('completed');
    expect(model.lastCall?.partsYielded).toBe(parts.length);
    expect(model.lastCall?.aborted).toBe(false);
  });

  it('builds each stream from a function, which may reject per call', async () => {
    const model = new MockLanguageModel({
      stream: (_options, call) => {
        if (call.index === 0) throw upstreamError;
        return mockTextParts([`call ${call.index}`]);
      },
    });
    await expect(model.doStream({ messages: [] })).rejects.toBe(upstreamError);
    const { stream } = await model.doStream({ messages: [] });
    expect(await collect(stream)).toContainEqual({ type: 'text-delta', delta: 'call 1' });
    expect(model.calls.map((call) => call.index)).toEqual([0, 1]);
  });

  it('rejects before the stream when told to', async () => {
    const model = new MockLanguageModel({ rejectWith: upstreamError });
    await expect(model.doStream({ messages: [] })).rejects.toSatisfy(ProviderError.isInstance);
    expect(model.calls).toHaveLength(1);
  });

  it('throws mid-stream after N parts', async () => {
    const model = new MockLanguageModel({
      throwMidStream: { afterParts: 2, error: upstreamError },
    });
    const { stream } = await model.doStream({ messages: [] });
    const seen: LanguageModelStreamPart[] = [];
    await expect(async () => {
      for await (const part of stream) seen.push(part);
    }).rejects.toBe(upstreamError);
    expect(seen).toHaveLength(2);
    expect(model.lastCall?.outcome).toBe('threw');
  });

  it('hangs until aborted and records the abort', async () => {
    const controller = new AbortController();
    const model = new MockLanguageModel({ hangAfterParts: 1 });
    const { stream } = await model.doStream({ messages: [], abortSignal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ type: 'response-metadata' });
    const pending = iterator.next();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await model.lastCall?.whenAborted;
    expect(model.lastCall?.aborted).toBe(true);
    expect(model.lastCall?.outcome).toBe('aborted');
  });

  it('releases parts step by step through a gate', async () => {
    const gate = new MockGate();
    const model = new MockLanguageModel({ stream: mockTextParts(['x', 'y']), gate });
    const { stream } = await model.doStream({ messages: [] });
    const iterator = stream[Symbol.asyncIterator]();
    const first = iterator.next();
    await gate.whenWaiting();
    expect(model.lastCall?.partsYielded).toBe(0);
    gate.release();
    expect((await first).value).toMatchObject({ type: 'response-metadata' });
    gate.release(1);
    expect((await iterator.next()).value).toEqual({ type: 'text-delta', delta: 'x' });
    gate.open();
    expect(await collect({ [Symbol.asyncIterator]: () => iterator })).toHaveLength(2);
    expect(model.lastCall?.outcome).toBe('completed');
  });

  it('rejects a gated wait when aborted', async () => {
    const gate = new MockGate();
    const controller = new AbortController();
    const model = new MockLanguageModel({ gate });
    const { stream } = await model.doStream({ messages: [], abortSignal: controller.signal });
    const pending = stream[Symbol.asyncIterator]().next();
    await gate.whenWaiting();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(gate.waiting).toBe(0);
  });

  it('records a consumer that stops early', async () => {
    const model = new MockLanguageModel();
    const { stream } = await model.doStream({ messages: [] });
    for await (const _part of stream) break;
    await model.lastCall?.whenEnded;
    expect(model.lastCall?.outcome).toBe('closed-early');
  });
});
