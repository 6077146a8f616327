/**
 * A local Anthropic Messages API for end-to-end tests: records each request (headers and
 * body) and answers with the documented streaming events — `message_start`, a `thinking`
 * block (thinking and signature deltas), a `text` block, `tool_use` blocks with
 * `input_json_delta` fragments, `ping`, `message_delta` with the stop reason and output
 * usage, `message_stop`. What to answer is chosen per request from its body.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeToolCall } from './fake-openai-upstream.ts';

/** One answer: thinking first, then text, then tool uses (stop reason `tool_use` if any). */
export interface FakeAnthropicTurn {
  thinking?: string[];
  tokens?: string[];
  toolCalls?: FakeToolCall[];
  inputTokens?: number;
  outputTokens?: number;
}

export interface RecordedAnthropicRequest {
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface FakeAnthropicUpstream {
  /** The API root with its version segment, as a model's `baseUrl`. */
  baseUrl: string;
  requests: RecordedAnthropicRequest[];
  close(): Promise<void>;
}

const event = (type: string, data: object) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

function answer(turn: FakeAnthropicTurn): string {
  let body = event('message_start', {
    message: {
      id: 'msg_fake01',
      type: 'message',
      role: 'assistant',
      content: [],
      model: 'claude-upstream',
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: turn.inputTokens ?? 11,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 1,
      },
    },
  });
  let index = 0;
  const block = (start: object, deltas: object[]) => {
    body += event('content_block_start', { index, content_block: start });
    for (const delta of deltas) body += event('content_block_delta', { index, delta });
    body += event('content_block_stop', { index });
    index += 1;
  };
  if (turn.thinking) {
    block({ type: 'thinking', thinking: '', signature: '' }, [
      ...turn.thinking.map((thinking) => ({ type: 'thinking_delta', thinking })),
      { type: 'signature_delta', signature: 'c2lnbmF0dXJl' },
    ]);
  }
  if (turn.tokens) {
    block(
      { type: 'text', text: '' },
      turn.tokens.map((text) => ({ type: 'text_delta', text })),
    );
  }
  body += event('ping', {});
  for (const call of turn.toolCalls ?? []) {
    block({ type: 'tool_use', id: call.id, name: call.name, input: {} }, [
      { type: 'input_json_delta', partial_json: '' },
      ...call.argumentFragments.map((partial_json) => ({ type: 'input_json_delta', partial_json })),
    ]);
  }
  body += event('message_delta', {
    delta: { stop_reason: turn.toolCalls?.length ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: turn.outputTokens ?? 9 },
  });
  return body + event('message_stop', {});
}

export async function startFakeAnthropicUpstream(
  turn: (body: Record<string, unknown>) => FakeAnthropicTurn,
): Promise<FakeAnthropicUpstream> {
  const requests: RecordedAnthropicRequest[] = [];
  const server = createServer(async (request, response) => {
    let text = '';
    for await (const part of request) text += part;
    const body = JSON.parse(text) as Record<string, unknown>;
    requests.push({ headers: request.headers, body });
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(answer(turn(body)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
