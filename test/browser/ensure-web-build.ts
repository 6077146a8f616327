/**
 * Vitest global setup: makes sure `packages/web/dist` exists and is newer than its
 * sources before any test runs, so the gateway under test serves the current pages on a
 * fresh checkout too (`npm install` builds them as well).
 */
import { ensureWebBuild } from '../../packages/web/scripts/ensure-build.ts';

export default function setup(): void {
  ensureWebBuild();
}
