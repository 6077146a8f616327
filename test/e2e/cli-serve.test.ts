/**
 * `sluice serve` as a real child process: starts on the configured address, serves the
 * simulator with no config, refuses a bad config naming the path, and on SIGTERM ends
 * running generations as `interrupted` and exits 0.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { spawnSluiceServe } from '../helpers/gateway-process.ts';
import { readSse, terminalOf } from '../helpers/sse-client.ts';

const children: ChildProcessWithoutNullStreams[] = [];
const dataDir = await mkdtemp(join(tmpdir(), 'sluice-serve-'));

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function serve(args: string[]) {
  const server = spawnSluiceServe(args, { dataDir });
  children.push(server.child);
  return server;
}

test('serves the simulator and drains on SIGTERM with exit code 0', async () => {
  const config = join(dataDir, 'drain.yaml');
  // The long answer stands in for a model still talking when the drain starts.
  await writeFile(
    config,
    'http:\n  drainTimeoutMs: 400\nmodels:\n  - name: simulator\n    maxTokens: 1000000\n',
  );
  const server = serve(['--port', '0', '--host', '127.0.0.1', '--config', config]);
  const baseUrl = await server.listening;
  expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
  expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);

  const start = (maxTokens: number) =>
    fetch(`${baseUrl}/v1/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        model: 'simulator',
        messages: [{ role: 'user', content: 'hi' }],
        maxTokens,
        simulator: { tokenIntervalMs: 5 },
      }),
    });
  const long = readSse(await start(100_000));
  const short = readSse(await start(20));
  server.child.kill('SIGTERM');
  // While draining: readiness is false and new generations are refused.
  let refused: Response | undefined;
  for (let attempt = 0; attempt < 50 && refused?.status !== 503; attempt += 1) {
    refused = await start(5);
    if (refused.status !== 503) await refused.body?.cancel();
  }
  if (!refused) throw new Error('no request was made');
  expect(refused.status).toBe(503);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
    'SLUICE_ERR_SHUTTING_DOWN',
  );
  // The short one finishes within the deadline; the long one is interrupted at it.
  expect(terminalOf(await short)).toMatchObject({ data: { finishReason: 'length' } });
  expect(terminalOf(await long)).toMatchObject({
    type: 'response-finish',
    data: { finishReason: 'interrupted' },
  });
  expect(await server.exited).toBe(0);
});

test('a bad config stops the start with the path of the problem', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
  const file = join(directory, 'bad.yaml');
  await writeFile(file, 'models:\n  - name: x\n    provider: warp-drive\n');
  const server = serve(['--config', file]);
  server.listening.catch(() => {});
  expect(await server.exited).toBe(2);
  expect(server.output().stderr).toContain('models.0.provider');
});

test('unknown flags get a usage message and a non-zero exit', async () => {
  const server = serve(['--bogus']);
  server.listening.catch(() => {});
  expect(await server.exited).toBe(2);
  expect(server.output().stderr).toContain('Usage');
});

test('binding a public interface without API keys refuses to start', async () => {
  const server = serve(['--host', '0.0.0.0', '--port', '0']);
  server.listening.catch(() => {});
  expect(await server.exited).toBe(1);
  expect(server.output().stderr).toMatch(/0\.0\.0\.0/);
  expect(server.output().stderr).toMatch(/keys/);
});
