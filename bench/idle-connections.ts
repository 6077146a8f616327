/**
 * `node bench/idle-connections.ts`: what idle connections cost the gateway, in resident
 * memory per connection against the hot-path budgets.
 *
 * - Readers (default): starts a simulator generation that stalls after its first token and
 *   holds N readers of `GET /v1/generations/{id}/events` open on it (each has received the
 *   events so far and waits for more). Budget ≤ 20 KB per idle SSE reader.
 * - `--generations`: starts N generations against an upstream that never sends its first
 *   token, each with its client's SSE connection open (committed by the commit window,
 *   then heartbeats): a client connection, an upstream connection and a producer each.
 *   Budget ≤ 35 KB per idle generation.
 *
 * `--bare` adds the floor: the same idle SSE connections held by a plain `node:http`
 * server in a child process, so the gateway's own share can be told from Node's.
 * Connections are raw sockets opened in batches, so the client costs little and the
 * gateway's accept queue never overflows.
 *
 * Usage: node bench/idle-connections.ts [--connections 10000] [--generations] [--bare] [--append]
 */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeGeneratedSection } from './benchmarks-report.ts';
import {
  forkBenchModule,
  killAllChildrenNow,
  nextMessage,
  stopAllChildren,
} from './child-processes.ts';
import { startGatewayProcess, UPSTREAM_MODEL_NAME } from './gateway-process.ts';
import { describeMachine } from './machine-info.ts';
import { familyMemory } from './process-usage.ts';
import { startUpstreamProcess } from './upstream-process.ts';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCHMARKS_FILE = join(REPOSITORY_ROOT, 'BENCHMARKS.md');
const BARE_SERVER_MODULE = fileURLToPath(new URL('./bare-sse-server.ts', import.meta.url));
const BATCH = 250;
/** Opened before the baseline sample, so one-off costs (JIT, pools) are not counted. */
const WARM = 200;
const READER_BUDGET_BYTES = 20 * 1024;
const GENERATION_BUDGET_BYTES = 35 * 1024;
/** Memory settles (allocator, lazy GC) before each sample; measured, not synchronised on. */
const SETTLE_MS = 3000;

/** Opens one idle connection: sends `request` and resolves once `until` came back. */
function openIdle(origin: URL, request: string, until: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(origin.port), origin.hostname);
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes(until)) {
        socket.off('data', onData);
        // Idle from here on: heartbeats are read and dropped.
        socket.on('data', () => undefined);
        resolve(socket);
      } else if (received.length > 4096 || received.startsWith('HTTP/1.1 4')) {
        reject(new Error(`unexpected answer: ${received.slice(0, 200)}`));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(request);
  });
}

