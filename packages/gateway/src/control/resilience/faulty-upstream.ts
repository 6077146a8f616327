/**
 * A faulty local upstream for resilience tests: a loopback `node:http` server that speaks the
 * OpenAI Chat Completions or the Anthropic Messages streaming format and misbehaves on cue.
 * Each request takes the next scripted behaviour (then `otherwise`): answer, answer with an
 * error status, send some tokens and drop the connection, or send some tokens and go silent.
 * It records every request body and when its socket closed, so tests wait on events.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDeferred, type Deferred } from '../../providers/shared/deferred.ts';

export type FaultyBehaviour =
  | { kind: 'answer'; tokens: readonly string[] }
  | { kind: 'status'; status: number }
  | { kind: 'drop-after'; tokens: readonly string[] }
  | { kind: 'stall-after'; tokens: readonly string[] };

export type WireFormat = 'openai' | 'anthropic';

export interface FaultyRequest {
  body: { messages?: Array<{ role: string; content: string }>; [key: string]: unknown };
  behaviour: FaultyBehaviour;
  /** The client's port: equal for two requests means one reused keep-alive socket. */
  remotePort: number | undefined;
  /** Resolves when the request's socket closed. */
  closed: Promise<void>;
}

export interface FaultyUpstream {
  /** API root including `/v1`, as both providers expect. */
  baseUrl: string;
  requests: FaultyRequest[];
  /** Queues behaviours for the next requests. */
  script(...behaviours: FaultyBehaviour[]): void;
  /** What requests get once the script is used up. */
  otherwise: FaultyBehaviour;
  /** Resolves once `count` requests have arrived. */
  whenRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultyUpstream(
  format: WireFormat,
  otherwise: FaultyBehaviour = { kind: 'answer', tokens: ['ok'] },
): Promise<FaultyUpstream> {
  const queue: FaultyBehaviour[] = [];
  const requests: FaultyRequest[] = [];
  const waiters: Array<{ count: number; deferred: Deferred<void> }> = [];
  const upstream: FaultyUpstream = {
    baseUrl: '',
    requests,
    otherwise,
    script: (...behaviours) => queue.push(...behaviours),
    whenRequests(count) {
      if (requests.length >= count) return Promise.resolve();
      const deferred = createDeferred();
      waiters.push({ count, deferred });
      return deferred.promise;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer(async (incoming, response) => {
    const closed = createDeferred();
    incoming.socket.once('close', () => closed.resolve());
    let text = '';
    for await (const chunk of incoming) text += chunk;
    const behaviour = queue.shift() ?? upstream.otherwise;
    requests.push({
      body: JSON.parse(text),
      behaviour,
      remotePort: incoming.socket.remotePort,
      closed: closed.promise,
    });
    for (const waiter of waiters.filter((candidate) => requests.length >= candidate.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.deferred.resolve();
    }
    respond(response, format, behaviour);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return upstream;
}

function respond(response: ServerResponse, format: WireFormat, behaviour: FaultyBehaviour): void {
  if (behaviour.kind === 'status') {
    response.writeHead(behaviour.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { type: 'server_error', message: 'scripted failure' } }));
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  const frames =
    format === 'openai' ? openAIFrames(behaviour.tokens) : anthropicFrames(behaviour.tokens);
  const head = frames.start + frames.tokens.join('');
  if (behaviour.kind === 'answer') response.end(head + frames.end);
  // Destroying only once the tokens are flushed, so the client sees them before the drop.
  else if (behaviour.kind === 'drop-after') response.write(head, () => response.socket?.destroy());
  // `stall-after` keeps the response open until the client goes away.
  else response.write(head);
}

interface Frames {
  start: string;
  tokens: string[];
  end: string;
}

function data(value: unknown, event?: string): string {
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(value)}\n\n`;
}

function openAIFrames(tokens: readonly string[]): Frames {
  const chunk = (delta: object, finishReason: string | null, extra: object = {}) =>
    data({
      id: 'chatcmpl-faulty',
      object: 'chat.completion.chunk',
      model: 'faulty',
      choices: [{ index: 0, delta, finish_reason: finishReason }],
      ...extra,
    });
  return {
    start: chunk({ role: 'assistant', content: '' }, null),
    tokens: tokens.map((token) => chunk({ content: token }, null)),
    end:
      chunk({}, 'stop') +
      data({
        id: 'chatcmpl-faulty',
        object: 'chat.completion.chunk',
        model: 'faulty',
        choices: [],
        usage: { prompt_tokens: 7, completion_tokens: tokens.length },
      }) +
      'data: [DONE]\n\n',
  };
}

function anthropicFrames(tokens: readonly string[]): Frames {
  return {
    start:
      data(
        {
          type: 'message_start',
          message: { id: 'msg_faulty', model: 'faulty', usage: { input_tokens: 7 } },
        },
        'message_start',
      ) +
      data(
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        'content_block_start',
      ),
    tokens: tokens.map((token) =>
      data(
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: token } },
        'content_block_delta',
      ),
    ),
    end:
      data({ type: 'content_block_stop', index: 0 }, 'content_block_stop') +
      data(
        {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn' },
          usage: { output_tokens: tokens.length },
        },
        'message_delta',
      ) +
      data({ type: 'message_stop' }, 'message_stop'),
  };
}
