/**
 * A loopback TCP proxy for end-to-end tests of clients that must survive dropped
 * connections: it forwards every connection to a target and can cut them — each one after
 * it forwarded N response bytes (so mid-HTTP-frame, mid-SSE-event), all of them on command,
 * answer the next few with a 503 of its own (an overloaded load balancer), or refuse new
 * ones (a gateway that went away for good).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CuttingProxyOptions {
  targetPort: number;
  targetHost?: string;
  /**
   * Cut every connection after it forwarded this many bytes from the target (headers
   * included); a function gets the connection's number (from 0). Undefined: never.
   */
  cutAfterBytes?: number | ((connection: number) => number | undefined) | undefined;
}

export interface CuttingProxy {
  /** `http://127.0.0.1:<port>`. */
  baseUrl: string;
  options: CuttingProxyOptions;
  /** Connections accepted so far, and how many the proxy cut. */
  readonly stats: { connections: number; cuts: number; refused: number; unavailable: number };
  /** Destroys every open connection now. */
  cutAll(): void;
  /** The next `count` connections get `503 Service Unavailable` and are closed. */
  answerUnavailable(count: number): void;
  /** While true, new connections are closed at once (nothing is forwarded). */
  refuse(refusing: boolean): void;
  close(): Promise<void>;
}

const UNAVAILABLE_BODY = JSON.stringify({
  error: { code: 'SLUICE_ERR_SHUTTING_DOWN', message: 'proxy says unavailable' },
});
const UNAVAILABLE_RESPONSE =
  'HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n' +
  `content-length: ${UNAVAILABLE_BODY.length}\r\nconnection: close\r\n\r\n${UNAVAILABLE_BODY}`;

export async function startCuttingProxy(options: CuttingProxyOptions): Promise<CuttingProxy> {
  const open = new Set<Socket>();
  const stats = { connections: 0, cuts: 0, refused: 0, unavailable: 0 };
  let refusing = false;
  let unavailable = 0;

  const server: Server = createServer((client) => {
    if (refusing) {
      stats.refused += 1;
      client.destroy();
      return;
    }
    if (unavailable > 0) {
      unavailable -= 1;
      stats.unavailable += 1;
      client.on('error', () => {});
      // Read (and ignore) the request first, so the client is not reset mid-send.
      client.once('data', () => client.end(UNAVAILABLE_RESPONSE));
      return;
    }
    const number = stats.connections++;
    const rule = options.cutAfterBytes;
    const limit = typeof rule === 'function' ? rule(number) : rule;
    const upstream = connect(options.targetPort, options.targetHost ?? '127.0.0.1');
    open.add(client);
    open.add(upstream);
    let forwarded = 0;
    const cut = () => {
      stats.cuts += 1;
      client.destroy();
      upstream.destroy();
    };
    upstream.on('data', (chunk: Buffer) => {
      if (limit === undefined) {
        client.write(chunk);
        return;
      }
      const room = limit - forwarded;
      if (chunk.length < room) {
        forwarded += chunk.length;
        client.write(chunk);
        return;
      }
      // Forward exactly up to the limit, then cut once that part is flushed.
      client.write(chunk.subarray(0, room), cut);
      forwarded = limit;
      upstream.pause();
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('close', close);
    upstream.on('close', close);
    // Resets are what this proxy is for; each side's close handler tidies up.
    client.on('error', () => {});
    upstream.on('error', () => {});
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');

  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    options,
    stats,
    cutAll() {
      for (const socket of open) socket.destroy();
      stats.cuts += 1;
    },
    answerUnavailable(count: number) {
      unavailable = count;
    },
    refuse(value: boolean) {
      refusing = value;
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
