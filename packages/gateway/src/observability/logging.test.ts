import { afterEach, describe, expect, test } from 'vitest';
import { parseConfig } from '../config/load-config.ts';
import { buildGateway, type Gateway } from '../http/app.ts';
import type { GenerationSummary } from './generation-summary.ts';
import { gatewayLoggerOptions, logGenerationEnded, pathOf, REDACTED } from './logging.ts';

const planted = {
  bearer: 'sk-bearer-planted-0123456789abcdefghij',
  headerKey: 'sk-header-planted-0123456789abcdefghij',
  queryKey: 'sk-query-planted-0123456789abcdefghij',
  configKey: 'sk-config-planted-0123456789abcdefghij',
  cookie: 'session=cookie-planted-0123456789',
  promptSecret: 'prompt-planted-4111 1111 1111 1111',
  email: 'planted.person@example.com',
};

interface Line {
  event?: string;
  [key: string]: unknown;
}

function collector() {
  const raw: string[] = [];
  return {
    stream: { write: (line: string) => void raw.push(line) },
    text: () => raw.join(''),
    lines: (): Line[] =>
      raw
        .flatMap((chunk) => chunk.split('\n').filter(Boolean))
        .map((line) => JSON.parse(line) as Line),
  };
}

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.app.close();
  gateway = undefined;
});

describe('logs never carry secrets or user text', () => {
  test('a gateway-like flow with planted credentials and prompt text', async () => {
    const output = collector();
    gateway = await buildGateway({
      config: parseConfig({
        dataDir: ':memory:',
        models: [
          {
            name: 'refused-upstream',
            provider: 'openai-compatible',
            // Nothing listens on the discard port: the call fails and is logged as such.
            baseUrl: 'http://127.0.0.1:9/v1',
            apiKey: planted.configKey,
          },
        ],
      }),
      logger: gatewayLoggerOptions({ level: 'trace', stream: output.stream }),
    });
    const { app } = gateway;
    // The gateway logs one line per request and per generation end by itself.
    // Code that logs carelessly: whole requests, headers and the config.
    app.get('/test/careless', async (request) => {
      request.log.info(
        { req: request, headers: request.headers, config: gateway?.context.config },
        'careless debug line',
      );
      return { ok: true };
    });

    const credentials = {
      authorization: `Bearer ${planted.bearer}`,
      'x-api-key': planted.headerKey,
      cookie: planted.cookie,
    };
    const started = await app.inject({
      method: 'POST',
      url: '/v1/generations',
      headers: { ...credentials, 'content-type': 'application/json' },
      payload: {
        model: 'simulator',
        messages: [{ role: 'user', content: `${planted.promptSecret} ${planted.email}` }],
        maxTokens: 8,
      },
    });
    expect(started.statusCode).toBe(201);
    const { id } = started.json() as { id: string };
    await gateway.context.generations.finalized(id);
    const refused = await app.inject({
      method: 'POST',
      url: '/v1/generations',
      headers: { ...credentials, 'content-type': 'application/json', accept: 'text/event-stream' },
      payload: {
        model: 'refused-upstream',
        messages: [{ role: 'user', content: planted.promptSecret }],
      },
    });
    expect(refused.statusCode).toBe(502);
    await app.inject({
      method: 'GET',
      url: `/v1/generations/${id}?api_key=${planted.queryKey}`,
      headers: credentials,
    });
    await app.inject({ method: 'GET', url: '/test/careless', headers: credentials });
    const text = output.text();
    for (const value of Object.values(planted)) expect(text).not.toContain(value);
    expect(text).toContain(REDACTED);

    const lines = output.lines();
    const requests = lines.filter((line) => line.event === 'request');
    expect(requests.map((line) => [line.method, line.route, line.statusCode])).toEqual([
      ['POST', '/v1/generations', 201],
      ['POST', '/v1/generations', 502],
      ['GET', '/v1/generations/:id', 200],
      ['GET', '/test/careless', 200],
    ]);
    expect(requests[0]?.generationId).toBe(id);
    expect(requests[2]?.generationId).toBe(id);
    for (const line of requests) expect(typeof line.durationMs).toBe('number');

    const ended = lines.find((line) => line.event === 'generation-end');
    expect(ended).toMatchObject({
      generationId: id,
      model: 'simulator',
      outcome: 'finished',
      outputTokens: 8,
    });
  });
});

describe('log records', () => {
  test('the generation line holds ids, names, outcome and timings only', () => {
    const fields: Array<Record<string, unknown>> = [];
    const logger = {
      info: (entry: object) => void fields.push({ level: 'info', ...entry }),
      warn: (entry: object) => void fields.push({ level: 'warn', ...entry }),
      error: (entry: object) => void fields.push({ level: 'error', ...entry }),
    };
    const summary: GenerationSummary = {
      id: 'gen_1',
      model: 'gpt-test',
      provider: 'openai-compatible',
      status: 'failed',
      finishReason: 'error',
      errorCode: 'SLUICE_ERR_UPSTREAM_TIMEOUT',
      usage: { inputTokens: 4, outputTokens: 2 },
      timeToFirstTokenMs: 80,
      durationMs: 30_000,
      upstream: { timeToFirstTokenMs: 79, durationMs: 29_999 },
    };
    logGenerationEnded(logger, summary);
    expect(fields).toEqual([
      {
        level: 'warn',
        event: 'generation-end',
        generationId: 'gen_1',
        model: 'gpt-test',
        provider: 'openai-compatible',
        outcome: 'failed',
        finishReason: 'error',
        errorCode: 'SLUICE_ERR_UPSTREAM_TIMEOUT',
        inputTokens: 4,
        outputTokens: 2,
        timeToFirstTokenMs: 80,
        durationMs: 30_000,
        upstreamTimeToFirstTokenMs: 79,
        upstreamDurationMs: 29_999,
      },
    ]);
  });

  test('paths lose their query string', () => {
    expect(pathOf('/v1/generations/gen_1?api_key=secret')).toBe('/v1/generations/gen_1');
    expect(pathOf('/metrics')).toBe('/metrics');
  });
});
