/**
 * Builds `dist/` when it is missing or older than any of its sources (the web app, the
 * client SDK and the protocol package). Used by the test setup and callable by hand
 * (`npm run ensure-build -w @sluice/web`). The build goes to a fresh directory that then
 * replaces `dist/`, so concurrent test runs never serve a half-written build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const webRoot = resolve(import.meta.dirname, '..');
const repoRoot = resolve(webRoot, '..', '..');
export const WEB_DIST = join(webRoot, 'dist');

const SOURCES = [
  join(webRoot, 'src'),
  join(webRoot, 'index.html'),
  join(webRoot, 'vite.config.ts'),
  join(webRoot, 'scripts'),
  join(webRoot, 'package.json'),
  join(repoRoot, 'packages', 'client', 'src'),
  join(repoRoot, 'packages', 'protocol', 'src'),
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** Whether `dist/` is missing or older than a source. */
export function webBuildIsStale(): boolean {
  const built = join(WEB_DIST, 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return SOURCES.some((source) => newestMtime(source) > builtAt);
}

/** Runs `vite build` into a temporary directory, then swaps it in for `dist/`. */
export function buildWeb(): void {
  const temporary = join(webRoot, `dist.tmp-${process.pid}`);
  const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--outDir', temporary, '--emptyOutDir', '--logLevel', 'warn'],
    // Vitest sets NODE_ENV=test, which would bundle React's development build.
    { cwd: webRoot, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
  );
  if (result.status !== 0) {
    rmSync(temporary, { recursive: true, force: true });
    throw new Error(`vite build failed (exit ${result.status ?? result.signal})`);
  }
  const previous = join(webRoot, `dist.old-${process.pid}`);
  if (existsSync(WEB_DIST)) renameSync(WEB_DIST, previous);
  try {
    renameSync(temporary, WEB_DIST);
  } catch (error) {
    // Another run swapped its own fresh build in meanwhile: keep that one.
    if (!existsSync(join(WEB_DIST, 'index.html'))) throw error;
    rmSync(temporary, { recursive: true, force: true });
  }
  rmSync(previous, { recursive: true, force: true });
}

export function ensureWebBuild(): { built: boolean } {
  if (!webBuildIsStale()) return { built: false };
  buildWeb();
  return { built: true };
}

if (import.meta.main) {
  const { built } = ensureWebBuild();
  console.log(built ? 'web: built packages/web/dist' : 'web: packages/web/dist is up to date');
}
