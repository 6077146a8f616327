/**
 * `node bench/ws-vs-sse.ts`: what a WebSocket reader costs the gateway next to an SSE
 * reader, in one run against one gateway process (`sluice serve`, simulator model).
 *
 * - CPU per token: G generations of T tokens each, read by N readers per transport. An SSE
 *   reader is one `GET /v1/generations/{id}/events` per generation; a WebSocket reader is
 *   one connection subscribed to all G. `replay` (default) reads finished logs (the same
 *   generations for both transports: the relay alone); `live` starts a fresh, identical
 *   (same seed) set of generations per transport and reads them while they stream (the
 *   producer's cost is in both). The gateway's CPU time (from /proc) over the phase,
 *   divided by the text-delta events delivered.
 * - Memory per idle reader: M readers of one generation stalled after its first token —
 *   M SSE responses, or M WebSocket connections with one subscription each, each
 *   transport in a fresh gateway process — resident memory before and after (the
 *   increase per reader).
 *
 * Usage: node bench/ws-vs-sse.ts [--generations 20] [--tokens 400] [--readers 10]
 *   [--mode replay|live] [--idle 2000] [--append]
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { writeGeneratedSection } from './benchmarks-report.ts';
import { killAllChildrenNow, stopAllChildren } from './child-processes.ts';
import { startGatewayProcess } from './gateway-process.ts';
import { describeMachine } from './machine-info.ts';
import { familyCpuSeconds, familyMemory } from './process-usage.ts';

// `ws` ships no types (and @types/ws is not installed): the members used here.
type WsClient = WebSocket;

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCHMARKS_FILE = join(REPOSITORY_ROOT, 'BENCHMARKS.md');
const TOKEN_EVENT = 'event: text-delta\n';
const TOKEN_FRAME = '"event":{"type":"text-delta"';
/** Memory settles (allocator, lazy GC) before each sample; measured, not synchronised on. */
const SETTLE_MS = 3000;
const BATCH = 200;

interface Options {
  origin: string;
  generations: number;
  tokens: number;
  readers: number;
}

function generationBody(tokens: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    model: 'simulator',
    messages: [{ role: 'user', content: 'Count for the bench.' }],
    maxTokens: tokens,
    seed: 1,
    simulator: { ttftMs: 0, tokenIntervalMs: 2 },
    ...extra,
  });
}

async function startGenerations(options: Options): Promise<string[]> {
  return Promise.all(
    Array.from({ length: options.generations }, async () => {
      const response = await fetch(`${options.origin}/v1/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: generationBody(options.tokens),
      });
      if (response.status !== 201) throw new Error(`start answered ${response.status}`);
      return ((await response.json()) as { id: string }).id;
    }),
  );
}

/** Counts occurrences of `marker` across chunk boundaries. */
function counter(marker: string): (chunk: string) => number {
  let tail = '';
  return (chunk) => {
    const text = tail + chunk;
    let count = 0;
    for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + marker.length)) {
      count += 1;
    }
    tail = text.slice(Math.max(0, text.length - marker.length + 1));
    return count;
  };
}

/** One SSE read of a whole log; resolves with the tokens it received. */
async function readSse(origin: string, id: string): Promise<number> {
  const response = await fetch(`${origin}/v1/generations/${id}/events`);
  if (!response.body) throw new Error('no body');
  const count = counter(TOKEN_EVENT);
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let tokens = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    tokens += count(decoder.decode(chunk.value, { stream: true }));
  }
  return tokens;
}

function openWs(origin: string): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${origin.replace('http', 'ws')}/v1/ws`);
    socket.on('open', () => resolve(socket));
    socket.on('error', reject);
  });
}

/** One connection subscribed to every log; resolves with the tokens once all ended. */
async function readWs(origin: string, ids: readonly string[]): Promise<number> {
  const socket = await openWs(origin);
  let tokens = 0;
  let ended = 0;
  const done = new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const text = data.toString('utf8');
      if (text.includes(TOKEN_FRAME)) tokens += 1;
      else if (text.startsWith('{"type":"end"')) {
        ended += 1;
        if (ended === ids.length) resolve();
      } else if (text.startsWith('{"type":"error"')) reject(new Error(text));
    });
  });
  for (const id of ids) socket.send(JSON.stringify({ type: 'subscribe', generationId: id }));
  await done;
  socket.terminate();
  return tokens;
}

