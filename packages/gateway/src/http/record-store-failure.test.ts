import { afterEach, expect, test } from 'vitest';
import { parseConfig } from '../config/load-config.ts';
import { MemoryGenerationStore } from '../store/memory-generation-store.ts';
import { buildGateway, type Gateway } from './app.ts';

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.app.close();
  gateway = undefined;
});

test('a generation whose record cannot be written is a 503 before any stream starts', async () => {
  const records = new MemoryGenerationStore();
  records.create = async () => {
    throw new Error('record store unreachable');
  };
  gateway = await buildGateway({
    config: parseConfig({ port: 0, dataDir: ':memory:' }),
    records,
  });
  for (const accept of ['text/event-stream', 'application/json']) {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/generations',
      headers: { 'content-type': 'application/json', accept },
      payload: { model: 'simulator', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(response.statusCode).toBe(503);
    expect(response.headers['content-type']).toContain('application/json');
    expect(response.json()).toEqual({
      error: {
        code: 'SLUICE_ERR_STORE_UNAVAILABLE',
        message: 'The generation could not be recorded; nothing was started',
      },
    });
    expect(response.body).not.toContain('unreachable');
  }
  expect(gateway.context.generations.runningCount).toBe(0);
});
