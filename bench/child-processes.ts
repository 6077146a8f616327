/**
 * Starting and stopping the bench's child processes. Every child is tracked so that
 * each one is stopped by its own pid when a run ends, fails or is interrupted: no bench
 * server may outlive `npm run bench`.
 */
import { type ChildProcess, fork, type SpawnOptions, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { ChildMessage } from './child-messages.ts';

const tracked = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
  return child;
}

/** Starts a bench module (TypeScript, run by this same Node) with an IPC channel. */
export function forkBenchModule(modulePath: string, args: string[]): ChildProcess {
  return track(fork(modulePath, args, { execPath: process.execPath, stdio: 'inherit' }));
}

/** Starts any program (the gateway, nginx), without IPC. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  return track(spawn(command, args, options));
}

/** Resolves with the first IPC message of a type; rejects on exit or after a timeout. */
export function nextMessage<T extends ChildMessage['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no '${type}' message from pid ${child.pid} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: ChildMessage) => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as Extract<ChildMessage, { type: T }>);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`pid ${child.pid} exited (code ${code}) before sending '${type}'`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL if the process has not exited within the grace period. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...tracked].map((child) => stopChild(child)));
}

/** Last resort on exit (synchronous): kill whatever is still tracked. */
export function killAllChildrenNow(): void {
  for (const child of tracked) child.kill('SIGKILL');
}

/** A loopback port the OS reports free (bound and released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls a URL until it answers (any status), bounded in attempts. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}
