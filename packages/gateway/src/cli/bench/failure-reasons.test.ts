/**
 * How failed requests are reported: each becomes a short reason counted in the report
 * (timeout, error status with its code, an error event, a cut stream), never a crash,
 * and successful requests in the same run are still measured.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runBench } from '../bench-command.ts';
import type { BenchReport } from './bench-report.ts';
import { captureOutput } from './capture-output.ts';

const CHUNK = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] })}\n\n`;
const FINISH = `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`;

/** Answers according to the `x-behaviour` header the test sends. */
function startMisbehavingUpstream(): Promise<Server> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      switch (request.headers['x-behaviour']) {
        case 'status':
          response.writeHead(503, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({ error: { type: 'overloaded_error', message: 'secret prompt echo' } }),
          );
          return;
        case 'stall':
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          response.write(CHUNK);
          return;
        case 'cut':
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          response.end(CHUNK);
          return;
        case 'error-event':
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          response.end(
            `${CHUNK}data: ${JSON.stringify({ error: { code: 'rate_limited', message: 'x' } })}\n\n`,
          );
          return;
        default:
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          response.end(`${CHUNK}${CHUNK}${FINISH}data: [DONE]\n\n`);
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('sluice bench failure reasons', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = await startMisbehavingUpstream();
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function bench(behaviour: string, extra: string[] = []) {
    const output = captureOutput();
    const args = ['--url', url, '--model', 'm', '--requests', '2', '--json'];
    const code = await runBench(
      [...args, '--header', `X-Behaviour: ${behaviour}`, ...extra],
      output,
    );
    return { code, report: JSON.parse(output.text().stdout) as BenchReport };
  }

  test.each([
    ['status', {}, 'status 503 (overloaded_error)'],
    ['stall', { timeout: '0.3' }, 'timeout'],
    ['cut', {}, 'stream ended early'],
    ['error-event', {}, 'stream error (rate_limited)'],
  ])('%s is counted as %j', async (behaviour, flags, reason) => {
    const extra = 'timeout' in flags ? ['--timeout', flags.timeout] : [];
    const { code, report } = await bench(behaviour, extra);
    expect(code).toBe(1);
    expect(report.errors).toEqual({ [reason as string]: 2 });
    expect(report.timeToFirstTokenMs.count).toBe(0);
    expect(JSON.stringify(report)).not.toContain('secret prompt echo');
  });

  test('a well-formed answer counts its chunks when no usage is sent', async () => {
    const { code, report } = await bench('ok');
    expect(code).toBe(0);
    expect(report.outputTokens.total).toBe(4);
    expect(report.interTokenLatencyMs.count).toBe(2);
  });
});
