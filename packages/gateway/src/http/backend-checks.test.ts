import { describe, expect, test } from 'vitest';
import { checkBackends } from './backend-checks.ts';

describe('checkBackends', () => {
  test('embedded backends pass; a shared one passes when it answers and fails with its code when not', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6379'), {
      code: 'ECONNREFUSED',
    });
    const statuses = await checkBackends([
      { role: 'store', kind: 'memory' },
      { role: 'store', kind: 'redis', ping: async () => 'PONG' },
      { role: 'governance', kind: 'postgres', ping: async () => Promise.reject(refused) },
    ]);
    expect(statuses).toEqual([
      { role: 'store', kind: 'memory', ok: true },
      { role: 'store', kind: 'redis', ok: true },
      { role: 'governance', kind: 'postgres', ok: false, error: 'ECONNREFUSED' },
    ]);
    // The address in the error's message is never reported.
    expect(JSON.stringify(statuses)).not.toContain('10.0.0.1');
  });

  test('a backend that never answers counts as down', async () => {
    const [status] = await checkBackends([
      { role: 'store', kind: 'redis', ping: () => new Promise(() => {}) },
    ]);
    expect(status).toEqual({ role: 'store', kind: 'redis', ok: false, error: 'timeout' });
  });
});