async function waitFinished(origin: string, ids: readonly string[]): Promise<void> {
  await Promise.all(ids.map((id) => readSse(origin, id)));
}

interface CpuRow {
  transport: string;
  tokens: number;
  cpuSeconds: number;
}

async function cpuPhase(
  transport: 'SSE' | 'WebSocket',
  pid: number,
  ids: readonly string[],
  options: Options,
): Promise<CpuRow> {
  const before = familyCpuSeconds(pid);
  const readers = Array.from({ length: options.readers }, async () => {
    if (transport === 'WebSocket') return readWs(options.origin, ids);
    const counts = await Promise.all(ids.map((id) => readSse(options.origin, id)));
    return counts.reduce((sum, count) => sum + count, 0);
  });
  const tokens = (await Promise.all(readers)).reduce((sum, count) => sum + count, 0);
  return { transport, tokens, cpuSeconds: familyCpuSeconds(pid) - before };
}

interface MemoryRow {
  transport: string;
  before: number;
  after: number;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

async function idleSse(origin: string, id: string): Promise<() => void> {
  const controller = new AbortController();
  const response = await fetch(`${origin}/v1/generations/${id}/events`, {
    signal: controller.signal,
  });
  const reader = response.body?.getReader();
  // The first token arrived: from here on the reader is idle.
  const first = counter(TOKEN_EVENT);
  const decoder = new TextDecoder();
  for (;;) {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) break;
    if (first(decoder.decode(chunk.value, { stream: true })) > 0) break;
  }
  return () => controller.abort();
}

async function idleWs(origin: string, id: string): Promise<() => void> {
  const socket = await openWs(origin);
  await new Promise<void>((resolve) => {
    socket.on('message', (data) => {
      if (data.toString('utf8').includes(TOKEN_FRAME)) resolve();
    });
    socket.send(JSON.stringify({ type: 'subscribe', generationId: id }));
  });
  return () => socket.terminate();
}

