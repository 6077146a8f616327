/**
 * Builds the playground and operator pages into `dist/`: one HTML page (the gateway
 * answers `/`, `/dashboard`, `/reviews` and `/audit` with it) and hashed assets under
 * `dist/assets/`, which the gateway serves with long cache headers. No inline script, so
 * the pages run under a CSP that allows only the gateway's own scripts and styles.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  // JSX through Vite's own transform (Oxc): no React plugin needed.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The polyfill would be an inline script; every browser the pages target has modulepreload.
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: true,
  },
  logLevel: 'warn',
});
