/**
 * Tool calls and reasoning through the native API, end to end: events relayed as they
 * arrive, the record, resume in the middle of a call's arguments, cancel mid-call, the
 * finalizer's argument checks, redaction of reasoning, and the three tool-argument modes.
 */
import type { EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type FixtureServer,
  startFixtureServer,
} from '../../packages/gateway/src/providers/testing/fixture-server.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { fragments, openAiSseBody } from '../helpers/openai-sse-body.ts';
import { readSse, terminalOf } from '../helpers/sse-client.ts';

let server: RunningGateway;
let upstream: FixtureServer;
let upstreamBody = '';

beforeAll(async () => {
  upstream = await startFixtureServer(() => ({ body: upstreamBody, chunkSeed: 5 }));
  const model = (name: string) => ({
    name,
    provider: 'openai-compatible',
    baseUrl: upstream.baseUrl,
  });
  server = await startGateway({
    config: { models: [model('upstream'), model('upstream-redact'), model('upstream-block')] },
  });
  const publish = async (name: string, document: unknown) => {
    const response = await json('POST', `/v1/policies/${name}/versions`, document);
    expect(response.status).toBe(201);
  };
  await publish('arguments-redacted', { guardrails: { toolArguments: 'redact' } });
  await publish('arguments-blocked', { guardrails: { toolArguments: 'block' } });
  await json('PUT', '/v1/policy-bindings', {
    model: 'upstream-redact',
    policy: 'arguments-redacted',
  });
  await json('PUT', '/v1/policy-bindings', {
    model: 'upstream-block',
    policy: 'arguments-blocked',
  });
});
afterAll(async () => {
  await server.close();
  await upstream.close();
});

const url = (path: string) => `${server.baseUrl}${path}`;

