/**
 * Input guardrails through a real gateway and a recording upstream: a policy's
 * `guardrails.input` redacts prompts before they leave (the upstream sees `[EMAIL]`, the
 * audit counts, nobody stores the value) or refuses the request without calling anyone.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type FakeOpenAiUpstream,
  startFakeOpenAiUpstream,
} from '../helpers/fake-openai-upstream.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

let upstream: FakeOpenAiUpstream;
let server: RunningGateway;

beforeAll(async () => {
  upstream = await startFakeOpenAiUpstream({ tokens: ['Sure', '.'], intervalMs: 1 });
  server = await startGateway({
    config: {
      models: [
        { name: 'screened', provider: 'openai-compatible', baseUrl: upstream.baseUrl },
        { name: 'guarded', provider: 'openai-compatible', baseUrl: upstream.baseUrl },
        { name: 'plain', provider: 'openai-compatible', baseUrl: upstream.baseUrl },
      ],
    },
  });
  const call = (method: string, path: string, body: unknown) =>
    fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  for (const [name, input] of [
    ['screen-email', { redact: ['email'] }],
    ['block-secrets', { block: ['secret'] }],
  ] as const) {
    expect(
      (await call('POST', `/v1/policies/${name}/versions`, { guardrails: { input } })).status,
    ).toBe(201);
  }
  await call('PUT', '/v1/policy-bindings', { model: 'screened', policy: 'screen-email' });
  await call('PUT', '/v1/policy-bindings', { model: 'guarded', policy: 'block-secrets' });
});

afterAll(async () => {
  await server.close();
  await upstream.close();
});

function generate(model: string, content: string) {
  return fetch(`${server.baseUrl}/v1/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }], delivery: 'final' }),
  });
}

describe('input guardrails', () => {
  test('redact: the upstream sees the redacted prompt and the audit counts, never the value', async () => {
    const before = upstream.requests.length;
    const response = await generate('screened', 'Write to grace.hopper@example.com today.');
    expect(response.status).toBe(200);
    const { id } = (await response.json()) as { id: string };
    const sent = JSON.stringify(upstream.requests[before]?.body.messages);
    expect(sent).toContain('Write to [EMAIL] today.');
    expect(sent).not.toContain('grace.hopper');

    const audit = await (
      await fetch(`${server.baseUrl}/v1/audit/records?generationId=${id}`)
    ).text();
    expect(audit).not.toContain('grace.hopper');
    const { records } = JSON.parse(audit) as {
      records: Array<{ type: string; payload: { inputRedactions?: Record<string, number> } }>;
    };
    const accepted = records.find((record) => record.type === 'request-accepted');
    expect(accepted?.payload.inputRedactions).toEqual({ email: 1 });
  });

  test('block: a matching prompt is a 400 naming the detector, and no upstream call is made', async () => {
    const before = upstream.requests.length;
    const secret = `sk-${'a1B2c3D4e5'.repeat(4)}`;
    const response = await generate('guarded', `My key is ${secret}, keep it safe.`);
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'SLUICE_ERR_INPUT_BLOCKED' } });
    expect(body).toContain("'secret'");
    expect(body).not.toContain(secret);
    expect(upstream.requests.length).toBe(before);
    // A clean prompt under the same policy still goes through.
    expect((await generate('guarded', 'Nothing secret here.')).status).toBe(200);
  });

  test('off by default: a model under the default policy sends the prompt as it came', async () => {
    const before = upstream.requests.length;
    const response = await generate('plain', 'Write to grace.hopper@example.com today.');
    expect(response.status).toBe(200);
    expect(JSON.stringify(upstream.requests[before]?.body.messages)).toContain(
      'grace.hopper@example.com',
    );
  });
});