async function openMany(
  origin: URL,
  request: string,
  until: string,
  count: number,
): Promise<Socket[]> {
  const sockets: Socket[] = [];
  while (sockets.length < count) {
    const batch = Math.min(BATCH, count - sockets.length);
    sockets.push(
      ...(await Promise.all(Array.from({ length: batch }, () => openIdle(origin, request, until)))),
    );
  }
  return sockets;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
const kilobytes = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

function readerRequest(origin: URL, path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${origin.host}\r\nAccept: text/event-stream\r\n\r\n`;
}

function generationRequest(origin: URL): string {
  const body = JSON.stringify({
    model: UPSTREAM_MODEL_NAME,
    messages: [{ role: 'user', content: 'Wait for it.' }],
  });
  return [
    'POST /v1/generations HTTP/1.1',
    `Host: ${origin.host}`,
    'Accept: text/event-stream',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

interface Measured {
  label: string;
  before: number;
  after: number;
  openSeconds: number;
}

/** RSS of `pid` before and after `count` more idle connections (after `warm` first). */
async function measure(
  label: string,
  pid: number,
  open: (count: number) => Promise<Socket[]>,
  count: number,
  warm: number,
  sockets: Socket[],
): Promise<Measured> {
  sockets.push(...(await open(warm)));
  await settle();
  const before = familyMemory(pid).residentBytes;
  const openedAt = performance.now();
  sockets.push(...(await open(count)));
  const openSeconds = (performance.now() - openedAt) / 1000;
  await settle();
  return { label, before, after: familyMemory(pid).residentBytes, openSeconds };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      connections: { type: 'string', default: '10000' },
      generations: { type: 'boolean', default: false },
      bare: { type: 'boolean', default: false },
      append: { type: 'boolean', default: false },
    },
  });
  const connections = Number(values.connections);
  const generations = values.generations === true;
  const budget = generations ? GENERATION_BUDGET_BYTES : READER_BUDGET_BYTES;
  const workDirectory = await mkdtemp(join(tmpdir(), 'sluice-idle-'));
  const sockets: Socket[] = [];
  const rows: Measured[] = [];
  try {
    // An upstream that never sends a first token holds every generation open.
    const upstream = generations
      ? await startUpstreamProcess({ ttftMs: 3_600_000, tokenIntervalMs: 10, tokens: 1 })
      : undefined;
    const gateway = await startGatewayProcess({
      repositoryRoot: REPOSITORY_ROOT,
      workDirectory,
      // Readers use only the built-in simulator; no request reaches this address then.
      upstreamOrigin: upstream?.origin ?? 'http://127.0.0.1:9',
    });
    const origin = new URL(gateway.origin);
    if (generations) {
      // Each answer commits after the commit window (2 s), then waits with heartbeats.
      const request = generationRequest(origin);
      const open = (count: number) => openMany(origin, request, 'HTTP/1.1 200', count);
      rows.push(await measure('Sluice', gateway.pid, open, connections, WARM, sockets));
    } else {
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
      const request = readerRequest(origin, `/v1/generations/${id}/events`);
      const open = (count: number) => openMany(origin, request, 'event: response-start', count);
      rows.push(await measure('Sluice', gateway.pid, open, connections, WARM, sockets));
    }
    if (values.bare) {
      // The client's descriptors are bounded: the gateway's readers go before the floor's come.
      for (const socket of sockets.splice(0)) socket.destroy();
      const bare = forkBenchModule(BARE_SERVER_MODULE, []);
      const { port } = await nextMessage(bare, 'ready', 15_000);
      const bareOrigin = new URL(`http://127.0.0.1:${port}`);
      const request = readerRequest(bareOrigin, '/events');
      const open = (count: number) => openMany(bareOrigin, request, 'event: response-start', count);
      rows.push(
        await measure('plain node:http', bare.pid as number, open, connections, WARM, sockets),
      );
    }
    const machine = describeMachine(REPOSITORY_ROOT, undefined);
    const command = ['node bench/idle-connections.ts', ...argv].join(' ');
    const what = generations
      ? `${connections.toLocaleString('en-US')} generations waiting for an upstream that never sends its first token, each with its client's SSE connection open (client connection, upstream connection and producer each)`
      : `${connections.toLocaleString('en-US')} SSE readers of one simulator generation stalled after its first token`;
    const markdown = [
      `### Idle ${generations ? 'generations' : 'connections'}, ${machine.date.slice(0, 10)}`,
      '',
      `Command: \`${command}\``,
      '',
      `- Machine: ${machine.cores} cores (${machine.cpuModel}); Node ${machine.nodeVersion}; code ${machine.commit}; measured ${machine.date}.`,
      `- ${what} (default config, redaction on), on top of ${WARM} warm-up connections.`,
      '',
      '| process | RSS before | after | per idle connection | opened in | budget |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map((row) => {
        const perConnection = (row.after - row.before) / connections;
        const verdict =
          row.label === 'Sluice'
            ? ` — ${perConnection <= budget ? '**met**' : '**missed**'}`
            : ' (floor)';
        return `| ${row.label} | ${megabytes(row.before)} | ${megabytes(row.after)} | ${kilobytes(perConnection)} | ${row.openSeconds.toFixed(1)} s | ≤ ${budget / 1024} KB${verdict} |`;
      }),
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
