/**
 * The floor under the idle-connection budgets: a plain `node:http` server that answers
 * every request with SSE headers and one event, then holds the response open — what Node
 * itself costs per idle streaming connection, before any gateway code. Started by
 * `idle-connections.ts --bare` in its own process so its memory is measured alone.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exitWithParent, sendToParent } from './child-messages.ts';

const server = createServer((request, response) => {
  request.resume();
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
  });
  response.write('event: response-start\ndata: {}\n\n');
});
server.headersTimeout = 60_000;
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address() as AddressInfo;
  exitWithParent(() => server.closeAllConnections());
  await sendToParent({ type: 'ready', port });
});
