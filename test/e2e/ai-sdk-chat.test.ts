/**
 * The Vercel AI SDK's `useChat` protocol against a real gateway: the `ai` package's own
 * parser (`parseJsonEventStream` + `uiMessageChunkSchema`, `readUIMessageStream`) and its
 * `DefaultChatTransport` read Sluice's UI message stream; a resume replays the log so the
 * SDK rebuilds exactly the message a clean read did; stop cancels; bad bodies are 400s
 * naming the field; another tenant's chat is invisible.
 */
import {
  DefaultChatTransport,
  parseJsonEventStream,
  readUIMessageStream,
  type UIMessage,
  type UIMessageChunk,
  uiMessageChunkSchema,
} from 'ai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

let server: RunningGateway;
let chatCount = 0;

beforeAll(async () => {
  server = await startGateway({
    config: {
      models: [
        { name: 'simulator', provider: 'simulator' },
        { name: 'reviewed', provider: 'simulator' },
      ],
    },
  });
});
afterAll(async () => {
  await server?.close();
});

const fast = { ttftMs: 0, tokenIntervalMs: 0 };
const slow = { ttftMs: 0, tokenIntervalMs: 20 };

function newChatId(): string {
  chatCount += 1;
  return `chat-${process.pid}-${chatCount}`;
}

function userMessage(text: string, id = 'u1'): UIMessage {
  return { id, role: 'user', parts: [{ type: 'text', text }] };
}

function chatBody(chatId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: chatId,
    messages: [userMessage('Tell me something.')],
    trigger: 'submit-message',
    ...extra,
  };
}

function postChat(body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.baseUrl}/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...init,
  });
}

/** The SDK's own chunk parser over a response body; a chunk it rejects fails the read. */
function chunkStream(body: ReadableStream<Uint8Array>): ReadableStream<UIMessageChunk> {
  return parseJsonEventStream({ stream: body, schema: uiMessageChunkSchema }).pipeThrough(
    new TransformStream({
      transform(parsed, controller) {
        if (!parsed.success) throw parsed.error;
        controller.enqueue(parsed.value as UIMessageChunk);
      },
    }),
  );
}

async function readChunks(
  response: Response,
  onChunk?: (chunk: UIMessageChunk, count: number) => void,
): Promise<UIMessageChunk[]> {
  expect(response.status).toBe(200);
  expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const chunks: UIMessageChunk[] = [];
  const reader = chunkStream(response.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    onChunk?.(value, chunks.length);
  }
  return chunks;
}

/** The message `readUIMessageStream` rebuilds from the chunks (its last snapshot). */
async function rebuild(chunks: readonly UIMessageChunk[]): Promise<UIMessage> {
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream, terminateOnError: true })) {
    last = message;
  }
  if (last === undefined) throw new Error('no message was rebuilt');
  return last;
}

