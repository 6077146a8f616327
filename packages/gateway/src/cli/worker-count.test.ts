import { availableParallelism } from 'node:os';
import { describe, expect, test } from 'vitest';
import { parseConfig } from '../config/load-config.ts';
import { MAX_WORKERS, parseWorkerCount, workersRefusal } from './worker-count.ts';

describe('parseWorkerCount', () => {
  test('no flag is one process; N and auto are read', () => {
    expect(parseWorkerCount(undefined)).toEqual({ count: 1, auto: false });
    expect(parseWorkerCount('4')).toEqual({ count: 4, auto: false });
    expect(parseWorkerCount('auto')).toEqual({
      count: Math.min(availableParallelism(), MAX_WORKERS),
      auto: true,
    });
  });

  test.each(['0', '-1', '1.5', 'two', '', ' 2', String(MAX_WORKERS + 1), '1e3'])(
    'refuses %j with a usage message',
    (value) => {
      const result = parseWorkerCount(value);
      expect('error' in result && result.error).toContain('--workers must be');
    },
  );
});

describe('workersRefusal', () => {
  test('the memory store is refused, saying why and what to set', () => {
    const refusal = workersRefusal(parseConfig({}), '2');
    expect(refusal).toContain('store.kind: redis');
    expect(refusal).toContain('404');
  });

  test('Redis with a governance database on disk (or PostgreSQL) is accepted', () => {
    const store = { kind: 'redis', url: 'redis://127.0.0.1:6379' };
    expect(workersRefusal(parseConfig({ store }), '2')).toBeUndefined();
    expect(workersRefusal(parseConfig({ store, dataDir: ':memory:' }), '2')).toContain(':memory:');
  });
});
