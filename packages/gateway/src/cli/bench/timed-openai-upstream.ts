/**
 * A local OpenAI-compatible upstream with known timings, for testing `sluice bench`: the
 * n-th request to arrive gets its first token `timeToFirstTokenMs[n]` (cycling) after it
 * arrived and every further token `intervalMs` after the previous one was written. Each
 * delay is its own timer, so a late timer can only lengthen a gap, never shorten the next:
 * every measured figure errs on the long side only.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TimedUpstreamOptions {
  /** Time to first token per request, by arrival order, cycling. */
  timeToFirstTokenMs: number[];
  intervalMs: number;
  tokens: number;
  /** Answer with a usage chunk when the request asks for one (default true). */
  reportUsage?: boolean;
}

export interface TimedUpstream {
  baseUrl: string;
  /** Request bodies and headers in arrival order. */
  requests: Array<{ headers: Record<string, unknown>; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

function frame(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

function chunk(delta: object, finishReason: string | null): string {
  return frame({
    id: 'chatcmpl-timed',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'timed',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
}

export async function startTimedOpenAiUpstream(
  options: TimedUpstreamOptions,
): Promise<TimedUpstream> {
  const requests: TimedUpstream['requests'] = [];
  const timers = new Set<NodeJS.Timeout>();

  const after = (delayMs: number, write: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      write();
    }, delayMs);
    timers.add(timer);
  };

  const respond = (
    response: ServerResponse,
    arrivalIndex: number,
    body: Record<string, unknown>,
  ) => {
    const list = options.timeToFirstTokenMs;
    const firstTokenMs = list[arrivalIndex % list.length] as number;
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(chunk({ role: 'assistant', content: '' }, null));
    const writeToken = (token: number) => {
      response.write(chunk({ content: ` word${token}` }, null));
      if (token + 1 < options.tokens) {
        after(options.intervalMs, () => writeToken(token + 1));
        return;
      }
      response.write(chunk({}, 'stop'));
      if (options.reportUsage !== false && body.stream_options !== undefined) {
        response.write(
          frame({
            id: 'chatcmpl-timed',
            object: 'chat.completion.chunk',
            created: 1,
            model: 'timed',
            choices: [],
            usage: {
              prompt_tokens: 3,
              completion_tokens: options.tokens,
              total_tokens: 3 + options.tokens,
            },
          }),
        );
      }
      response.end('data: [DONE]\n\n');
    };
    after(firstTokenMs, () => writeToken(0));
  };

  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
      requests.push({ headers: request.headers, body });
      respond(response, requests.length - 1, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
