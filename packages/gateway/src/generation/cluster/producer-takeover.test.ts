/**
 * Two generation services (nodes) sharing one stream store, one record store and one set
 * of producer leases, as a cluster does through Redis. The first node is cut off (its
 * lease clock jumps past expiry, as when it cannot reach the store); the second takes its
 * generation over — interrupting it or continuing it after a seam — and the first one's
 * producer stops without writing another event.
 */
import type { GenerationEvent } from '@sluice/protocol';
import { afterEach, describe, expect, test } from 'vitest';
import { openSqliteGovernance } from '../../governance/database/open-sqlite-governance.ts';
import { validatePolicyDocument } from '../../governance/policy-document.ts';
import { PolicyRuntime } from '../../governance/policy-runtime.ts';
import { createObservability } from '../../observability/observability.ts';
import { observabilityConfigSchema } from '../../observability/observability-config.ts';
import { MockGate } from '../../providers/mock-gate.ts';
import { MockLanguageModel, mockTextParts } from '../../providers/mock-language-model.ts';
import { MemoryGenerationStore } from '../../store/memory-generation-store.ts';
import { MemoryStreamStore } from '../../store/memory-stream-store.ts';
import { MemoryProducerLeases } from '../../store/redis-generation/memory-producer-lease.ts';
import { AuditTrail } from '../audit-trail.ts';
import { GenerationService } from '../generation-service.ts';
import { PRODUCER_ID } from '../launch-generation.ts';
import { ModelRegistry } from '../model-registry.ts';
import { CoalescingAppender, fenceLog } from '../stages/coalescing-appender.ts';
import type { ProducerLostAction } from './producer-takeover.ts';

const disposables: Array<{ dispose(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(disposables.splice(0).map((item) => item.dispose()));
});

const LEASE_TIMEOUT_MS = 200;

function sharedStores() {
  let skewMs = 0;
  const stores = {
    store: new MemoryStreamStore(),
    records: new MemoryGenerationStore(),
    leases: new MemoryProducerLeases({ now: () => Date.now() + skewMs }),
    /** Moves every lease past its expiry, as if its node had stopped renewing. */
    expireLeases: () => {
      skewMs += LEASE_TIMEOUT_MS * 10;
    },
  };
  disposables.push(stores.store, stores.records, stores.leases);
  return stores;
}

async function node(
  name: string,
  shared: ReturnType<typeof sharedStores>,
  model: MockLanguageModel,
  onProducerLost: ProducerLostAction,
) {
  const models = new ModelRegistry(
    [{ name: 'mock', provider: 'openai-compatible', baseUrl: 'http://x' }],
    () => model,
  );
  const governance = openSqliteGovernance({
    location: { path: ':memory:' },
    validatePolicy: validatePolicyDocument,
  });
  const service = new GenerationService({
    store: shared.store,
    records: shared.records,
    models,
    policies: new PolicyRuntime({ policies: governance.policies, redactionHashKey: 'k' }),
    audit: new AuditTrail(governance.auditLog, (error) => {
      throw error;
    }),
    reviews: governance.reviews,
    observability: await createObservability(observabilityConfigSchema.parse({})),
    ttlSeconds: 60,
    cluster: {
      leases: shared.leases,
      nodeId: name,
      leaseTimeoutMs: LEASE_TIMEOUT_MS,
      onProducerLost,
    },
  });
  disposables.push(service, { dispose: async () => governance.close() });
  return { service, governance };
}

async function logEvents(store: MemoryStreamStore, path: string): Promise<GenerationEvent[]> {
  const batch = await store.read(path, { offset: '-1' });
  return batch.messages.map((message) => JSON.parse(Buffer.from(message.data).toString()));
}

/**
 * One model both nodes call: the first call answers "alpha beta gamma delta", held part by
 * part at `gate`; a continuation answers " gamma delta". Whichever node takes over (the
 * cut-off one may reclaim its own generation once its producer stopped), the outcome is
 * the same.
 */
function sharedModel(gate: MockGate) {
  return new MockLanguageModel({
    stream: (_options, call) =>
      call.index === 0
        ? mockTextParts(['alpha ', 'beta ', 'gamma ', 'delta'])
        : mockTextParts([' gamma', ' delta']),
    gate,
  });
}

/**
 * Starts a generation on `first`, lets two text parts reach the log, then cuts the node
 * off and waits until a node took the generation over (its record's epoch moved on).
 */
