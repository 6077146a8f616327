/**
 * A `redis-server` of a test's own, on a free loopback port, that the test may kill,
 * pause and restart (empty, as a Redis without persistence comes back) without touching
 * the shared Redis on 6379. Nothing is saved to disk.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Kills the server at once (SIGKILL): nothing is flushed, connections drop. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty; resolves once it answers PING. */
  restart(): Promise<void>;
  /** A new client for the test's own commands (the caller quits it). */
  client(): Redis;
  /** Stops the server for good. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

function launch(port: number): ChildProcess {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    { stdio: 'ignore' },
  );
  // A spawn failure must fail the test that waits for PING, not crash the runner.
  child.on('error', () => {});
  return child;
}

async function waitForPing(url: string): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      try {
        if (probe.status !== 'ready') await probe.connect();
        await probe.ping();
        return;
      } catch {
        probe.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw new Error(`redis-server on ${url} did not answer`);
  } finally {
    probe.disconnect();
  }
}

async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined = launch(port);
  await waitForPing(url);
  return {
    port,
    url,
    async kill() {
      await killChild(child);
      child = undefined;
    },
    async restart() {
      await killChild(child);
      child = launch(port);
      await waitForPing(url);
    },
    client() {
      const redis = new Redis(url);
      redis.on('error', () => {});
      return redis;
    },
    async stop() {
      await killChild(child);
      child = undefined;
    },
  };
}
