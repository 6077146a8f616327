/**
 * The floor under the gateway's CPU budget: the least a JSON-aware streaming relay costs
 * in Node.js. A plain `node:http` server forwards each Chat Completions request to the bench
 * upstream through undici's dispatch handler (no `Readable` in between), splits the SSE
 * reply into events, parses each chunk's JSON and writes it back re-serialized, one socket
 * write per upstream read — what any gateway that looks at tokens must do at least, with
 * no guardrails, no log, no auth, no metrics. The `node-relay` bench target runs it next
 * to nginx and Sluice, so the gap between Node and nginx can be told from Sluice's own.
 *
 * Usage (the bench starts it): node bench/node-relay.ts --upstream http://127.0.0.1:PORT
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Agent, type Dispatcher } from 'undici';
import { exitWithParent, sendToParent } from './child-messages.ts';

const { values } = parseArgs({ options: { upstream: { type: 'string' } }, strict: true });
const upstream = new URL(values.upstream ?? 'http://127.0.0.1:9');
const agent = new Agent({ connections: null, pipelining: 1, keepAliveTimeout: 120_000 });
const decoder = new TextDecoder();

/** Relays one upstream response: SSE events parsed, re-serialized and written per read. */
class RelayHandler implements Dispatcher.DispatchHandler {
  readonly #response: ServerResponse;
  #pending = '';

  constructor(response: ServerResponse) {
    this.#response = response;
  }

  onRequestStart(): void {
    // Nothing to set up: the response is written as the upstream's arrives.
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.#response.writeHead(statusCode, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
    });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#pending += decoder.decode(chunk, { stream: true });
    let out = '';
    let end = this.#pending.indexOf('\n\n');
    while (end >= 0) {
      const event = this.#pending.slice(0, end);
      this.#pending = this.#pending.slice(end + 2);
      const data = event.startsWith('data: ') ? event.slice(6) : event;
      out +=
        data === '[DONE]' ? 'data: [DONE]\n\n' : `data: ${JSON.stringify(JSON.parse(data))}\n\n`;
      end = this.#pending.indexOf('\n\n');
    }
    if (out !== '') this.#response.write(out);
  }

  onResponseEnd(): void {
    this.#response.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    process.stderr.write(`relay: ${error.message}\n`);
    this.#response.destroy();
  }
}

const server = createServer({ keepAliveTimeout: 120_000 }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    agent.dispatch(
      {
        origin: upstream.origin,
        path: request.url ?? '/',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat(chunks),
      },
      new RelayHandler(response),
    );
  });
});
server.headersTimeout = 60_000;
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address() as AddressInfo;
  exitWithParent(() => server.closeAllConnections());
  if (process.send) await sendToParent({ type: 'ready', port });
  else process.stdout.write(`bare Node.js relay on http://127.0.0.1:${port}/v1\n`);
});