async function record(id: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.baseUrl}/v1/generations/${id}`);
  return (await response.json()) as Record<string, unknown>;
}

function resume(chatId: string): Promise<Response> {
  return fetch(`${server.baseUrl}/v1/chat/${chatId}/stream`);
}

function partOf(message: UIMessage, type: string): Record<string, unknown> | undefined {
  return message.parts.find((part) => part.type === type) as Record<string, unknown> | undefined;
}

describe('POST /v1/chat', () => {
  test('streams text and reasoning the SDK rebuilds, with the verdict as a data part', async () => {
    const chatId = newChatId();
    const response = await postChat(
      chatBody(chatId, { seed: 7, maxTokens: 12, simulator: { ...fast, reasoningTokens: 5 } }),
    );
    const generationId = response.headers.get('sluice-generation-id') ?? '';
    const chunks = await readChunks(response);
    const types = chunks.map((chunk) => chunk.type);
    expect(types[0]).toBe('start');
    expect(chunks[0]).toEqual({ type: 'start', messageId: generationId });
    expect(types[1]).toBe('start-step');
    expect(types.indexOf('reasoning-start')).toBeLessThan(types.indexOf('text-start'));
    expect(types.slice(-3)).toEqual(['finish-step', 'data-sluice-final', 'finish']);
    expect(chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'length' });

    const message = await rebuild(chunks);
    const view = await record(generationId);
    expect(message.id).toBe(generationId);
    expect(message.role).toBe('assistant');
    // Guardrails may release a held-back text token after the last reasoning token, so
    // the parts alternate as the log does; each kind joined is the record's.
    const partTypes = message.parts.map((part) => part.type);
    expect(partTypes[0]).toBe('step-start');
    expect(partTypes.at(-1)).toBe('data-sluice-final');
    expect(partTypes.filter((type) => type === 'step-start')).toHaveLength(1);
    const joined = (type: string) =>
      message.parts
        .filter((part) => part.type === type)
        .map((part) => {
          expect(part).toMatchObject({ state: 'done' });
          return (part as { text: string }).text;
        })
        .join('');
    expect(joined('text')).toBe(view.text);
    expect((view.text as string).length).toBeGreaterThan(0);
    expect(joined('reasoning')).toBe(view.reasoning);
    expect((view.reasoning as string).length).toBeGreaterThan(0);
    expect(partOf(message, 'data-sluice-final')).toMatchObject({
      id: 'final',
      data: { verdict: 'approved', model: 'simulator', policyVersion: expect.any(String) },
    });
    expect(view).toMatchObject({ status: 'finished' });
  });

  test('the raw stream ends with data: [DONE]', async () => {
    const response = await postChat(chatBody(newChatId(), { maxTokens: 3, simulator: fast }));
    const text = await response.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  test('a tool call becomes a tool part with its parsed input', async () => {
    const chatId = newChatId();
    const argumentsText = '{"city":"Paris","unit":"celsius"}';
    const response = await postChat(
      chatBody(chatId, {
        seed: 3,
        tools: [
          {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        ],
        simulator: {
          ...fast,
          reasoningTokens: 2,
          toolCall: { name: 'get_weather', arguments: argumentsText },
        },
      }),
    );
    const chunks = await readChunks(response);
    const types = chunks.map((chunk) => chunk.type);
    expect(types).toContain('tool-input-start');
    expect(types).toContain('tool-input-delta');
    expect(chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'tool-calls' });
    const message = await rebuild(chunks);
    const tool = partOf(message, 'tool-get_weather');
    expect(tool).toMatchObject({
      state: 'input-available',
      input: { city: 'Paris', unit: 'celsius' },
      toolCallId: expect.stringMatching(/^call_/),
    });
    expect(partOf(message, 'reasoning')).toMatchObject({ state: 'done' });
    expect(partOf(message, 'data-sluice-final')).toBeDefined();
  });

  test('a follow-up turn carries the earlier tool call and its result', async () => {
    const chatId = newChatId();
    const messages: UIMessage[] = [
      userMessage('Weather in Paris?'),
      {
        id: 'a1',
        role: 'assistant',
        parts: [
          { type: 'step-start' },
          { type: 'reasoning', text: 'I should call the tool.', state: 'done' },
          {
            type: 'tool-get_weather',
            toolCallId: 'call_1',
            state: 'output-available',
            input: { city: 'Paris' },
            output: { celsius: 21 },
          },
          { type: 'step-start' },
          { type: 'text', text: 'It is 21 °C.', state: 'done' },
          { type: 'data-sluice-final', id: 'final', data: { verdict: 'approved' } },
        ],
      },
      {
        id: 'u2',
        role: 'user',
        parts: [
          { type: 'text', text: 'And this picture?' },
          { type: 'file', mediaType: 'image/png', url: 'data:image/png;base64,iVBORw0KGgo=' },
        ],
      },
    ];
    const chunks = await readChunks(
      await postChat({
        id: chatId,
        messages,
        trigger: 'submit-message',
        maxTokens: 4,
        simulator: fast,
      }),
    );
    expect((await rebuild(chunks)).parts.some((part) => part.type === 'text')).toBe(true);
  });
});

describe('resume and stop', () => {
  test('a resume mid-stream rebuilds exactly the message of a clean read', async () => {
    const chatId = newChatId();
    const response = await postChat(chatBody(chatId, { seed: 11, maxTokens: 25, simulator: slow }));
    let resumed: Promise<UIMessageChunk[]> | undefined;
    const clean = await readChunks(response, (chunk, count) => {
      if (resumed === undefined && chunk.type === 'text-delta' && count > 5) {
        resumed = resume(chatId).then((answer) => readChunks(answer));
      }
    });
    expect(resumed).toBeDefined();
    const replayed = await (resumed as Promise<UIMessageChunk[]>);
    expect(replayed).toEqual(clean);
    expect(await rebuild(replayed)).toEqual(await rebuild(clean));
    // The log closed: nothing left to resume.
    expect((await resume(chatId)).status).toBe(204);
  });

  test('a client that went away resumes the generation, which kept running', async () => {
    const chatId = newChatId();
    const abort = new AbortController();
    const response = await postChat(chatBody(chatId, { seed: 5, maxTokens: 30, simulator: slow }), {
      signal: abort.signal,
    });
    const generationId = response.headers.get('sluice-generation-id') ?? '';
    const reader = chunkStream(response.body as ReadableStream<Uint8Array>).getReader();
    let deltas = 0;
    while (deltas < 3) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.type === 'text-delta') deltas += 1;
    }
    abort.abort();
    await reader.cancel().catch(() => {});
    const message = await rebuild(await readChunks(await resume(chatId)));
    const view = await record(generationId);
    expect(view.status).toBe('finished');
    expect(partOf(message, 'text')).toMatchObject({ text: view.text });
    expect(message.parts.filter((part) => part.type === 'text')).toHaveLength(1);
    expect(partOf(message, 'data-sluice-final')).toBeDefined();
  });

  test('after the end, a log held open for review resumes to the same message', async () => {
    const admin = (method: string, path: string, body: unknown) =>
      fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (
        await admin('POST', '/v1/policies/chat-review/versions', {
          validators: { length: { maxChars: 5, onFail: 'flag' } },
          review: { holdStreamUntilDecided: true },
        })
      ).status,
    ).toBe(201);
    expect(
      (await admin('PUT', '/v1/policy-bindings', { model: 'reviewed', policy: 'chat-review' }))
        .status,
    ).toBeLessThan(300);
    try {
      const chatId = newChatId();
      const response = await postChat(
        chatBody(chatId, { model: 'reviewed', maxTokens: 8, simulator: fast }),
      );
      const generationId = response.headers.get('sluice-generation-id') ?? '';
      let resumed: Promise<UIMessageChunk[]> | undefined;
      let decided: Promise<Response> | undefined;
      const clean = await readChunks(response, (chunk) => {
        if (chunk.type !== 'data-sluice-final') return;
        // Finished, verdict appended, the log still open: resume, then decide.
        decided = (async () => {
          const answer = await resume(chatId);
          const reading = readChunks(answer);
          resumed = reading;
          // The review item is filed on the record right after the verdict is appended.
          let view = await record(generationId);
          for (let tries = 0; view.reviewItemId === undefined && tries < 100; tries += 1) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            view = await record(generationId);
          }
          expect(view.status).toBe('finished');
          return admin('POST', `/v1/reviews/${view.reviewItemId as string}/decision`, {
            decision: 'rejected',
            reviewer: 'ana',
            note: 'too long',
          });
        })();
      });
      expect((await decided)?.status).toBe(200);
      const replayed = await (resumed as Promise<UIMessageChunk[]>);
      expect(replayed).toEqual(clean);
      const message = await rebuild(clean);
      expect(await rebuild(replayed)).toEqual(message);
      expect(partOf(message, 'data-sluice-final')).toMatchObject({ data: { verdict: 'flagged' } });
      expect(partOf(message, 'data-sluice-review')).toMatchObject({
        data: { decision: 'rejected', reviewer: 'ana' },
      });
      expect(partOf(message, 'data-sluice-retract')).toMatchObject({
        data: { reason: 'rejected by human review' },
      });
    } finally {
      await admin('DELETE', '/v1/policy-bindings', { model: 'reviewed' });
    }
  });

  test('204 when the chat has no active generation', async () => {
    expect((await resume(newChatId())).status).toBe(204);
  });

  test('stop cancels the active generation', async () => {
    const chatId = newChatId();
    const response = await postChat(chatBody(chatId, { maxTokens: 2000, simulator: slow }));
    const generationId = response.headers.get('sluice-generation-id') ?? '';
    let stopped: Promise<Response> | undefined;
    const chunks = await readChunks(response, (chunk, count) => {
      if (stopped === undefined && chunk.type === 'text-delta' && count > 4) {
        stopped = fetch(`${server.baseUrl}/v1/chat/${chatId}/stop`, { method: 'POST' });
      }
    });
    expect((await (stopped as Promise<Response>)).status).toBe(204);
    expect(chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'other' });
    expect((await record(generationId)).status).toBe('cancelled');
    // Stopping again is harmless.
    const again = await fetch(`${server.baseUrl}/v1/chat/${chatId}/stop`, { method: 'POST' });
    expect(again.status).toBe(204);
  });
});

describe('DefaultChatTransport', () => {
  test('sendMessages and reconnectToStream against the gateway', async () => {
    const transport = new DefaultChatTransport<UIMessage>({
      api: `${server.baseUrl}/v1/chat`,
      body: { seed: 9, maxTokens: 20, simulator: slow },
    });
    const chatId = newChatId();
    const stream = await transport.sendMessages({
      chatId,
      messages: [userMessage('Hello there')],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    });
    const reader = stream.getReader();
    const clean: UIMessageChunk[] = [];
    let reconnected: Promise<ReadableStream<UIMessageChunk> | null> | undefined;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      clean.push(value);
      if (reconnected === undefined && value.type === 'text-delta') {
        reconnected = transport.reconnectToStream({ chatId });
      }
    }
    const resumedStream = await reconnected;
    expect(resumedStream).not.toBeNull();
    const replayed: UIMessageChunk[] = [];
    for await (const chunk of resumedStream as unknown as AsyncIterable<UIMessageChunk>) {
      replayed.push(chunk);
    }
    expect(await rebuild(replayed)).toEqual(await rebuild(clean));
    expect(await transport.reconnectToStream({ chatId })).toBeNull();
  });
});

describe('bad input', () => {
  async function refusal(
    body: unknown,
  ): Promise<{ status: number; code: string; message: string }> {
    const response = await postChat(body);
    const json = (await response.json()) as { error: { code: string; message: string } };
    return { status: response.status, ...json.error };
  }

  test.each([
    ['no messages', { id: 'c1', trigger: 'submit-message' }, 'messages'],
    [
      'messages not UI messages',
      { id: 'c1', trigger: 'submit-message', messages: [{ role: 'user', content: 'hi' }] },
      'messages.0.',
    ],
    [
      'parts not an array',
      { id: 'c1', trigger: 'submit-message', messages: [{ id: 'u', role: 'user', parts: 'hi' }] },
      'messages.0.parts',
    ],
    [
      'an unknown part type',
      {
        id: 'c1',
        trigger: 'submit-message',
        messages: [{ id: 'u', role: 'user', parts: [{ type: 'video' }] }],
      },
      'messages.0.parts.0.type',
    ],
    [
      'a text part without text',
      {
        id: 'c1',
        trigger: 'submit-message',
        messages: [{ id: 'u', role: 'user', parts: [{ type: 'text' }] }],
      },
      'messages.0.parts.0.text',
    ],
    [
      'a document by URL',
      {
        id: 'c1',
        trigger: 'submit-message',
        messages: [
          {
            id: 'u',
            role: 'user',
            parts: [
              { type: 'file', mediaType: 'application/pdf', url: 'https://example.com/a.pdf' },
            ],
          },
        ],
      },
      'messages.0.parts.0.url',
    ],
    [
      'a tool part without a state',
      {
        id: 'c1',
        trigger: 'submit-message',
        messages: [{ id: 'a', role: 'assistant', parts: [{ type: 'tool-x', toolCallId: 'c' }] }],
      },
      'messages.0.parts.0.state',
    ],
    ['a bad trigger', { ...chatBody('c1'), trigger: 'send' }, 'trigger'],
    ['a bad chat id', { ...chatBody('c1'), id: 'has spaces' }, 'id'],
    ['an unknown field', { ...chatBody('c1'), temperatur: 1 }, 'temperatur'],
    [
      'no content for the model',
      {
        id: 'c1',
        trigger: 'submit-message',
        messages: [{ id: 'u', role: 'user', parts: [{ type: 'data-x', data: 1 }] }],
      },
      'messages',
    ],
  ])('%s: 400 naming the field', async (_label, body, field) => {
    const answer = await refusal(body);
    expect(answer.status).toBe(400);
    expect(answer.code).toBe('SLUICE_ERR_INVALID_REQUEST');
    expect(answer.message).toContain(field);
  });

  test('a body that is not JSON at all is a 400', async () => {
    const response = await fetch(`${server.baseUrl}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[1,2',
    });
    expect(response.status).toBe(400);
  });

  test('a malformed chat id in the path is a 400 naming it', async () => {
    const response = await fetch(`${server.baseUrl}/v1/chat/a%20b/stream`);
    expect(response.status).toBe(400);
    const json = (await response.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe('SLUICE_ERR_INVALID_REQUEST');
    expect(json.error.message).toContain('chatId');
  });

  test('stop takes no body, or an empty JSON object', async () => {
    const response = await fetch(`${server.baseUrl}/v1/chat/${newChatId()}/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(204);
  });

  test('an unknown model is the native 404', async () => {
    const answer = await refusal(chatBody('c1', { model: 'no-such-model' }));
    expect(answer).toMatchObject({ status: 404, code: 'SLUICE_ERR_MODEL_NOT_FOUND' });
  });
});

describe('tenancy', () => {
  let keyed: RunningGateway;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    keyed = await startGateway({
      config: { auth: { mode: 'keys' }, models: [{ name: 'simulator', enabled: true }] },
    });
    const apiKeys = keyed.gateway.context.governance.apiKeys;
    keys.alice = (
      await apiKeys.create({ tenant: 'acme', name: 'alice', scopes: ['generate', 'read'] })
    ).key;
    keys.bob = (
      await apiKeys.create({ tenant: 'globex', name: 'bob', scopes: ['generate', 'read'] })
    ).key;
    keys.reader = (await apiKeys.create({ tenant: 'acme', name: 'reader', scopes: ['read'] })).key;
  });
  afterAll(async () => {
    await keyed?.close();
  });

  const as = (key: string | undefined, path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (key !== undefined) headers.set('authorization', `Bearer ${key}`);
    return fetch(`${keyed.baseUrl}${path}`, { ...init, headers });
  };

  test('keys and scopes are required; another tenant cannot resume or stop the chat', async () => {
    const chatId = newChatId();
    const body = JSON.stringify(chatBody(chatId, { maxTokens: 2000, simulator: slow }));
    const post = (key: string | undefined) =>
      as(key, '/v1/chat', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    expect((await post(undefined)).status).toBe(401);
    expect((await post(keys.reader)).status).toBe(403);
    const response = await post(keys.alice);
    expect(response.status).toBe(200);
    const generationId = response.headers.get('sluice-generation-id') ?? '';
    const reader = chunkStream(response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();

    expect((await as(keys.bob, `/v1/chat/${chatId}/stream`)).status).toBe(204);
    expect((await as(keys.bob, `/v1/chat/${chatId}/stop`, { method: 'POST' })).status).toBe(204);
    const view = await as(keys.alice, `/v1/generations/${generationId}`);
    expect(((await view.json()) as { status: string }).status).toBe('running');

    expect((await as(keys.reader, `/v1/chat/${chatId}/stop`, { method: 'POST' })).status).toBe(403);
    const mine = await as(keys.reader, `/v1/chat/${chatId}/stream`);
    expect(mine.status).toBe(200);
    await mine.body?.cancel();
    expect((await as(keys.alice, `/v1/chat/${chatId}/stop`, { method: 'POST' })).status).toBe(204);
    await reader.cancel().catch(() => {});
    const after = await as(keys.alice, `/v1/generations/${generationId}`);
    expect(((await after.json()) as { status: string }).status).toBe('cancelled');
  });
});