async function memoryPhase(
  transport: 'SSE' | 'WebSocket',
  pid: number,
  origin: string,
  id: string,
  count: number,
): Promise<MemoryRow> {
  const open = transport === 'SSE' ? idleSse : idleWs;
  const closers: Array<() => void> = [];
  await settle();
  const before = familyMemory(pid).residentBytes;
  while (closers.length < count) {
    const batch = Math.min(BATCH, count - closers.length);
    closers.push(...(await Promise.all(Array.from({ length: batch }, () => open(origin, id)))));
  }
  await settle();
  const after = familyMemory(pid).residentBytes;
  for (const close of closers) close();
  return { transport, before, after };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      generations: { type: 'string', default: '20' },
      tokens: { type: 'string', default: '400' },
      readers: { type: 'string', default: '10' },
      mode: { type: 'string', default: 'replay' },
      idle: { type: 'string', default: '2000' },
      append: { type: 'boolean', default: false },
    },
  });
  const live = values.mode === 'live';
  const idle = Number(values.idle);
  const workDirectory = await mkdtemp(join(tmpdir(), 'sluice-ws-vs-sse-'));
  try {
    const gateway = await startGatewayProcess({
      repositoryRoot: REPOSITORY_ROOT,
      workDirectory,
      // Only the built-in simulator is used; no request reaches this address.
      upstreamOrigin: 'http://127.0.0.1:9',
    });
    const options: Options = {
      origin: gateway.origin,
      generations: Number(values.generations),
      tokens: Number(values.tokens),
      readers: Number(values.readers),
    };
    const cpu: CpuRow[] = [];
    const shared = live ? [] : await startGenerations(options);
    if (!live) await waitFinished(options.origin, shared);
    // Warm-up: one read of each kind, so JIT and pools are not charged to the first phase.
    const warm = live ? await startGenerations({ ...options, generations: 1 }) : shared;
    await cpuPhase('SSE', gateway.pid, warm, { ...options, readers: 1 });
    await cpuPhase('WebSocket', gateway.pid, warm, { ...options, readers: 1 });
    for (const transport of ['SSE', 'WebSocket'] as const) {
      const ids = live ? await startGenerations(options) : shared;
      cpu.push(await cpuPhase(transport, gateway.pid, ids, options));
    }
    await gateway.stop();
    const memory: MemoryRow[] = [];
    // Each transport's idle readers in a fresh gateway: a process that already ran a load
    // reuses the heap it freed, which would flatter whichever transport comes first.
    for (const transport of idle > 0 ? (['SSE', 'WebSocket'] as const) : []) {
      const fresh = await startGatewayProcess({
        repositoryRoot: REPOSITORY_ROOT,
        workDirectory,
        upstreamOrigin: 'http://127.0.0.1:9',
      });
      const response = await fetch(`${fresh.origin}/v1/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: generationBody(10, { simulator: { ttftMs: 0, stallAfterTokens: 1 } }),
      });
      const { id } = (await response.json()) as { id: string };
      // One of each first, so JIT and pools are not charged to the idle readers.
      (await (transport === 'SSE' ? idleSse : idleWs)(fresh.origin, id))();
      memory.push(await memoryPhase(transport, fresh.pid, fresh.origin, id, idle));
      await fresh.stop();
    }
    const machine = describeMachine(REPOSITORY_ROOT, undefined);
    const microseconds = (row: CpuRow) =>
      ((row.cpuSeconds * 1e6) / Math.max(1, row.tokens)).toFixed(2);
    const kilobytes = (row: MemoryRow) => ((row.after - row.before) / idle / 1024).toFixed(1);
    const markdown = [
      `### WebSocket vs SSE readers, ${machine.date.slice(0, 10)}`,
      '',
      `Command: \`${['node bench/ws-vs-sse.ts', ...argv].join(' ')}\``,
      '',
      `- Machine: ${machine.cores} cores (${machine.cpuModel}); Node ${machine.nodeVersion}; code ${machine.commit}; measured ${machine.date}.`,
      `- ${options.generations} simulator generations of ${options.tokens} tokens, ${options.readers} readers per transport (${live ? 'live: a fresh identical set per transport, read while streaming' : 'replay: the same finished logs for both'}); gateway CPU from /proc.`,
      '',
      '| transport | tokens delivered | gateway CPU | CPU per token |',
      '| --- | ---: | ---: | ---: |',
      ...cpu.map(
        (row) =>
          `| ${row.transport} | ${row.tokens.toLocaleString('en-US')} | ${row.cpuSeconds.toFixed(2)} s | ${microseconds(row)} µs |`,
      ),
      ...(memory.length === 0
        ? []
        : [
            '',
            `Idle readers: ${idle.toLocaleString('en-US')} of one generation stalled after its first token (SSE: one response each; WebSocket: one connection with one subscription each).`,
            '',
            '| transport | RSS before | after | per idle reader |',
            '| --- | ---: | ---: | ---: |',
            ...memory.map(
              (row) =>
                `| ${row.transport} | ${(row.before / 1048576).toFixed(0)} MB | ${(row.after / 1048576).toFixed(0)} MB | ${kilobytes(row)} KB |`,
            ),
          ]),
    ].join('\n');
    process.stdout.write(`${markdown}\n`);
    if (values.append) {
      const current = await readFile(BENCHMARKS_FILE, 'utf8');
      await writeFile(BENCHMARKS_FILE, writeGeneratedSection(current, markdown, true));
      process.stdout.write(`Updated ${BENCHMARKS_FILE}\n`);
    }
  } finally {
    await stopAllChildren();
    await rm(workDirectory, { recursive: true, force: true });
  }
}

process.once('exit', killAllChildrenNow);
await main(process.argv.slice(2));
