import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    // The gateway serves packages/web/dist: build it when missing or older than its sources.
    globalSetup: ['test/browser/ensure-web-build.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Streaming tests bind real loopback sockets; a small pool keeps a 2-core box responsive.
    maxWorkers: 2,
  },
});
