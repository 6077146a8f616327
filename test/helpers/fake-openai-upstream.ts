/**
 * A local OpenAI-compatible upstream for end-to-end tests: streams Chat Completions
 * chunks per the documented wire format (content, `reasoning_content`, tool calls with
 * id, type and name in a call's first chunk and argument fragments after), records
 * requests, and tells when a request's socket closed (to prove cancel reaches the
 * upstream). Failure modes are chosen per request through the `x-fake-mode` header or the
 * upstream's `mode` setting; what to answer, per request through `turn`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeMode = 'ok' | 'status-500' | 'mid-stream-error' | 'malformed' | 'truncated';

export interface FakeToolCall {
  id: string;
  name: string;
  /** The JSON arguments string, in the fragments the upstream streams. */
  argumentFragments: string[];
}

/** One answer: reasoning first, then text, then tool calls (finish `tool_calls` if any). */
export interface FakeTurn {
  reasoning?: string[];
  tokens?: string[];
  toolCalls?: FakeToolCall[];
  /** The usage chunk's object (sent when the request asks for usage); a default otherwise. */
  usage?: Record<string, unknown>;
}

export interface FakeOpenAiUpstreamOptions {
  tokens: string[];
  /** Delay between chunks; 0 writes them all at once. */
  intervalMs?: number;
  mode?: FakeMode;
  /** Chooses the answer from the request body; without it the answer is `tokens`. */
  turn?: (body: Record<string, unknown>) => FakeTurn;
  /**
   * Holds an answer after its first chunk with content until the returned promise settles
   * (one that never settles holds it until the client goes away); undefined: no hold.
   */
  holdAfterFirstChunk?: (body: Record<string, unknown>) => Promise<void> | undefined;
}

export interface RecordedRequest {
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** Resolves with performance.now() when the request's socket closed. */
  closed: Promise<number>;
  /** performance.now() when the first chunk was written. */
  firstChunkAt?: number;
}

export interface FakeOpenAiUpstream {
  baseUrl: string;
  requests: RecordedRequest[];
  options: FakeOpenAiUpstreamOptions;
  close(): Promise<void>;
}

function chunk(content: string | null, finishReason: string | null, extra: object = {}) {
  return deltaChunk(content === null ? {} : { content }, finishReason, extra);
}

function deltaChunk(delta: object, finishReason: string | null, extra: object = {}) {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-upstream',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
    ...extra,
  })}\n\n`;
}

export async function startFakeOpenAiUpstream(
  options: FakeOpenAiUpstreamOptions,
): Promise<FakeOpenAiUpstream> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const closed = new Promise<number>((resolve) => {
        response.once('close', () => resolve(performance.now()));
      });
      const recorded: RecordedRequest = {
        headers: request.headers,
        body: JSON.parse(Buffer.concat(parts).toString('utf8')),
        closed,
      };
      requests.push(recorded);
      const mode = (request.headers['x-fake-mode'] as FakeMode | undefined) ?? options.mode ?? 'ok';
      void respond(recorded, response, mode);
    });
  });

  async function respond(recorded: RecordedRequest, response: ServerResponse, mode: FakeMode) {
    if (mode === 'status-500') {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ error: { message: 'upstream exploded', type: 'server_error' } }),
      );
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    let open = true;
    response.once('close', () => {
      open = false;
    });
    const interval = options.intervalMs ?? 0;
    // Tests change the tokens between requests; each request keeps the ones it started with.
    const turn = options.turn?.(recorded.body) ?? { tokens: options.tokens };
    const tokens = turn.tokens ?? [];
    const toolCalls = turn.toolCalls ?? [];
    const frames: string[] = [chunk('', null, {})];
    for (const reasoning of turn.reasoning ?? []) {
      frames.push(deltaChunk({ reasoning_content: reasoning }, null));
    }
    tokens.forEach((token, index) => {
      if (mode === 'mid-stream-error' && index === 2) {
        frames.push(
          `data: ${JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } })}\n\n`,
        );
      } else if (mode === 'malformed' && index === 2) {
        frames.push('data: {"choices": [ not json\n\n');
      }
      frames.push(chunk(token, null));
    });
    toolCalls.forEach((call, index) => {
      frames.push(
        deltaChunk(
          {
            tool_calls: [
              {
                index,
                id: call.id,
                type: 'function',
                function: { name: call.name, arguments: '' },
              },
            ],
          },
          null,
        ),
      );
      for (const fragment of call.argumentFragments) {
        frames.push(
          deltaChunk({ tool_calls: [{ index, function: { arguments: fragment } }] }, null),
        );
      }
    });
    frames.push(chunk(null, toolCalls.length > 0 ? 'tool_calls' : 'stop'));
    if (recorded.body.stream_options) {
      frames.push(
        `data: ${JSON.stringify({
          id: 'chatcmpl-fake',
          object: 'chat.completion.chunk',
          created: 1,
          model: 'gpt-upstream',
          choices: [],
          usage: turn.usage ?? {
            prompt_tokens: 7,
            completion_tokens: tokens.length,
            total_tokens: 7 + tokens.length,
          },
        })}\n\n`,
      );
    }
    frames.push('data: [DONE]\n\n');
    const cut = mode === 'truncated' ? 3 : frames.length;
    const hold = options.holdAfterFirstChunk?.(recorded.body);
    for (const [index, frame] of frames.slice(0, cut).entries()) {
      if (!open) return;
      if (index === 1) recorded.firstChunkAt = performance.now();
      response.write(frame);
      if (index === 1 && hold !== undefined) await hold;
      if (interval > 0) await new Promise((resolve) => setTimeout(resolve, interval));
    }
    if (mode === 'truncated') response.destroy();
    else response.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    options,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