function json(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return fetch(url(path), {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer' }, note: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
};
const prompt = [{ role: 'user', content: 'Weather in Paris?' }];
const longArguments = JSON.stringify({ city: 'Paris', days: 3, note: 'x'.repeat(120) });

function stream(body: Record<string, unknown>) {
  return json('POST', '/v1/generations', body, { accept: 'text/event-stream' });
}

const dataOf = <T>(event: EventSourceMessage) => JSON.parse(event.data) as T;
const ofType = (events: readonly EventSourceMessage[], type: string) =>
  events.filter((event) => event.event === type);

function argumentsOf(events: readonly EventSourceMessage[]): string {
  return ofType(events, 'tool-call-delta')
    .map((event) => dataOf<{ argumentsDelta: string }>(event).argumentsDelta)
    .join('');
}

async function record(id: string): Promise<Record<string, unknown>> {
  return (await (await fetch(url(`/v1/generations/${id}`))).json()) as Record<string, unknown>;
}

async function finalOf(id: string) {
  const events = await readSse(await fetch(url(`/v1/generations/${id}/events?offset=-1`)));
  return dataOf<{ verdict: string; checks: Array<{ name: string; passed: boolean }> }>(
    ofType(events, 'response-final')[0] as EventSourceMessage,
  );
}

describe('tool calls on the native API', () => {
  test('streams start, argument fragments and end; the record and verdict show the call', async () => {
    const response = await stream({
      model: 'simulator',
      messages: prompt,
      tools: [weatherTool],
      toolChoice: 'auto',
      simulator: {
        toolCall: { name: 'get_weather', arguments: longArguments },
        tokenIntervalMs: 0,
      },
    });
    expect(response.status).toBe(200);
    const id = response.headers.get('sluice-generation-id') ?? '';
    const events = await readSse(response);
    const deltas = ofType(events, 'tool-call-delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(argumentsOf(events)).toBe(longArguments);
    const [start] = ofType(events, 'tool-call-start');
    const [end] = ofType(events, 'tool-call-end');
    expect(dataOf(start as EventSourceMessage)).toMatchObject({
      index: 0,
      toolName: 'get_weather',
    });
    expect(dataOf(end as EventSourceMessage)).toMatchObject({
      index: 0,
      toolName: 'get_weather',
      arguments: longArguments,
    });
    expect(terminalOf(events).data).toMatchObject({ finishReason: 'tool-calls' });
    const final = dataOf<{ verdict: string; checks: unknown[] }>(
      ofType(events, 'response-final')[0] as EventSourceMessage,
    );
    expect(final.verdict).toBe('approved');
    expect(final.checks).toContainEqual({ name: 'tool-arguments:get_weather', passed: true });

    const view = await record(id);
    expect(view.finishReason).toBe('tool-calls');
    expect(view.toolCalls).toEqual([
      {
        toolCallId: dataOf<{ toolCallId: string }>(start as EventSourceMessage).toolCallId,
        toolName: 'get_weather',
        arguments: longArguments,
      },
    ]);
  });

  test('arguments that do not match the declared schema make the verdict flagged', async () => {
    const response = await stream({
      model: 'simulator',
      messages: prompt,
      tools: [weatherTool],
      simulator: { toolCall: { name: 'get_weather', arguments: '{"town":"Paris"}' } },
    });
    // A flagged answer's log stays open for a reviewer's decision: stop at the verdict.
    const events = await readSse(response, { until: (event) => event.event === 'response-final' });
    const final = dataOf<{ verdict: string; checks: Array<{ name: string; passed: boolean }> }>(
      ofType(events, 'response-final')[0] as EventSourceMessage,
    );
    expect(final.verdict).toBe('flagged');
    expect(final.checks).toContainEqual(
      expect.objectContaining({ name: 'tool-arguments:get_weather', passed: false }),
    );
  });

  test('a resume in the middle of the arguments assembles exactly the same arguments', async () => {
    const response = await stream({
      model: 'simulator',
      messages: prompt,
      tools: [weatherTool],
      simulator: {
        toolCall: { name: 'get_weather', arguments: longArguments },
        tokenIntervalMs: 2,
      },
    });
    const id = response.headers.get('sluice-generation-id') ?? '';
    let seen = 0;
    const before = await readSse(response, {
      until: (event) => event.event === 'tool-call-delta' && ++seen === 3,
    });
    const lastId = before.at(-1)?.id ?? '';
    const after = await readSse(
      await fetch(url(`/v1/generations/${id}/events`), { headers: { 'last-event-id': lastId } }),
    );
    expect(argumentsOf(before) + argumentsOf(after)).toBe(longArguments);
    expect(ofType([...before, ...after], 'tool-call-start')).toHaveLength(1);
    expect(
      dataOf<{ arguments: string }>(ofType(after, 'tool-call-end')[0] as EventSourceMessage),
    ).toMatchObject({ arguments: longArguments });
  });

  test('cancel in the middle of a tool call ends it cancelled, without a tool-call-end', async () => {
    const response = await stream({
      model: 'simulator',
      messages: prompt,
      tools: [weatherTool],
      simulator: {
        toolCall: { name: 'get_weather', arguments: longArguments },
        tokenIntervalMs: 60_000,
      },
    });
    const id = response.headers.get('sluice-generation-id') ?? '';
    const before = await readSse(response, { until: (event) => event.event === 'tool-call-delta' });
    expect(ofType(before, 'tool-call-delta')).toHaveLength(1);
    expect((await json('POST', `/v1/generations/${id}/cancel`)).status).toBe(200);
    const events = await readSse(await fetch(url(`/v1/generations/${id}/events?offset=-1`)));
    expect(terminalOf(events).data).toMatchObject({ finishReason: 'cancelled' });
    expect(ofType(events, 'tool-call-end')).toHaveLength(0);
    const view = await record(id);
    expect(view.status).toBe('cancelled');
    expect(view.toolCalls).toBeUndefined();
  });
});

describe('reasoning', () => {
  test('is relayed as reasoning-delta events and redacted however it was split', async () => {
    const thought = 'The user is ada.lovelace@example.com, so I will greet Ada.';
    upstreamBody = openAiSseBody([
      ...fragments(thought, 3).map((reasoning) => ({ reasoning })),
      { content: 'Hello Ada!' },
    ]);
    const response = await stream({ model: 'upstream', messages: prompt });
    const id = response.headers.get('sluice-generation-id') ?? '';
    const events = await readSse(response);
    const reasoning = ofType(events, 'reasoning-delta')
      .map((event) => dataOf<{ delta: string }>(event).delta)
      .join('');
    expect(reasoning).toBe('The user is [EMAIL], so I will greet Ada.');
    const view = await record(id);
    expect(view.reasoning).toBe(reasoning);
    expect(view.text).toBe('Hello Ada!');
    expect(JSON.stringify(events) + JSON.stringify(view)).not.toContain('ada.lovelace@');
  });
});

describe('tool-argument policy modes', () => {
  const secretArguments = JSON.stringify({ to: 'grace.hopper@example.com', subject: 'Hi' });
  const mailTool = {
    name: 'send_mail',
    parameters: {
      type: 'object',
      properties: { to: { type: 'string' }, subject: { type: 'string' } },
    },
  };
  const toolCallBody = () =>
    openAiSseBody(
      [
        { toolCall: { index: 0, id: 'call_mail', name: 'send_mail', arguments: '' } },
        ...fragments(secretArguments, 4).map((piece) => ({
          toolCall: { index: 0, arguments: piece },
        })),
      ],
      'tool_calls',
    );

  async function run(model: string) {
    upstreamBody = toolCallBody();
    const response = await stream({ model, messages: prompt, tools: [mailTool] });
    const id = response.headers.get('sluice-generation-id') ?? '';
    const events = await readSse(response);
    const audit = (await (await fetch(url(`/v1/audit/records?generationId=${id}`))).json()) as {
      records: Array<{ type: string; payload: Record<string, unknown> }>;
    };
    return { id, events, audit: audit.records };
  }

  test('pass (default) relays the real values and still audits the detection', async () => {
    const { events, audit } = await run('upstream');
    expect(argumentsOf(events)).toBe(secretArguments);
    expect(audit).toContainEqual(
      expect.objectContaining({
        type: 'redaction-applied',
        payload: { kind: 'email', count: 1, scope: 'tool-arguments', action: 'detected' },
      }),
    );
    const verdict = audit.find((entry) => entry.type === 'final-verdict');
    expect(verdict?.payload.toolCalls).toEqual([
      { toolCallId: 'call_mail', toolName: 'send_mail' },
    ]);
    expect(JSON.stringify(audit)).not.toContain('grace.hopper');
  });

  test('redact replaces the value and keeps the arguments valid JSON', async () => {
    const { id, events } = await run('upstream-redact');
    const released = argumentsOf(events);
    expect(JSON.parse(released)).toEqual({ to: '[EMAIL]', subject: 'Hi' });
    expect((await record(id)).toolCalls).toEqual([
      { toolCallId: 'call_mail', toolName: 'send_mail', arguments: released },
    ]);
    expect((await finalOf(id)).verdict).toBe('approved');
  });

  test('block stops the generation before the value is released', async () => {
    const { events } = await run('upstream-block');
    expect(argumentsOf(events)).not.toContain('grace.hopper');
    expect(ofType(events, 'guardrail-block')).toHaveLength(1);
    expect(terminalOf(events).data).toMatchObject({ finishReason: 'content-filter' });
  });
});

describe('bad tool input', () => {
  test.each([
    ['a tool without a name', { tools: [{ parameters: { type: 'object' } }] }, 'tools.0.name'],
    [
      'a schema that is not an object schema',
      { tools: [{ name: 'f', parameters: { type: 'string' } }] },
      'tools.0.parameters.type',
    ],
    [
      'duplicate tool names',
      { tools: [weatherTool, weatherTool] },
      'tools.1.name: duplicate tool name',
    ],
    [
      'a tool message without toolCallId',
      { messages: [...prompt, { role: 'tool', content: 'sunny' }] },
      'messages.1.toolCallId',
    ],
    [
      'an image with neither url nor data',
      { messages: [{ role: 'user', content: [{ type: 'image' }] }] },
      'messages.0.content.0',
    ],
    [
      'a data URL that is not base64',
      { messages: [{ role: 'user', content: [{ type: 'image', url: 'data:image/png,abc' }] }] },
      'messages.0.content.0.url',
    ],
    [
      'a responseFormat schema that does not compile',
      { responseFormat: { type: 'json_schema', name: 'out', schema: { type: 'nope' } } },
      'responseFormat.schema',
    ],
  ])('%s is a 400 naming the path', async (_case, overrides, path) => {
    const response = await json('POST', '/v1/generations', {
      model: 'simulator',
      messages: prompt,
      ...overrides,
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('SLUICE_ERR_INVALID_REQUEST');
    expect(body.error.message).toContain(path);
  });

  test('an upstream that streams arguments for an unknown call ends with an error event', async () => {
    upstreamBody = openAiSseBody(
      [{ content: 'Sure.' }, { toolCall: { index: 3, arguments: '{"a":1}' } }],
      'tool_calls',
    );
    const response = await stream({ model: 'upstream', messages: prompt });
    const events = await readSse(response);
    expect(terminalOf(events).data).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE' });
    // Before any token, the same failure is still an HTTP error naming the code.
    upstreamBody = openAiSseBody([{ toolCall: { index: 3, arguments: '{"a":1}' } }], 'tool_calls');
    const early = await stream({ model: 'upstream', messages: prompt });
    expect(early.status).toBe(502);
    expect(((await early.json()) as { error: { code: string } }).error.code).toBe(
      'SLUICE_ERR_UPSTREAM_BAD_RESPONSE',
    );
    const health = await fetch(url('/healthz'));
    expect(health.status).toBe(200);
  });
});
