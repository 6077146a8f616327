import type { GenerationEvent } from '@sluice/protocol';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { openSqliteGovernance } from '../governance/database/open-sqlite-governance.ts';
import { validatePolicyDocument } from '../governance/policy-document.ts';
import { PolicyRuntime } from '../governance/policy-runtime.ts';
import { compileGuardrails, guardrailsPolicySchema } from '../guardrails/guardrails-policy.ts';
import { redactText } from '../guardrails/redact-text.ts';
import { maxEventLoopLagMs } from '../guardrails/testing/event-loop-lag-probe.ts';
import { chunk, plantedText } from '../guardrails/testing/guardrails-arbitraries.ts';
import { createObservability } from '../observability/observability.ts';
import { observabilityConfigSchema } from '../observability/observability-config.ts';
import { type LanguageModelStreamPart, ProviderError } from '../providers/language-model.ts';
import { MockGate } from '../providers/mock-gate.ts';
import { MockLanguageModel, mockTextParts } from '../providers/mock-language-model.ts';
import { MemoryGenerationStore } from '../store/memory-generation-store.ts';
import { MemoryStreamStore } from '../store/memory-stream-store.ts';
import { AuditTrail } from './audit-trail.ts';
import type { GenerationRequest } from './generation.ts';
import { GUARDRAIL_SLICE_CHARS } from './generation-producer.ts';
import type { GenerationRecord } from './generation-record.ts';
import { GenerationService } from './generation-service.ts';
import { ModelRegistry } from './model-registry.ts';

const disposables: Array<{ dispose(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(disposables.splice(0).map((item) => item.dispose()));
});

interface SharedStores {
  store?: MemoryStreamStore;
  records?: MemoryGenerationStore;
  abandonAfterMs?: number;
}

async function setup(model: MockLanguageModel, shared: SharedStores = {}) {
  const store = shared.store ?? new MemoryStreamStore();
  const records = shared.records ?? new MemoryGenerationStore();
  const models = new ModelRegistry(
    [{ name: 'mock', provider: 'openai-compatible', baseUrl: 'http://x' }],
    () => model,
  );
  const governance = openSqliteGovernance({
    location: { path: ':memory:' },
    validatePolicy: validatePolicyDocument,
  });
  const policies = new PolicyRuntime({
    policies: governance.policies,
    redactionHashKey: 'test-key',
  });
  const service = new GenerationService({
    store,
    records,
    models,
    policies,
    audit: new AuditTrail(governance.auditLog, (error) => {
      throw error;
    }),
    reviews: governance.reviews,
    observability: await createObservability(observabilityConfigSchema.parse({})),
    ttlSeconds: 60,
    ...(shared.abandonAfterMs === undefined ? {} : { abandonAfterMs: shared.abandonAfterMs }),
  });
  disposables.push(service, store, records, { dispose: () => governance.close() });
  return { store, records, service, governance };
}

/** Starts a generation and resolves with its record once it was finalized. */
async function finished(service: GenerationService, request: GenerationRequest) {
  const started = await service.start(request);
  const record = await service.finalized(started.id);
  if (!record) throw new Error('the generation record vanished');
  return record;
}

async function events(store: MemoryStreamStore, path: string): Promise<GenerationEvent[]> {
  const batch = await store.read(path, { offset: '-1' });
  return batch.messages.map((message) => JSON.parse(Buffer.from(message.data).toString()));
}

const request = { model: 'mock', messages: [{ role: 'user' as const, content: 'hello there' }] };

