/**
 * Governance end to end, through a real gateway and a local OpenAI-compatible upstream:
 * redaction before the log, blocking, validated finals and retractions, the review
 * queue with held streams, versioned policies, audit verification, export and deletion.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type FakeOpenAiUpstream,
  startFakeOpenAiUpstream,
} from '../helpers/fake-openai-upstream.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { readSse, terminalOf, textOf } from '../helpers/sse-client.ts';

let upstream: FakeOpenAiUpstream;
let server: RunningGateway;

beforeAll(async () => {
  upstream = await startFakeOpenAiUpstream({ tokens: ['hello'] });
  server = await startGateway({
    config: {
      models: [
        { name: 'guarded', provider: 'openai-compatible', baseUrl: upstream.baseUrl },
        { name: 'strict', provider: 'openai-compatible', baseUrl: upstream.baseUrl },
      ],
    },
  });
});
afterAll(async () => {
  await server.close();
  await upstream.close();
});

const url = (path: string) => `${server.baseUrl}${path}`;

function json(method: string, path: string, body?: unknown) {
  return fetch(url(path), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function generate(model: string, tokens: string[], extra: Record<string, unknown> = {}) {
  upstream.options.tokens = tokens;
  const response = await fetch(url('/v1/generations'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'go' }], ...extra }),
  });
  const id = response.headers.get('sluice-generation-id') ?? '';
  return { id, response };
}

async function publish(name: string, document: unknown) {
  return json('POST', `/v1/policies/${name}/versions`, document);
}

describe('in-flight redaction', () => {
  const planted = {
    email: 'jane.doe@example.com',
    card: '4111 1111 1111 1111',
    key: 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD',
  };

  test('planted values never reach the log, the record, the audit trail or the OpenAI stream', async () => {
    const text = `Mail ${planted.email} now, card ${planted.card}, key ${planted.key} done.`;
    // Split inside every value, as a model might.
    const tokens = text.match(/.{1,3}/gs) ?? [];
    const { id, response } = await generate('guarded', tokens, { sessionId: 'session-redact' });
    const events = await readSse(response);
    const streamed = textOf(events);
    expect(streamed).toContain('[EMAIL]');
    expect(streamed).toContain('[CARD]');
    expect(streamed).toContain('[SECRET]');

    const everything = [
      JSON.stringify(events),
      await (await fetch(url(`/v1/stream/generations/${id}?offset=-1`))).text(),
      await (await fetch(url(`/v1/generations/${id}`))).text(),
      await (await fetch(url(`/v1/audit/records?generationId=${id}`))).text(),
      await (await fetch(url('/v1/sessions/session-redact/export'))).text(),
    ].join('\n');
    for (const value of Object.values(planted)) expect(everything).not.toContain(value);

    const { records } = (await (
      await fetch(url(`/v1/audit/records?generationId=${id}`))
    ).json()) as {
      records: Array<{ type: string; payload: { kind?: string; count?: number } }>;
    };
    const redactions = records.filter((record) => record.type === 'redaction-applied');
    expect(redactions.map((record) => record.payload.kind).sort()).toEqual([
      'card',
      'email',
      'secret',
    ]);

    const final = JSON.parse(
      events.find((event) => event.event === 'response-final')?.data ?? '{}',
    );
    expect(final).toMatchObject({
      verdict: 'approved',
      policyVersion: 'default@0',
      model: 'guarded',
    });
  });
});

describe('policies, blocking and validation', () => {
  test('a bad policy is rejected with its path and the active version stays', async () => {
    const good = await publish('strict-policy', { validators: {} });
    expect(good.status).toBe(201);
    expect(await good.json()).toMatchObject({ label: 'strict-policy@1' });

    const bad = await publish('strict-policy', {
      guardrails: {
        redaction: { customPatterns: [{ name: 'x', pattern: '(a)\\1', replacement: 'label' }] },
      },
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('SLUICE_ERR_POLICY_INVALID');
    expect(body.error.message).toContain('guardrails.redaction.customPatterns.0.pattern');

    const badSchema = await publish('strict-policy', {
      validators: { jsonSchema: { schema: { type: 'nonsense' }, onFail: 'reject' } },
    });
    expect(badSchema.status).toBe(400);
    expect(((await badSchema.json()) as { error: { message: string } }).error.message).toContain(
      'validators.jsonSchema',
    );

    const versions = (await (await fetch(url('/v1/policies/strict-policy'))).json()) as {
      versions: Array<{ version: number; active: boolean }>;
    };
    expect(versions.versions).toEqual([expect.objectContaining({ version: 1, active: true })]);
  });

  test('blocking terms stop the generation with content-filter and close the upstream', async () => {
    expect(
      (
        await publish('blocking', {
          guardrails: { blocking: { terms: [{ name: 'codeword', terms: ['pineapple'] }] } },
        })
      ).status,
    ).toBe(201);
    expect(
      (await json('PUT', '/v1/policy-bindings', { model: 'strict', policy: 'blocking' })).status,
    ).toBe(200);

    upstream.options.intervalMs = 5;
    const tokens = [
      'The ',
      'secret ',
      'is ',
      'pine',
      'apple ',
      ...Array.from({ length: 200 }, () => 'more '),
    ];
    const { id, response } = await generate('strict', tokens);
    const events = await readSse(response);
    upstream.options.intervalMs = 0;
    const block = events.find((event) => event.event === 'guardrail-block');
    expect(JSON.parse(block?.data ?? '{}')).toEqual({
      type: 'guardrail-block',
      rule: 'codeword',
      kind: 'term',
    });
    expect(terminalOf(events).data).toMatchObject({ finishReason: 'content-filter' });
    expect(textOf(events)).not.toContain('pine');
    const upstreamRequest = upstream.requests.at(-1);
    await upstreamRequest?.closed;
    expect(upstreamRequest?.firstChunkAt).toBeDefined();
    const view = (await (await fetch(url(`/v1/generations/${id}`))).json()) as {
      policyVersion: string;
    };
    expect(view.policyVersion).toBe('blocking@1');
    await json('DELETE', '/v1/policy-bindings', { model: 'strict' });
  });

  test('a rejected answer is retracted after it streamed', async () => {
    await publish('no-refunds', {
      validators: {
        forbiddenPatterns: [{ name: 'refund-promise', pattern: 'full refund', onFail: 'reject' }],
      },
    });
    await json('PUT', '/v1/policy-bindings', { model: 'strict', policy: 'no-refunds' });
    const { response } = await generate('strict', ['You ', 'get ', 'a ', 'full ', 'refund.']);
    const events = await readSse(response);
    const types = events.map((event) => event.event);
    expect(types.slice(-3)).toEqual(['response-finish', 'response-retract', 'response-final']);
    const final = JSON.parse(events.at(-1)?.data ?? '{}');
    expect(final.verdict).toBe('rejected');
    expect(final.checks).toContainEqual(
      expect.objectContaining({ name: 'forbidden-pattern:refund-promise', passed: false }),
    );
    expect(final.contentSha256).toMatch(/^[0-9a-f]{64}$/);
    await json('DELETE', '/v1/policy-bindings', { model: 'strict' });
  });

  test('rollback switches the active version atomically', async () => {
    await publish('rolling', { description: 'one' });
    await publish('rolling', { description: 'two' });
    const rolled = await json('POST', '/v1/policies/rolling/rollback', { version: 1 });
    expect(rolled.status).toBe(200);
    const versions = (await (await fetch(url('/v1/policies/rolling'))).json()) as {
      versions: Array<{ version: number; active: boolean }>;
    };
    expect(versions.versions.find((version) => version.active)?.version).toBe(1);
    expect((await json('POST', '/v1/policies/rolling/rollback', { version: 1 })).status).toBe(409);
    expect((await json('POST', '/v1/policies/rolling/rollback', { version: 9 })).status).toBe(404);
    expect((await json('POST', '/v1/policies/rolling/rollback', { version: 'x' })).status).toBe(
      400,
    );
  });
});

describe('human review', () => {
  test('a flagged answer waits in the queue; the decision reaches the held stream', async () => {
    await publish('review-me', {
      validators: { length: { maxChars: 5, onFail: 'flag' } },
    });
    await json('PUT', '/v1/policy-bindings', { model: 'strict', policy: 'review-me' });
    const { id, response } = await generate('strict', ['This ', 'answer ', 'is ', 'long.']);
    const firstPart = await readSse(response, {
      until: (event) => event.event === 'response-final',
    });
    const final = JSON.parse(firstPart.at(-1)?.data ?? '{}');
    expect(final.verdict).toBe('flagged');

    const view = (await (await fetch(url(`/v1/generations/${id}`))).json()) as {
      reviewItemId: string;
    };
    const queue = (await (await fetch(url('/v1/reviews?status=pending'))).json()) as {
      items: Array<{ id: string; generationId: string }>;
    };
    const item = queue.items.find((entry) => entry.generationId === id);
    expect(item?.id).toBe(view.reviewItemId);

    // A client waiting on the held stream learns the outcome live.
    const waiting = readSse(
      await fetch(url(`/v1/generations/${id}/events?offset=${firstPart.at(-1)?.id}`)),
    );
    const decided = await json('POST', `/v1/reviews/${item?.id}/decision`, {
      decision: 'rejected',
      reviewer: 'ana',
      note: 'too long',
    });
    expect(decided.status).toBe(200);
    expect(await decided.json()).toMatchObject({ status: 'rejected', deliveredToStream: true });
    const after = await waiting;
    expect(after.map((event) => event.event)).toEqual(['review-decision', 'response-retract']);
    expect(JSON.parse(after[0]?.data ?? '{}')).toEqual({
      type: 'review-decision',
      decision: 'rejected',
      reviewer: 'ana',
      note: 'too long',
    });

    const again = await json('POST', `/v1/reviews/${item?.id}/decision`, {
      decision: 'approved',
      reviewer: 'bob',
    });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe(
      'SLUICE_ERR_REVIEW_ALREADY_DECIDED',
    );
    const unknown = await json('POST', '/v1/reviews/nope/decision', {
      decision: 'approved',
      reviewer: 'bob',
    });
    expect(unknown.status).toBe(404);
    await json('DELETE', '/v1/policy-bindings', { model: 'strict' });
  });
});

describe('audit and data-subject controls', () => {
  test('export and delete a session; the chain still verifies', async () => {
    const first = await generate('guarded', ['one ', 'two'], {
      sessionId: 'session-7',
      endUserId: 'user-7',
    });
    await readSse(first.response);
    const second = await generate('guarded', ['three'], { sessionId: 'session-7' });
    await readSse(second.response);

    const exported = (await (await fetch(url('/v1/sessions/session-7/export'))).json()) as {
      generations: Array<{ id: string; text: string }>;
      auditRecords: Array<{ type: string; generationId?: string }>;
    };
    expect(exported.generations.map((generation) => generation.id).sort()).toEqual(
      [first.id, second.id].sort(),
    );
    expect(exported.auditRecords.map((record) => record.type)).toEqual(
      expect.arrayContaining([
        'request-accepted',
        'generation-started',
        'reader-session',
        'final-verdict',
      ]),
    );
    const byUser = (await (await fetch(url('/v1/end-users/user-7/export'))).json()) as {
      generations: Array<{ id: string }>;
    };
    expect(byUser.generations.map((generation) => generation.id)).toEqual([first.id]);

    const deleted = await json('DELETE', '/v1/sessions/session-7');
    expect(deleted.status).toBe(200);
    expect(
      ((await deleted.json()) as { deletedGenerations: string[] }).deletedGenerations.sort(),
    ).toEqual([first.id, second.id].sort());
    expect((await fetch(url(`/v1/generations/${first.id}/events`))).status).toBe(404);
    expect(
      ((await (await fetch(url(`/v1/generations/${first.id}`))).json()) as { text: string }).text,
    ).toBe('');

    const verify = (await (await fetch(url('/v1/audit/verify'))).json()) as {
      ok: boolean;
      count: number;
    };
    expect(verify.ok).toBe(true);
    expect(verify.count).toBeGreaterThan(10);
  });
});

describe('structured output', () => {
  test('partial JSON is readable while it streams, then validated against the schema', async () => {
    await publish('structured', {
      validators: {
        jsonSchema: {
          schema: {
            type: 'object',
            properties: { name: { type: 'string' }, age: { type: 'integer' } },
            required: ['name', 'age'],
          },
          onFail: 'reject',
        },
      },
    });
    await json('PUT', '/v1/policy-bindings', { model: 'strict', policy: 'structured' });
    upstream.options.intervalMs = 20;
    const tokens = [
      '{"name": ',
      '"Ada", ',
      '"age": ',
      '36',
      ...Array.from({ length: 10 }, () => ' '),
      '}',
    ];
    const { id, response } = await generate('strict', tokens);
    const early = await readSse(response, { maxEvents: 3 });
    expect(early.length).toBe(3);
    let partial: { state: string; value: unknown } | undefined;
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const view = (await (await fetch(url(`/v1/generations/${id}`))).json()) as {
        status: string;
        structured?: { state: string; value: unknown };
      };
      if (
        view.structured?.state === 'partial' &&
        JSON.stringify(view.structured.value).includes('Ada')
      ) {
        partial = view.structured;
        break;
      }
      if (view.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    upstream.options.intervalMs = 0;
    expect(partial?.value).toMatchObject({ name: 'Ada' });
    const rest = await readSse(
      await fetch(url(`/v1/generations/${id}/events?offset=${early.at(-1)?.id}`)),
    );
    const final = JSON.parse(rest.find((event) => event.event === 'response-final')?.data ?? '{}');
    expect(final.verdict).toBe('approved');
    const view = (await (await fetch(url(`/v1/generations/${id}`))).json()) as {
      structured: { state: string; value: unknown };
    };
    expect(view.structured).toEqual({ state: 'complete', value: { name: 'Ada', age: 36 } });
    await json('DELETE', '/v1/policy-bindings', { model: 'strict' });
  });
});

describe('logs', () => {
  test('redacted values and upstream keys never appear in log lines', async () => {
    const lines: string[] = [];
    const logged = await startGateway({
      config: {
        models: [
          {
            name: 'keyed',
            provider: 'openai-compatible',
            baseUrl: upstream.baseUrl,
            apiKey: 'sk-upstream-secret-key-0123456789',
          },
        ],
      },
      logger: { level: 'trace', stream: { write: (line: string) => lines.push(line) } },
    });
    try {
      upstream.options.tokens = [
        'call ',
        '+1 415 555 0134 ',
        'or ',
        'mail ',
        'x.y@example.org ',
        'ok',
      ];
      const response = await fetch(`${logged.baseUrl}/v1/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ model: 'keyed', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const events = await readSse(response);
      expect(textOf(events)).toContain('[EMAIL]');
      await fetch(`${logged.baseUrl}/v1/nothing-here`);
    } finally {
      await logged.close();
    }
    const all = lines.join('');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of ['415 555 0134', 'x.y@example.org', 'sk-upstream-secret-key-0123456789']) {
      expect(all).not.toContain(secret);
    }
  });
});
