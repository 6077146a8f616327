/**
 * The web playground and operator pages (`packages/web`, built by Vite into its `dist/`):
 * `/`, `/dashboard`, `/reviews` and `/audit` answer the app's one HTML page, `/assets/*`
 * its hashed files with year-long immutable caching. Pages carry a Content Security
 * Policy that allows only this origin's scripts and styles (the build has no inline
 * script), so model output can never run as code even if it reached the DOM as HTML.
 * Any other path stays a JSON 404. Without a build, `/` explains how to make one.
 *
 * In keys mode a browser cannot put a bearer token on a navigation: `WEB_PUBLIC_ROUTES`
 * must be among the authenticator's public routes. The pages hold no data; every API
 * call they make presents the key the user typed.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The paths the single-page app answers; anything else is not the app's. */
export const WEB_PAGES: readonly string[] = ['/', '/dashboard', '/reviews', '/audit'];

/** The routes (as registered) a browser loads without a key. */
export const WEB_PUBLIC_ROUTES: readonly string[] = [...WEB_PAGES, '/assets/*'];

/** Where `npm run build -w @sluice/web` puts the build, seen from this file. */
export const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../../../web/dist', import.meta.url));

/**
 * Only this origin's scripts, styles, images and API calls; no plugins, no framing, no
 * base-URL or form tricks. `data:` images are the blank favicon.
 */
export const WEB_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT = [
  'Sluice is running, but its web pages were not built.',
  '',
  'Build them with:  npm run build -w @sluice/web',
  '(npm install does this too), then reload this page.',
  'The API is unaffected: see /v1/models, /healthz and the README.',
  '',
].join('\n');

export interface WebRouteOptions {
  /** The Vite build to serve; `packages/web/dist` by default. */
  distDir?: string;
}

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', WEB_CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-cache');
}

export async function webRoutes(
  app: FastifyInstance,
  options: WebRouteOptions = {},
): Promise<void> {
  const distDir = options.distDir ?? DEFAULT_WEB_DIST;
  const indexFile = join(distDir, 'index.html');
  const assetsDir = join(distDir, 'assets');

  for (const path of WEB_PAGES) {
    app.get(path, async (_request, reply) => {
      // Read per request: a rebuild replaces the hashed asset names the page refers to.
      let html: string;
      try {
        html = await readFile(indexFile, 'utf8');
      } catch {
        // No build (a gateway installed without the web package): say how to make one.
        return pageHeaders(reply)
          .code(503)
          .header('content-type', 'text/plain; charset=utf-8')
          .send(path === '/' ? NOT_BUILT : NOT_BUILT.split('\n')[0]);
      }
      return pageHeaders(reply).header('content-type', 'text/html; charset=utf-8').send(html);
    });
  }

  if (!existsSync(assetsDir)) return;
  await app.register(fastifyStatic, {
    root: assetsDir,
    prefix: '/assets/',
    decorateReply: false,
    wildcard: true,
    index: false,
    redirect: false,
    dotfiles: 'deny',
    // File names carry a content hash: a name never changes meaning.
    maxAge: '365d',
    immutable: true,
    setHeaders: (reply) => {
      reply.header('content-security-policy', WEB_CONTENT_SECURITY_POLICY);
      reply.header('x-content-type-options', 'nosniff');
    },
  });
}
