/**
 * A fast local OpenAI-compatible upstream for benchmarks, run as its own process:
 * `POST /v1/chat/completions` streams `chat.completion.chunk` frames with a set time to
 * first token and inter-token interval. A request that declares `tools` (and does not
 * set `tool_choice: 'none'`) is answered with tool calls whose arguments stream in as
 * many fragments as a text answer has tokens (`tool-call-frames.ts`); any other request
 * gets text. Built so it is never the bottleneck: frames are pre-encoded Buffers, each
 * stream holds one timer at a time, and the schedule is kept against absolute times so a
 * late tick does not stretch the whole answer.
 *
 * Usage: node bench/fast-upstream.ts [--port 0] [--ttft-ms 20] [--token-interval-ms 10]
 *        [--tokens 100]
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { exitWithParent, sendToParent } from './child-messages.ts';
import { createToolCallAnswerFrames, toolCallMessage } from './tool-call-frames.ts';
import { createUpstreamFrames } from './upstream-frames.ts';

export interface FastUpstreamSettings {
  ttftMs: number;
  tokenIntervalMs: number;
  tokens: number;
}

const MODEL = 'bench-model';
const PROMPT_TOKENS = 12;
const frames = createUpstreamFrames(MODEL);
const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
};

/** The frames of one streamed answer: what opens it, one per token, and its finish chunk. */
interface AnswerFrames {
  opening: Buffer;
  token(index: number): Buffer;
  finish: Buffer;
}

const textAnswer: AnswerFrames = {
  opening: frames.role,
  token: frames.content,
  finish: frames.finish,
};
/** Tool-call answers depend on their length (where the second call starts): one per length. */
const toolCallAnswers = new Map<number, AnswerFrames>();

function toolCallAnswer(tokens: number): AnswerFrames {
  let answer = toolCallAnswers.get(tokens);
  if (answer === undefined) {
    answer = createToolCallAnswerFrames(MODEL, tokens);
    toolCallAnswers.set(tokens, answer);
  }
  return answer;
}

/** finish + optional usage + [DONE] for a given answer, built once per kind and length. */
const endings = new Map<string, Buffer>();

function endingFor(answer: AnswerFrames, tokens: number, includeUsage: boolean): Buffer {
  const key = `${answer === textAnswer ? 'text' : 'tool-calls'}:${tokens}:${includeUsage}`;
  let ending = endings.get(key);
  if (ending === undefined) {
    const parts = [answer.finish];
    if (includeUsage) parts.push(frames.usage(PROMPT_TOKENS, tokens));
    parts.push(frames.done);
    ending = Buffer.concat(parts);
    endings.set(key, ending);
  }
  return ending;
}

interface ChatRequestBody {
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  tools?: unknown[] | null;
  tool_choice?: unknown;
}

/** A model offered tools may call them; the bench's always does, unless told not to. */
function callsTools(body: ChatRequestBody): boolean {
  return Array.isArray(body.tools) && body.tools.length > 0 && body.tool_choice !== 'none';
}

function streamAnswer(
  response: ServerResponse,
  settings: FastUpstreamSettings,
  answer: AnswerFrames,
  tokens: number,
  includeUsage: boolean,
): void {
  response.writeHead(200, SSE_HEADERS);
  response.write(answer.opening);
  const startedAt = performance.now();
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    timer = undefined;
    if (sent < tokens) {
      response.write(answer.token(sent));
      sent += 1;
    }
    if (sent >= tokens) {
      response.end(endingFor(answer, tokens, includeUsage));
      return;
    }
    const dueAt = startedAt + settings.ttftMs + sent * settings.tokenIntervalMs;
    timer = setTimeout(tick, Math.max(0, dueAt - performance.now()));
  };
  response.once('close', () => {
    if (timer !== undefined) clearTimeout(timer);
  });
  if (tokens === 0) response.end(endingFor(answer, 0, includeUsage));
  else timer = setTimeout(tick, settings.ttftMs);
}

function answerWhole(response: ServerResponse, tokens: number, toolCalls: boolean): void {
  const body = JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: MODEL,
    choices: [
      toolCalls && tokens > 0
        ? { index: 0, message: toolCallMessage(tokens), finish_reason: 'tool_calls' }
        : {
            index: 0,
            message: { role: 'assistant', content: frames.text(tokens) },
            finish_reason: 'stop',
          },
    ],
    usage: {
      prompt_tokens: PROMPT_TOKENS,
      completion_tokens: tokens,
      total_tokens: PROMPT_TOKENS + tokens,
    },
  });
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(body);
}

function handle(
  request: IncomingMessage,
  response: ServerResponse,
  settings: FastUpstreamSettings,
): void {
  if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
    return;
  }
  const parts: Buffer[] = [];
  request.on('data', (part: Buffer) => parts.push(part));
  request.on('end', () => {
    let body: ChatRequestBody;
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8')) as ChatRequestBody;
    } catch {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{"error":{"message":"malformed JSON","type":"invalid_request_error"}}');
      return;
    }
    const requested = body.max_completion_tokens ?? body.max_tokens ?? settings.tokens;
    const tokens = Math.min(requested, settings.tokens);
    const toolCalls = callsTools(body);
    if (body.stream === true) {
      const answer = toolCalls ? toolCallAnswer(tokens) : textAnswer;
      streamAnswer(response, settings, answer, tokens, body.stream_options?.include_usage === true);
    } else {
      answerWhole(response, tokens, toolCalls);
    }
  });
}

export function startFastUpstream(settings: FastUpstreamSettings, port: number) {
  const server = createServer({ keepAliveTimeout: 120_000 }, (request, response) =>
    handle(request, response, settings),
  );
  // Load tests hold thousands of sockets open; Node's defaults would close idle ones early.
  server.headersTimeout = 60_000;
  server.requestTimeout = 0;
  return new Promise<typeof server>((resolve) =>
    server.listen(port, '127.0.0.1', () => resolve(server)),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'ttft-ms': { type: 'string', default: '20' },
      'token-interval-ms': { type: 'string', default: '10' },
      tokens: { type: 'string', default: '100' },
    },
    strict: true,
  });
  const settings: FastUpstreamSettings = {
    ttftMs: Number(values['ttft-ms']),
    tokenIntervalMs: Number(values['token-interval-ms']),
    tokens: Number(values.tokens),
  };
  const server = await startFastUpstream(settings, Number(values.port));
  const { port } = server.address() as AddressInfo;
  exitWithParent(() => server.closeAllConnections());
  if (process.send) await sendToParent({ type: 'ready', port });
  else process.stdout.write(`fast upstream on http://127.0.0.1:${port}/v1\n`);
}

if (import.meta.main) await main();
