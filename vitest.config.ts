import { defineConfig } from 'vitest/config';

/**
 * Tests that run several processes at once (a browser, gateway clusters, worker groups, a
 * private Redis). `npm test` runs them in a second pass of their own (`SLUICE_TEST_PHASE`):
 * beside them, on a 2-core box, the event-loop-lag assertions of the first pass would
 * measure CPU starvation by a browser rather than the gateway's own blocking.
 */
const PROCESS_HEAVY = [
  'test/browser/**/*.test.ts',
  'test/e2e/cluster-failover.test.ts',
  'test/e2e/workers.test.ts',
  'test/e2e/redis-restart.test.ts',
  'test/e2e/cli-serve.test.ts',
  'test/e2e/cli-bench.test.ts',
];
const ALL = ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'];
const phase = process.env.SLUICE_TEST_PHASE;

export default defineConfig({
  test: {
    include: phase === 'processes' ? PROCESS_HEAVY : ALL,
    exclude: phase === 'main' ? ['**/node_modules/**', ...PROCESS_HEAVY] : ['**/node_modules/**'],
    // The gateway serves packages/web/dist: build it when missing or older than its sources.
    globalSetup: ['test/browser/ensure-web-build.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Streaming tests bind real loopback sockets; a small pool keeps a 2-core box responsive.
    // The multi-process files run one at a time: each already uses both cores.
    maxWorkers: phase === 'processes' ? 1 : 2,
  },
});