async function startAndCut(
  shared: ReturnType<typeof sharedStores>,
  first: GenerationService,
  gate: MockGate,
) {
  const started = first.start({
    model: 'mock',
    messages: [{ role: 'user', content: 'hi' }],
    maxTokens: 50,
  });
  gate.release(3); // metadata, 'alpha ', 'beta '
  const record = await started;
  const textDeltas = async () =>
    (await logEvents(shared.store, record.streamPath)).filter((e) => e.type === 'text-delta');
  for (let turn = 0; turn < 1_000 && (await textDeltas()).length < 2; turn += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  shared.expireLeases();
  // Bounded by the test's timeout: a takeover follows the next scan.
  while ((await shared.records.get(record.id))?.producerEpoch === record.producerEpoch) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // The held parts may flow now: the cut-off producer's writes are refused.
  gate.open();
  return record;
}

async function auditOf(nodes: Array<Awaited<ReturnType<typeof node>>>, id: string) {
  const records = await Promise.all(
    nodes.map((each) => each.governance.auditLog.list({ generationId: id })),
  );
  return records.flat();
}

describe('taking over a lost producer', () => {
  test('interrupt: the answer ends interrupted with what was delivered; the cut-off producer writes nothing more', async () => {
    const shared = sharedStores();
    const gate = new MockGate();
    const model = sharedModel(gate);
    const a = await node('node-a', shared, model, 'interrupt');
    const b = await node('node-b', shared, model, 'interrupt');
    const record = await startAndCut(shared, a.service, gate);

    const final = await b.service.finalized(record.id);
    await a.service.whenIdle();
    await b.service.whenIdle();
    // The cut-off node stopped its upstream call: it saw its lease lost (aborted) or its
    // next append refused (closed early).
    expect(['aborted', 'closed-early']).toContain(model.calls[0]?.outcome);
    expect(model.calls).toHaveLength(1);

    expect(final).toMatchObject({ status: 'interrupted', text: 'alpha beta ', finalized: true });
    const events = await logEvents(shared.store, record.streamPath);
    expect(events.map((event) => event.type)).toEqual([
      'response-start',
      'text-delta',
      'text-delta',
      'response-finish',
      'response-final',
    ]);
    expect(events[3]).toMatchObject({ finishReason: 'interrupted' });
    expect((await shared.store.head(record.streamPath))?.closed).toBe(true);
    const takeovers = (await auditOf([a, b], record.id)).filter(
      (entry) => entry.type === 'producer-taken-over',
    );
    expect(takeovers).toHaveLength(1);
    expect(takeovers[0]?.payload).toMatchObject({
      action: 'interrupted',
      deliveredCharacters: 11,
    });
  });

  test('continue: the model is asked for the rest after a seam, under the remaining token cap', async () => {
    const shared = sharedStores();
    const gate = new MockGate();
    const model = sharedModel(gate);
    const a = await node('node-a', shared, model, 'continue');
    const b = await node('node-b', shared, model, 'continue');
    const record = await startAndCut(shared, a.service, gate);

    const final = await b.service.finalized(record.id);
    await a.service.whenIdle();
    await b.service.whenIdle();

    expect(['aborted', 'closed-early']).toContain(model.calls[0]?.outcome);
    expect(model.calls).toHaveLength(2);
    // The delivered text is the assistant prefix (its trailing space trimmed for Anthropic),
    // so the continuation's leading space is dropped and the seam shows no doubled space.
    const call = model.calls[1];
    expect(call?.options.messages.at(-1)).toEqual({ role: 'assistant', content: 'alpha beta' });
    expect(call?.options.maxTokens).toBe(48);
    expect(final).toMatchObject({
      status: 'finished',
      text: 'alpha beta gamma delta',
      finishReason: 'stop',
    });
    const events = await logEvents(shared.store, record.streamPath);
    expect(events.map((event) => event.type)).toEqual([
      'response-start',
      'text-delta',
      'text-delta',
      'response-seam',
      'text-delta',
      'text-delta',
      'response-finish',
      'response-final',
    ]);
    expect(events[3]).toEqual({
      type: 'response-seam',
      from: 'mock',
      to: 'mock',
      reason: 'SLUICE_ERR_PRODUCER_LOST',
      afterCharacters: 11,
    });
    expect(events.at(-1)).toMatchObject({ type: 'response-final', verdict: 'approved' });
    const takeovers = (await auditOf([a, b], record.id)).filter(
      (entry) => entry.type === 'producer-taken-over',
    );
    expect(takeovers.map((entry) => entry.payload)).toMatchObject([{ action: 'continued' }]);
  });

  test('a producer whose log was fenced by a newer epoch cannot append to it', async () => {
    const store = new MemoryStreamStore();
    disposables.push(store);
    await store.create('generations/fenced', { contentType: 'application/json' });
    const old = new CoalescingAppender(store, 'generations/fenced', {
      producer: { id: PRODUCER_ID, epoch: 1 },
    });
    old.push(Buffer.from('{"type":"text-delta","delta":"a"}'));
    await old.flush();
    await fenceLog(store, 'generations/fenced', { id: PRODUCER_ID, epoch: 2 });
    old.push(Buffer.from('{"type":"text-delta","delta":"b"}'));
    await expect(old.flush()).rejects.toThrow(/epoch is stale/);
    expect(old.fenced).toBe(true);
    await expect(old.appendLast([], true)).rejects.toThrow(/epoch is stale/);
    const next = new CoalescingAppender(store, 'generations/fenced', {
      producer: { id: PRODUCER_ID, epoch: 2, firstSeq: 1 },
    });
    next.push(Buffer.from('{"type":"text-delta","delta":"c"}'));
    await next.appendLast([], true);
    const batch = await store.read('generations/fenced', { offset: '-1' });
    expect(batch.messages.map((message) => Buffer.from(message.data).toString())).toEqual([
      '{"type":"text-delta","delta":"a"}',
      '{"type":"text-delta","delta":"c"}',
    ]);
    expect(batch.closed).toBe(true);
  });
});
