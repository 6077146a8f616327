/**
 * `node bench/idle-connections.ts`: what an idle SSE reader costs the gateway. Starts a
 * gateway, starts a simulator generation that stalls after its first token, holds N
 * readers of `GET /v1/generations/{id}/events` open on it (each has received the events
 * so far and is waiting for more), and reports the gateway's resident memory per idle
 * connection against the budget (≤ 20 KB). Readers are raw sockets opened in batches,
 * so the client costs little and the gateway's accept queue never overflows.
 *
 * Usage: node bench/idle-connections.ts [--connections 10000] [--append]
 */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeGeneratedSection } from './benchmarks-report.ts';
import { killAllChildrenNow, stopAllChildren } from './child-processes.ts';
import { startGatewayProcess } from './gateway-process.ts';
import { describeMachine } from './machine-info.ts';
import { familyMemory } from './process-usage.ts';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCHMARKS_FILE = join(REPOSITORY_ROOT, 'BENCHMARKS.md');
const BATCH = 250;
/** Readers opened before the baseline sample, so one-off costs (JIT, pools) are not counted. */
const WARM_READERS = 200;
const BUDGET_BYTES_PER_CONNECTION = 20 * 1024;
/** Memory settles (allocator, lazy GC) before each sample; measured, not synchronised on. */
const SETTLE_MS = 3000;

/** Opens one reader; resolves once its first event (response-start) arrived. */
function openReader(origin: URL, path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(origin.port), origin.hostname);
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('event: response-start')) {
        socket.off('data', onData);
        // Idle from here on: heartbeats are read and dropped.
        socket.on('data', () => undefined);
        resolve(socket);
      } else if (received.length > 4096) {
        reject(new Error(`unexpected answer: ${received.slice(0, 200)}`));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${origin.host}\r\nAccept: text/event-stream\r\n\r\n`,
    );
  });
}

async function openReaders(origin: URL, path: string, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  while (sockets.length < count) {
    const batch = Math.min(BATCH, count - sockets.length);
    sockets.push(
      ...(await Promise.all(Array.from({ length: batch }, () => openReader(origin, path)))),
    );
  }
  return sockets;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
const kilobytes = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      connections: { type: 'string', default: '10000' },
      append: { type: 'boolean', default: false },
    },
  });
  const connections = Number(values.connections);
  const workDirectory = await mkdtemp(join(tmpdir(), 'sluice-idle-'));
  const sockets: Socket[] = [];
  try {
    const gateway = await startGatewayProcess({
      repositoryRoot: REPOSITORY_ROOT,
      workDirectory,
      // Only the built-in simulator is used; no request reaches this address.
      upstreamOrigin: 'http://127.0.0.1:9',
    });
    const origin = new URL(gateway.origin);
    const started = await fetch(`${gateway.origin}/v1/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'simulator',
        messages: [{ role: 'user', content: 'Hold the line.' }],
        simulator: { ttftMs: 1, stallAfterTokens: 1 },
      }),
    });
    const { id } = (await started.json()) as { id: string };
    const path = `/v1/generations/${id}/events`;
    sockets.push(...(await openReaders(origin, path, WARM_READERS)));
    await settle();
    const before = familyMemory(gateway.pid);
    const openedAt = performance.now();
    sockets.push(...(await openReaders(origin, path, connections)));
    const openSeconds = (performance.now() - openedAt) / 1000;
    await settle();
    const after = familyMemory(gateway.pid);
    const perConnection = (after.residentBytes - before.residentBytes) / connections;
    const met = perConnection <= BUDGET_BYTES_PER_CONNECTION;
    const machine = describeMachine(REPOSITORY_ROOT, undefined);
    const command = ['node bench/idle-connections.ts', ...argv].join(' ');
    const markdown = [
      `### Idle connections, ${machine.date.slice(0, 10)}`,
      '',
      `Command: \`${command}\``,
      '',
      `- Machine: ${machine.cores} cores (${machine.cpuModel}); Node ${machine.nodeVersion}; code ${machine.commit}; measured ${machine.date}.`,
      `- ${connections.toLocaleString('en-US')} SSE readers of one simulator generation stalled after its first token (default config, redaction on), on top of ${WARM_READERS} warm-up readers; opened in ${openSeconds.toFixed(1)} s.`,
      '',
      '| gateway RSS before | after | per idle connection | budget |',
      '| ---: | ---: | ---: | ---: |',
      `| ${megabytes(before.residentBytes)} | ${megabytes(after.residentBytes)} | ${kilobytes(perConnection)} | ≤ 20 KB — ${met ? '**met**' : '**missed**'} |`,
    ].join('\n');
    process.stdout.write(`${markdown}\n`);
    if (values.append) {
      const current = await readFile(BENCHMARKS_FILE, 'utf8');
      await writeFile(BENCHMARKS_FILE, writeGeneratedSection(current, markdown, true));
      process.stdout.write(`Updated ${BENCHMARKS_FILE}\n`);
    }
  } finally {
    for (const socket of sockets) socket.destroy();
    await stopAllChildren();
    await rm(workDirectory, { recursive: true, force: true });
  }
}

process.once('exit', killAllChildrenNow);
await main(process.argv.slice(2));
