/**
 * What an OpenAI client's disconnect does, with the official `openai` SDK and an upstream
 * that holds its answer open after the first token. By default it cancels, as at OpenAI:
 * when several clients abort mid-stream, every upstream request's socket closes (the test
 * waits for those close events; the test timeout bounds them). With the header
 * `Sluice-On-Disconnect: continue`, the upstream keeps going and the generation finishes,
 * for the client to resume through `/v1/generations/{id}/events`.
 */
import OpenAI, { APIUserAbortError } from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type FakeOpenAiUpstream,
  type RecordedRequest,
  startFakeOpenAiUpstream,
} from '../helpers/fake-openai-upstream.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { readSse, terminalOf, textOf } from '../helpers/sse-client.ts';

// Each token ends on a word boundary, so redaction holds nothing back from the client.
const TOKENS = ['One ', 'two ', 'three ', 'four ', 'five.'];
/** Held answers, by the prompt that asked for them; released by the test. */
const releases = new Map<string, () => void>();

let upstream: FakeOpenAiUpstream;
let server: RunningGateway;
let client: OpenAI;
/**
 * The SDK's own connection pool, closed before the gateway: after the aborted streams the
 * pool keeps sockets it opened but never used, which would hold the gateway's close until
 * the pool's keep-alive timeout (4 s).
 */
const agent = new Agent();

beforeAll(async () => {
  upstream = await startFakeOpenAiUpstream({
    tokens: TOKENS,
    // Every answer stops after its first token; only a released one goes on.
    holdAfterFirstChunk: (body) => {
      const prompt = (body.messages as Array<{ content: string }>).at(-1)?.content ?? '';
      return new Promise((resolve) => releases.set(prompt, resolve));
    },
  });
  server = await startGateway({
    config: {
      models: [
        {
          name: 'held-gpt',
          provider: 'openai-compatible',
          baseUrl: upstream.baseUrl,
          apiKey: 'sk-test-upstream-key',
        },
      ],
    },
  });
  client = new OpenAI({
    baseURL: `${server.baseUrl}/v1`,
    apiKey: 'unused',
    maxRetries: 0,
    fetch: undiciFetch as unknown as typeof fetch,
    fetchOptions: { dispatcher: agent },
  });
});
afterAll(async () => {
  await agent.close();
  await server.close();
  await upstream.close();
});

/**
 * Streams a completion for `prompt`, aborts once the first content arrived, and returns
 * the generation id behind it.
 */
async function streamThenAbort(prompt: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const { data: stream, response } = await client.chat.completions
    .create(
      { model: 'held-gpt', messages: [{ role: 'user', content: prompt }], stream: true },
      { signal: controller.signal, headers },
    )
    .withResponse();
  const generationId = response.headers.get('sluice-generation-id') ?? '';
  let content = '';
  try {
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      if (content.length > 0) controller.abort();
    }
  } catch (error) {
    if (!(error instanceof APIUserAbortError)) throw error;
  }
  expect(content).toBe(TOKENS[0]);
  return generationId;
}

/** The upstream request that answers `prompt`, once it arrived. */
function upstreamRequestFor(prompt: string): RecordedRequest {
  const request = upstream.requests.find((recorded) =>
    JSON.stringify(recorded.body.messages).includes(prompt),
  );
  if (request === undefined) throw new Error(`no upstream request for ${prompt}`);
  return request;
}

/** The generation's whole log, read to its end (it ends when the generation does). */
async function logOf(generationId: string) {
  const response = await fetch(`${server.baseUrl}/v1/generations/${generationId}/events`);
  expect(response.status).toBe(200);
  return readSse(response);
}

describe('POST /v1/chat/completions when the client goes away', () => {
  test('by default, every upstream request is cancelled (its socket closes)', async () => {
    const prompts = ['cancel A', 'cancel B', 'cancel C'];
    const generationIds = await Promise.all(prompts.map((prompt) => streamThenAbort(prompt)));
    await Promise.all(prompts.map((prompt) => upstreamRequestFor(prompt).closed));
    for (const generationId of generationIds) {
      const log = await logOf(generationId);
      expect(terminalOf(log).data).toMatchObject({ finishReason: 'cancelled' });
      expect(textOf(log)).toBe(TOKENS[0]);
    }
  });

  test('with Sluice-On-Disconnect: continue the upstream keeps going and the generation finishes', async () => {
    // Aborted first, so the gateway has handled this disconnect by the time it has handled
    // the later one, whose upstream socket closing the test can wait for.
    const resumable = await streamThenAbort('resume me', { 'Sluice-On-Disconnect': 'Continue' });
    await streamThenAbort('cancel me');
    await upstreamRequestFor('cancel me').closed;

    releases.get('resume me')?.();
    const log = await logOf(resumable);
    expect(terminalOf(log).data).toMatchObject({ finishReason: 'stop' });
    expect(textOf(log)).toBe(TOKENS.join(''));
    const view = (await (await fetch(`${server.baseUrl}/v1/generations/${resumable}`)).json()) as {
      status: string;
      text: string;
    };
    expect(view).toMatchObject({ status: 'finished', text: TOKENS.join('') });
  });

  test('a non-streaming client that goes away cancels its upstream too', async () => {
    const controller = new AbortController();
    const pending = client.chat.completions.create(
      { model: 'held-gpt', messages: [{ role: 'user', content: 'cancel whole' }] },
      { signal: controller.signal },
    );
    // The upstream has sent its first token and holds the rest.
    while (
      !upstream.requests.some((recorded) => JSON.stringify(recorded.body).includes('cancel whole'))
    )
      await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);
    await upstreamRequestFor('cancel whole').closed;
  });

  test('any other Sluice-On-Disconnect value is a 400 naming the header', async () => {
    const refused = client.chat.completions.create(
      { model: 'held-gpt', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { headers: { 'Sluice-On-Disconnect': 'resume' } },
    );
    await expect(refused).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(refused).rejects.toMatchObject({
      status: 400,
      error: {
        code: 'SLUICE_ERR_INVALID_REQUEST',
        message: expect.stringContaining('Sluice-On-Disconnect'),
      },
    });
  });
});
