/**
 * Adversarial output and oversized policies cannot stall the event loop (issue 10, part 6),
 * through a real gateway and a local OpenAI-compatible upstream: each attack of the
 * security review is replayed, and the gateway's own `sluice_event_loop_lag_seconds`
 * (max since the previous scrape) must stay under 100 ms while the outcome is a clear one —
 * a refusal with a stable code, or a finalizer check that fails with a reason.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type FakeTurn, startFakeOpenAiUpstream } from '../helpers/fake-openai-upstream.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { readSse, terminalOf, textOf } from '../helpers/sse-client.ts';

let upstream: Awaited<ReturnType<typeof startFakeOpenAiUpstream>>;
let server: RunningGateway;
/** What the upstream answers next. */
let nextTurn: FakeTurn = { tokens: ['hello'] };

beforeAll(async () => {
  // A frame every millisecond, as a model streams: the attacks are in what is streamed,
  // not in how many frames arrive at once.
  upstream = await startFakeOpenAiUpstream({ tokens: [], intervalMs: 1, turn: () => nextTurn });
  server = await startGateway({
    config: {
      models: ['structured', 'unique', 'tools', 'terms'].map((name) => ({
        name,
        provider: 'openai-compatible',
        baseUrl: upstream.baseUrl,
      })),
    },
  });
});
afterAll(async () => {
  await server.close();
  await upstream.close();
});

const url = (path: string) => `${server.baseUrl}${path}`;

function send(method: string, path: string, body: unknown) {
  return fetch(url(path), {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function publishAndBind(model: string, policy: string, document: unknown) {
  expect((await send('POST', `/v1/policies/${policy}/versions`, document)).status).toBe(201);
  expect((await send('PUT', '/v1/policy-bindings', { model, policy })).status).toBe(200);
}

/**
 * Guardrails that let a long run of `-` through: the email detector would hold it back
 * (it may be an address's local part) until the holdback cap stops the generation.
 */
const LETS_DASHES_THROUGH = { redaction: { detectors: { email: { enabled: false } } } };

/** Runs a generation to its end; returns its events. */
async function generate(model: string, turn: FakeTurn, extra: Record<string, unknown> = {}) {
  nextTurn = turn;
  const response = await fetch(url('/v1/generations'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'go' }], ...extra }),
  });
  expect(response.status).toBe(200);
  const id = response.headers.get('sluice-generation-id') ?? '';
  return { id, events: await readSse(response) };
}

function finalOf(events: Awaited<ReturnType<typeof generate>>['events']) {
  const final = events.find((event) => event.event === 'response-final');
  return JSON.parse(final?.data ?? '{}') as {
    checks: Array<{ name: string; passed: boolean; detail?: string }>;
  };
}

/** The gateway's event-loop lag metric: the longest delay since the previous scrape. */
async function scrapeMaxLagMs(): Promise<number> {
  const text = await (await fetch(url('/metrics'))).text();
  const match = /^sluice_event_loop_lag_seconds\{quantile="max"\} (\S+)$/m.exec(text);
  if (!match) throw new Error('no sluice_event_loop_lag_seconds{quantile="max"} in /metrics');
  return Number(match[1]) * 1_000;
}

/** The longest event-loop delay while `attack` ran, as the gateway's metric saw it. */
async function maxLagDuring(attack: () => Promise<void>): Promise<number> {
  await scrapeMaxLagMs(); // resets the window
  await attack();
  await new Promise((resolve) => setTimeout(resolve, 60)); // a sample after the last turn
  return scrapeMaxLagMs();
}

/** `text` in pieces of `size`, as an upstream streams it. */
function pieces(text: string, size: number): string[] {
  const result: string[] = [];
  for (let start = 0; start < text.length; start += size)
    result.push(text.slice(start, start + size));
  return result;
}

