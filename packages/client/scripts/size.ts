/**
 * Reports the SDK's browser bundle size: bundles `src/index.ts` (with `@sluice/protocol`)
 * for the browser with Vite (Rolldown + its minifier, already installed with vitest),
 * minified, and prints raw and gzip bytes for the whole module and for a typical app that
 * imports only `SluiceClient` (what tree-shaking leaves). Run: `node scripts/size.ts`.
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'vite';

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));

/** A one-file app, as a virtual module, that uses what most pages use. */
function typicalApp(): Plugin {
  const id = '\0sluice-typical-app';
  return {
    name: 'sluice-typical-app',
    enforce: 'pre',
    // Lib mode hands the entry over as a path under the project root.
    resolveId: (source) => (source.endsWith('sluice-typical-app') ? id : undefined),
    load: (source) =>
      source === id
        ? `import { SluiceClient } from ${JSON.stringify(entry)};\n` +
          'export const client = new SluiceClient({ baseUrl: "/" });'
        : undefined,
  };
}

async function bundledBytes(input: string, plugins: Plugin[] = []): Promise<Buffer> {
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    plugins,
    build: {
      write: false,
      minify: true,
      target: 'es2022',
      lib: { entry: input, formats: ['es'], fileName: 'bundle' },
    },
  });
  const results = Array.isArray(output) ? output : [output];
  const chunks = results.flatMap((result) => ('output' in result ? result.output : []));
  const code = chunks.map((chunk) => (chunk.type === 'chunk' ? chunk.code : '')).join('');
  return Buffer.from(code);
}

function line(label: string, bytes: Buffer): string {
  return `${label}: ${bytes.length} B minified, ${gzipSync(bytes, { level: 9 }).length} B gzip`;
}

console.log(line('@sluice/client (every export)', await bundledBytes(entry)));
console.log(
  line('typical app (SluiceClient only)', await bundledBytes('sluice-typical-app', [typicalApp()])),
);