describe('GenerationService', () => {
  test('one huge delta is redacted like small ones, in slices that keep the loop free', async () => {
    // 160 KB in one delta, e-mail addresses all through it, some across slice edges.
    const unit = 'Write to ada.lovelace@example.com about the engine. ';
    const huge = unit.repeat(Math.ceil(160_000 / unit.length));
    const model = new MockLanguageModel({ stream: mockTextParts([huge, ' Done.']) });
    const { store, service } = await setup(model);
    // Warm the guardrails first: compiling them is a one-off cost, not what this bounds.
    const warm = await setup(new MockLanguageModel({ stream: mockTextParts([unit.repeat(200)]) }));
    await finished(warm.service, request);
    let generation: Awaited<ReturnType<typeof finished>> | undefined;
    const lagMs = await maxEventLoopLagMs(async () => {
      generation = await finished(service, request);
    });
    const expected = `${'Write to [EMAIL] about the engine. '.repeat(Math.ceil(160_000 / unit.length))} Done.`;
    expect(generation?.text).toBe(expected);
    const log = await events(store, generation?.streamPath ?? '');
    const deltas = log.filter((event) => event.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(160_000 / GUARDRAIL_SLICE_CHARS);
    expect(lagMs).toBeLessThan(100);
  });

  test('logs start, deltas, one finish and the verdict, then closes the log', async () => {
    const model = new MockLanguageModel({
      stream: mockTextParts(['Hel', 'lo', ' there', ''], {
        usage: { inputTokens: 4, outputTokens: 3 },
      }),
    });
    const { store, service } = await setup(model);
    const generation = await finished(service, { ...request, maxTokens: 9, seed: 1 });
    const log = await events(store, generation.streamPath);
    const types = log.map((event) => event.type);
    expect(types[0]).toBe('response-start');
    expect(types.slice(-2)).toEqual(['response-finish', 'response-final']);
    expect(types.slice(1, -2).every((type) => type === 'text-delta')).toBe(true);
    const streamed = log.map((event) => (event.type === 'text-delta' ? event.delta : '')).join('');
    expect(streamed).toBe('Hello there');
    expect(log.at(-2)).toMatchObject({
      finishReason: 'stop',
      usage: { inputTokens: 4, outputTokens: 3 },
    });
    expect(log.at(-1)).toMatchObject({ verdict: 'approved', policyVersion: 'default@0' });
    expect(generation).toMatchObject({
      status: 'finished',
      text: 'Hello there',
      finishReason: 'stop',
    });
    expect((await store.head(generation.streamPath))?.closed).toBe(true);
    expect(model.calls[0]?.options).toMatchObject({
      maxTokens: 9,
      seed: 1,
      messages: request.messages,
    });
  });

  test('a log the store cannot create fails the launch; the record ends failed, the model call stops, admission is released', async () => {
    class RefusingStore extends MemoryStreamStore {
      override async create(): Promise<never> {
        throw new Error('the store is away');
      }
    }
    const model = new MockLanguageModel({ hangAfterParts: 1 });
    const store = new RefusingStore();
    const { service, records } = await setup(model, { store });
    let released = 0;
    await expect(
      service.launch(
        { ...request, sessionId: 'refused' },
        { lease: { release: () => (released += 1) } },
      ),
    ).rejects.toThrow('the store is away');
    await service.whenIdle();
    expect(released).toBe(1);
    expect(service.runningCount).toBe(0);
    const [record] = await records.list({ sessionId: 'refused' });
    expect(record).toMatchObject({ status: 'failed', finalized: true });
    expect(model.calls.every((call) => call.outcome !== undefined)).toBe(true);
  });

  test('fills usage the upstream did not report', async () => {
    const model = new MockLanguageModel({
      stream: mockTextParts(['a', 'b', 'c'], {
        usage: { inputTokens: undefined, outputTokens: undefined },
      }),
    });
    const { service } = await setup(model);
    const generation = await finished(service, request);
    expect(generation.usage).toEqual({
      inputTokens: Math.ceil('hello there'.length / 4),
      outputTokens: 3,
    });
  });

  test('a failure before streaming returns a failed generation with the upstream error', async () => {
    const model = new MockLanguageModel({
      rejectWith: new ProviderError({
        code: 'SLUICE_ERR_UPSTREAM_TIMEOUT',
        message: 'slow',
        retryable: true,
      }),
    });
    const { store, service } = await setup(model);
    const generation = await service.start(request);
    expect(generation.status).toBe('failed');
    expect(generation.error).toEqual({
      code: 'SLUICE_ERR_UPSTREAM_TIMEOUT',
      message: 'slow',
      retryable: true,
    });
    const log = await events(store, generation.streamPath);
    expect(log.map((event) => event.type)).toEqual([
      'response-start',
      'response-error',
      'response-final',
    ]);
  });

  test('a mid-stream failure ends with response-error and keeps the partial text', async () => {
    const model = new MockLanguageModel({
      stream: mockTextParts(['one ', 'two ', 'three']),
      throwMidStream: {
        afterParts: 3,
        error: new ProviderError({
          code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE',
          message: 'bad',
          retryable: false,
        }),
      },
    });
    const { store, service } = await setup(model);
    const generation = await finished(service, request);
    expect(generation).toMatchObject({ status: 'failed', finishReason: 'error', text: 'one two ' });
    const log = await events(store, generation.streamPath);
    expect(log.at(-2)).toEqual({
      type: 'response-error',
      code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE',
      message: 'bad',
      retryable: false,
    });
  });

  test('an unexpected error is reported without internals', async () => {
    const model = new MockLanguageModel({
      stream: mockTextParts(['x']),
      throwMidStream: { afterParts: 1, error: new Error('secret internal detail') },
    });
    const { store, service } = await setup(model);
    const generation = await finished(service, request);
    const log = await events(store, generation.streamPath);
    expect(log.at(-2)).toMatchObject({ type: 'response-error', code: 'SLUICE_ERR_INTERNAL' });
    expect(JSON.stringify(log)).not.toContain('secret internal detail');
  });

  test('a stream that ends without a finish part is truncated', async () => {
    const model = new MockLanguageModel({ stream: [{ type: 'text-delta', delta: 'half' }] });
    const { service } = await setup(model);
    const generation = await finished(service, request);
    expect(generation.error?.code).toBe('SLUICE_ERR_STREAM_TRUNCATED');
  });

  test('stop aborts the upstream, ends once as cancelled, and is idempotent', async () => {
    const gate = new MockGate();
    const model = new MockLanguageModel({
      stream: mockTextParts(['alpha ', 'beta ', 'c', 'd']),
      gate,
    });
    const { store, service } = await setup(model);
    // The model wrapper resolves `start` at the first token, so open the gate first.
    const started = service.start(request);
    gate.release(3); // metadata, 'alpha ', 'beta '
    const generation = await started;
    await gate.whenWaiting();
    while (model.calls[0]?.partsYielded !== 3)
      await new Promise((resolve) => setImmediate(resolve));
    const [first, second] = await Promise.all([
      service.stop(generation.id),
      service.stop(generation.id),
    ]);
    expect(first?.status).toBe('cancelled');
    expect(second).toEqual(first);
    expect(model.calls[0]?.aborted).toBe(true);
    const log = await events(store, generation.streamPath);
    expect(
      log.filter((event) => event.type === 'response-finish' || event.type === 'response-error'),
    ).toEqual([expect.objectContaining({ type: 'response-finish', finishReason: 'cancelled' })]);
    // What the guardrails still held when cancelled is released: the partial text is whole.
    expect(first?.text).toBe('alpha beta ');
  });

  test('interruptAll ends running generations as interrupted', async () => {
    const model = new MockLanguageModel({ stream: mockTextParts(['a']), hangAfterParts: 2 });
    const { service } = await setup(model);
    const generation = await service.start(request);
    while (model.calls[0]?.partsYielded !== 2)
      await new Promise((resolve) => setImmediate(resolve));
    await service.interruptAll();
    expect(await service.record(generation.id)).toMatchObject({
      status: 'interrupted',
      finishReason: 'interrupted',
      text: 'a',
    });
  });

  test('a stop sent from another node reaches the node running the producer', async () => {
    const model = new MockLanguageModel({ stream: mockTextParts(['a', 'b']), hangAfterParts: 2 });
    const running = await setup(model);
    // A second service over the same stores: another gateway node.
    const other = await setup(new MockLanguageModel(), {
      store: running.store,
      records: running.records,
    });
    const generation = await running.service.start(request);
    while (model.calls[0]?.partsYielded !== 2)
      await new Promise((resolve) => setImmediate(resolve));
    expect(other.service.runningCount).toBe(0);
    const stopped = await other.service.stop(generation.id, 'cancelled');
    expect(stopped).toMatchObject({ status: 'cancelled', stopCause: 'cancelled', finalized: true });
    expect(model.calls[0]?.aborted).toBe(true);
    expect((await other.service.view(stopped as GenerationRecord)).text).toBe('a');
  });

  test('a generation left without readers is cancelled as abandoned, one being read is not', async () => {
    const model = new MockLanguageModel({ stream: mockTextParts(['a']), hangAfterParts: 2 });
    const { service } = await setup(model, { abandonAfterMs: 250 });
    const read = await service.start(request);
    const leave = service.readerAttached(read.id);
    const unread = await service.start(request);
    const abandoned = await service.finalized(unread.id);
    expect(abandoned).toMatchObject({
      status: 'cancelled',
      finishReason: 'cancelled',
      stopCause: 'abandoned',
    });
    // The read one outlived the other's abandonment; leaving it alone abandons it too.
    expect((await service.record(read.id))?.status).toBe('running');
    leave();
    expect(await service.finalized(read.id)).toMatchObject({ stopCause: 'abandoned' });
  });

  test('a record store that refuses the record fails the start before anything exists', async () => {
    const records = new MemoryGenerationStore();
    records.create = async () => {
      throw new Error('store down');
    };
    const model = new MockLanguageModel();
    const { service } = await setup(model, { records });
    await expect(service.start(request)).rejects.toMatchObject({
      name: 'RecordUnavailableError',
    });
    expect(model.calls).toHaveLength(0);
    expect(service.runningCount).toBe(0);
  });

  test('unknown models are rejected before anything is created', async () => {
    const { service } = await setup(new MockLanguageModel());
    await expect(service.start({ ...request, model: 'nope' })).rejects.toThrow(/is not configured/);
  });
});

describe('GenerationService: reasoning and tool calls', () => {
  test('reasoning is redacted like text, however both were split and interleaved', async () => {
    const guardrails = compileGuardrails(guardrailsPolicySchema.parse({}), {
      hashKey: 'test-key',
    });
    await fc.assert(
      fc.asyncProperty(
        plantedText({ minParts: 1, maxParts: 8 }),
        plantedText({ minParts: 1, maxParts: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (thought, answer, thoughtCuts, answerCuts) => {
          const reasoningParts = chunk(` ${thought.text}`, thoughtCuts)
            .filter((piece) => piece !== '')
            .map((delta) => ({ type: 'reasoning-delta' as const, delta }));
          const textParts = chunk(` ${answer.text}`, answerCuts)
            .filter((piece) => piece !== '')
            .map((delta) => ({ type: 'text-delta' as const, delta }));
          // Interleave: reasoning first, then both alternating, as some models do.
          const parts: LanguageModelStreamPart[] = [];
          const half = Math.ceil(reasoningParts.length / 2);
          parts.push(...reasoningParts.slice(0, half));
          const rest = reasoningParts.slice(half);
          textParts.forEach((part, index) => {
            parts.push(part);
            const next = rest[index];
            if (next) parts.push(next);
          });
          parts.push(...rest.slice(textParts.length));
          parts.push({
            type: 'finish',
            finishReason: 'stop',
            usage: { inputTokens: 1, outputTokens: parts.length },
          });
          const { store, service } = await setup(new MockLanguageModel({ stream: parts }));
          const generation = await finished(service, request);
          const log = await events(store, generation.streamPath);
          const joined = (type: 'text-delta' | 'reasoning-delta') =>
            log.map((event) => (event.type === type ? event.delta : '')).join('');
          expect(joined('reasoning-delta')).toBe(
            redactText(guardrails.redactors, ` ${thought.text}`).text,
          );
          expect(joined('text-delta')).toBe(
            redactText(guardrails.redactors, ` ${answer.text}`).text,
          );
          expect(generation.reasoning).toBe(joined('reasoning-delta'));
          const everything = JSON.stringify(log);
          for (const value of [...thought.planted, ...answer.planted]) {
            expect(everything).not.toContain(value);
          }
          await Promise.all(disposables.splice(0).map((item) => item.dispose()));
        },
      ),
      { numRuns: 40 },
    );
  });

  test('tool calls are logged, kept on the record, counted in usage and audited by name', async () => {
    const parts: LanguageModelStreamPart[] = [
      { type: 'text-delta', delta: 'Checking.' },
      { type: 'tool-call-start', index: 0, toolCallId: 'call_a', toolName: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
      { type: 'tool-call-end', index: 0 },
      {
        type: 'finish',
        finishReason: 'tool-calls',
        usage: { inputTokens: 9, outputTokens: 7, reasoningTokens: 2, cachedInputTokens: 4 },
      },
    ];
    const { store, service, governance } = await setup(new MockLanguageModel({ stream: parts }));
    const generation = await finished(service, {
      ...request,
      tools: [{ name: 'get_weather', parameters: { type: 'object' } }],
    });
    const log = await events(store, generation.streamPath);
    expect(log.map((event) => event.type)).toEqual([
      'response-start',
      'tool-call-start',
      'tool-call-delta',
      'tool-call-delta',
      'tool-call-end',
      'text-delta',
      'response-finish',
      'response-final',
    ]);
    expect(generation.toolCalls).toEqual([
      { toolCallId: 'call_a', toolName: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
    expect(log.at(-2)).toMatchObject({
      finishReason: 'tool-calls',
      usage: { inputTokens: 9, outputTokens: 7, reasoningTokens: 2, cachedInputTokens: 4 },
    });
    await governance.auditLog.flush();
    const records = await governance.auditLog.list({ generationId: generation.id });
    const verdict = records.find((record) => record.type === 'final-verdict');
    expect(verdict?.payload).toMatchObject({
      toolCalls: [{ toolCallId: 'call_a', toolName: 'get_weather' }],
    });
  });

  test('options the model cannot carry are refused before anything starts', async () => {
    const model = new MockLanguageModel({
      unsupportedOptions: (options) => (options.seed === undefined ? [] : [{ field: 'seed' }]),
    });
    const { service } = await setup(model);
    await expect(service.start({ ...request, seed: 3 })).rejects.toMatchObject({
      name: 'UnsupportedOptionsError',
      provider: 'openai-compatible',
      unsupported: [{ field: 'seed' }],
    });
    expect(model.calls).toHaveLength(0);
  });
});