describe('adversarial model output', () => {
  test('100,000 "-" as structured output: a clear failure, no stall', async () => {
    // The attack: the record view re-read the unfinished number `-----…1` with a regular
    // expression that backtracks quadratically (38 s for this answer).
    await publishAndBind('structured', 'structured', {
      guardrails: LETS_DASHES_THROUGH,
      validators: { jsonSchema: { schema: { type: 'object' }, onFail: 'reject' } },
    });
    await generate('structured', { tokens: ['{"a"', ': 1}'] }); // warm, as in a running gateway
    let result: Awaited<ReturnType<typeof generate>> | undefined;
    let view: { structured?: { state: string } } = {};
    const lag = await maxLagDuring(async () => {
      result = await generate('structured', { tokens: pieces(`[${'-'.repeat(100_000)}1`, 100) });
      // The record view parses the structured output so far, from the start, on every read.
      view = await (await fetch(url(`/v1/generations/${result.id}`))).json();
    });
    const events = result?.events ?? [];
    expect(textOf(events)).toBe(`[${'-'.repeat(100_000)}1`);
    expect(view.structured?.state).toBe('invalid');
    expect(finalOf(events).checks).toContainEqual({
      name: 'json-schema',
      passed: false,
      detail: 'output is not valid JSON',
    });
    expect(lag).toBeLessThan(100);
  });

  test('100,000 "-" as tool-call arguments: a clear failure, no stall', async () => {
    // Detectors off: in `pass` mode they scan the complete arguments in one go when the
    // call ends (25-80 ms per 100 KB), a cost of the guardrails this test does not measure.
    const detectors = ['email', 'phone', 'card', 'iban', 'ssn', 'ip', 'secret'];
    await publishAndBind('tools', 'tools', {
      guardrails: {
        redaction: {
          detectors: Object.fromEntries(detectors.map((kind) => [kind, { enabled: false }])),
        },
      },
      validators: { toolCalls: { onFail: 'reject' } },
    });
    const tools = [{ name: 'lookup', parameters: { type: 'object' } }];
    // Warm the tool-call path (a first call loads and compiles code), as in a running gateway.
    const small = { id: 'call_0', name: 'lookup', argumentFragments: ['{}'] };
    await generate('tools', { toolCalls: [small] }, { tools });
    let events: Awaited<ReturnType<typeof generate>>['events'] = [];
    const lag = await maxLagDuring(async () => {
      ({ events } = await generate(
        'tools',
        {
          toolCalls: [
            { id: 'call_1', name: 'lookup', argumentFragments: pieces('-'.repeat(100_000), 100) },
          ],
        },
        { tools },
      ));
    });
    expect(terminalOf(events).data).toMatchObject({ finishReason: 'tool-calls' });
    expect(finalOf(events).checks).toContainEqual({
      name: 'tool-arguments:lookup',
      passed: false,
      detail: 'call 0: arguments are not valid JSON',
    });
    expect(lag).toBeLessThan(100);
  });

  test('uniqueItems over a 20,000-item array: the check fails at its budget, no stall', async () => {
    await publishAndBind('unique', 'unique', {
      validators: {
        jsonSchema: { schema: { type: 'array', uniqueItems: true }, onFail: 'reject' },
      },
    });
    const answer = JSON.stringify(Array.from({ length: 20_000 }, (_, index) => ({ id: index })));
    await generate('unique', { tokens: ['[{"id": 1}]'] }); // warm, as in a running gateway
    let events: Awaited<ReturnType<typeof generate>>['events'] = [];
    const lag = await maxLagDuring(async () => {
      ({ events } = await generate('unique', { tokens: pieces(answer, 200) }));
    });
    expect(finalOf(events).checks).toContainEqual({
      name: 'json-schema',
      passed: false,
      detail:
        'output too costly to validate: the schema check needed more steps than this gateway allows',
    });
    expect(lag).toBeLessThan(100);
  });
});

describe('oversized policies', () => {
  async function refusal(document: unknown) {
    const response = await send('POST', '/v1/policies/oversized/versions', document);
    return {
      status: response.status,
      body: (await response.json()) as { error: { code: string; message: string } },
    };
  }

  test('ten 2,000-character patterns are refused with a stable code, no stall', async () => {
    const patterns = Array.from({ length: 10 }, (_, index) => ({
      name: `p${index}`,
      pattern: `${'(?:\\w|\\s).{0,100}'.repeat(111)}${index}`,
    }));
    let result: Awaited<ReturnType<typeof refusal>> | undefined;
    const lag = await maxLagDuring(async () => {
      result = await refusal({ guardrails: { blocking: { patterns } } });
    });
    expect(result?.status).toBe(413);
    expect(result?.body.error.code).toBe('SLUICE_ERR_POLICY_TOO_LARGE');
    expect(result?.body.error.message).toContain(
      'guardrails.blocking.patterns.0.pattern: limit maxPatternInstructions exceeded',
    );
    expect(lag).toBeLessThan(100);
  });

  test('a 9,000-term list is refused with a stable code, no stall', async () => {
    const terms = Array.from({ length: 9_000 }, (_, index) => `term${index}word`);
    let result: Awaited<ReturnType<typeof refusal>> | undefined;
    const lag = await maxLagDuring(async () => {
      result = await refusal({ guardrails: { blocking: { terms: [{ name: 'list', terms }] } } });
    });
    expect(result?.status).toBe(413);
    expect(result?.body.error.code).toBe('SLUICE_ERR_POLICY_TOO_LARGE');
    expect(result?.body.error.message).toContain(
      'guardrails.blocking.terms.0.terms: limit maxTermInstructions exceeded',
    );
    expect(lag).toBeLessThan(100);
  });

  test('a term list within the limits compiles on publish; its first generation does not stall', async () => {
    const terms = Array.from({ length: 1_500 }, (_, index) => `code${index.toString(36)}x`);
    let events: Awaited<ReturnType<typeof generate>>['events'] = [];
    const lag = await maxLagDuring(async () => {
      await publishAndBind('terms', 'terms', {
        guardrails: { blocking: { terms: [{ name: 'codewords', terms }] } },
      });
      ({ events } = await generate('terms', {
        tokens: ['The ', 'word ', 'is ', 'CODE', 'zzx ', 'ok'],
      }));
    });
    expect(events.find((event) => event.event === 'guardrail-block')?.data).toBe(
      JSON.stringify({ type: 'guardrail-block', rule: 'codewords', kind: 'term' }),
    );
    expect(terminalOf(events).data).toMatchObject({ finishReason: 'content-filter' });
    expect(lag).toBeLessThan(100);
  });
});
