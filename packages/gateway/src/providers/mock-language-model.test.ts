import { describe, expect, it } from 'vitest';
import { type LanguageModelStreamPart, ProviderError } from './language-model.ts';
import { MockGate } from './mock-gate.ts';
import { MockLanguageModel, mockTextParts, mockToolCallParts } from './mock-language-model.ts';

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

  it('answers unsupportedOptions from a list or a function, and none by default', () => {
    const options = { messages: [], responseFormat: { type: 'json' as const } };
    expect(new MockLanguageModel().unsupportedOptions(options)).toEqual([]);
    const listed = new MockLanguageModel({ unsupportedOptions: [{ field: 'tools' }] });
    expect(listed.unsupportedOptions(options)).toEqual([{ field: 'tools' }]);
    const computed = new MockLanguageModel({
      unsupportedOptions: (call) =>
        call.responseFormat === undefined ? [] : [{ field: 'responseFormat', reason: 'no JSON' }],
    });
    expect(computed.unsupportedOptions(options)).toEqual([
      { field: 'responseFormat', reason: 'no JSON' },
    ]);
    expect(computed.unsupportedOptions({ messages: [] })).toEqual([]);
  });

  it('builds tool-call parts: each call started, its fragments, ended, then the finish', () => {
    expect(
      mockToolCallParts([
        { toolCallId: 'call_1', toolName: 'get_weather', arguments: ['{"city":', '', '"Paris"}'] },
        { toolCallId: 'call_2', toolName: 'get_time', arguments: '{}' },
      ]),
    ).toEqual([
      { type: 'response-metadata', modelId: 'mock-model', id: 'mock-response' },
      { type: 'tool-call-start', index: 0, toolCallId: 'call_1', toolName: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, toolCallId: 'call_2', toolName: 'get_time' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 1, outputTokens: 3 } },
    ]);
  });
});
